"""Assistants: ``/v1/assistants``."""

from __future__ import annotations

from typing import Annotated, Literal, Optional

from pydantic import Field, field_validator

from ._base import WireModel
from .shared import MAX_TOOLS, MetadataMixin, ResponseFormat, Tool, ToolResources, not_null

ReasoningEffort = Literal["none", "minimal", "low", "medium", "high", "xhigh", "max"]


class Assistant(WireModel):
    id: str
    object: Literal["assistant"] = "assistant"
    created_at: int
    name: Optional[str] = None
    description: Optional[str] = None
    model: str
    instructions: Optional[str] = None
    tools: list[Tool] = Field(default_factory=list)
    tool_resources: Optional[ToolResources] = None
    metadata: Optional[dict[str, str]] = None
    temperature: Optional[float] = None
    top_p: Optional[float] = None
    response_format: Optional[ResponseFormat] = None
    reasoning_effort: Optional[ReasoningEffort] = None


class _AssistantFields(MetadataMixin):
    name: Optional[Annotated[str, Field(max_length=256)]] = None
    description: Optional[Annotated[str, Field(max_length=512)]] = None
    instructions: Optional[Annotated[str, Field(max_length=256_000)]] = None
    reasoning_effort: Optional[ReasoningEffort] = None
    tools: Annotated[list[Tool], Field(max_length=MAX_TOOLS)] = Field(default_factory=list)
    tool_resources: Optional[ToolResources] = None
    temperature: Optional[Annotated[float, Field(ge=0.0, le=2.0)]] = None
    top_p: Optional[Annotated[float, Field(ge=0.0, le=1.0)]] = None
    response_format: Optional[ResponseFormat] = None


class AssistantCreateParams(_AssistantFields):
    model: Annotated[str, Field(min_length=1, max_length=256)]


class AssistantUpdateParams(_AssistantFields):
    model: Optional[Annotated[str, Field(min_length=1, max_length=256)]] = None

    _model_not_null = field_validator("model")(not_null)


class AssistantDeleted(WireModel):
    id: str
    object: Literal["assistant.deleted"] = "assistant.deleted"
    deleted: bool = True


__all__ = [
    "Assistant",
    "AssistantCreateParams",
    "AssistantUpdateParams",
    "AssistantDeleted",
    "ReasoningEffort",
]
