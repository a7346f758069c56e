"""Conversations: ``/v1/conversations`` and their items.

A conversation is a list of items (:data:`openbeta.types.responses.Item`) that responses created with
``conversation`` read and append to. On this server a conversation and an Assistants thread are one
object with one id space: a ``thread_...`` id is accepted wherever a conversation id is, and its
messages are its items.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal, Optional

from pydantic import Field

from ._base import RequestModel, WireModel
from .responses import Includable, Item
from .shared import ListPage, MetadataParam

#: Items one create request (of a conversation, or of items in one) may hold.
MAX_ITEMS_PER_REQUEST = 20


class Conversation(WireModel):
    id: str
    object: Literal["conversation"] = "conversation"
    created_at: int
    metadata: dict[str, str] = Field(default_factory=dict)


class ConversationDeleted(WireModel):
    id: str
    object: Literal["conversation.deleted"] = "conversation.deleted"
    deleted: bool = True


class ConversationItemList(ListPage[Item]):
    """A page of a conversation's items (``after`` pages on; newest first unless ``order=asc``)."""


class ConversationCreateParams(RequestModel):
    metadata: MetadataParam = None
    items: Optional[Annotated[list[Any], Field(max_length=MAX_ITEMS_PER_REQUEST)]] = None


class ConversationUpdateParams(RequestModel):
    metadata: MetadataParam


class ItemCreateParams(RequestModel):
    """``POST /v1/conversations/{id}/items`` (``include`` is a query parameter)."""

    items: Annotated[list[Any], Field(min_length=1, max_length=MAX_ITEMS_PER_REQUEST)]


__all__ = [
    "Conversation", "ConversationCreateParams", "ConversationDeleted", "ConversationItemList",
    "ConversationUpdateParams", "Includable", "ItemCreateParams", "MAX_ITEMS_PER_REQUEST",
]
