"""Threads: ``/v1/threads``."""

from __future__ import annotations

from typing import Literal, Optional

from pydantic import Field, field_validator

from ._base import WireModel
from .message import MessageCreateParams
from .shared import MetadataMixin, ToolResources, not_null_array

MAX_INITIAL_MESSAGES = 32


class Thread(WireModel):
    id: str
    object: Literal["thread"] = "thread"
    created_at: int
    tool_resources: Optional[ToolResources] = None
    metadata: Optional[dict[str, str]] = None


class ThreadCreateParams(MetadataMixin):
    messages: Optional[list[MessageCreateParams]] = Field(default=None, max_length=MAX_INITIAL_MESSAGES)
    tool_resources: Optional[ToolResources] = None

    _messages_not_null = field_validator("messages")(not_null_array)


class ThreadUpdateParams(MetadataMixin):
    tool_resources: Optional[ToolResources] = None


class ThreadDeleted(WireModel):
    id: str
    object: Literal["thread.deleted"] = "thread.deleted"
    deleted: bool = True
