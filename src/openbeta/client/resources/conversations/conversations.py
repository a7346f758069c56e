"""``client.conversations``: create (with initial items), retrieve, update, delete; ``items``."""

from __future__ import annotations

from functools import cached_property
from typing import Any, Iterable, Optional, Union

from typing_extensions import Unpack

from ....types.conversations import Conversation, ConversationDeleted
from ..._request import RequestOptions
from ..._resource import APIResource, awaitable
from ..._types import NOT_GIVEN, NotGiven, given
from .items import AsyncItems, Items


class Conversations(APIResource):
    @cached_property
    def items(self) -> Items:
        return self._child(Items, AsyncItems)

    def create(self, *, items: Union[Optional[Iterable[dict[str, Any]]], NotGiven] = NOT_GIVEN,
               metadata: Union[Optional[dict[str, str]], NotGiven] = NOT_GIVEN,
               **options: Unpack[RequestOptions]) -> Conversation:
        return self._call("POST", "conversations", options, cast_to=Conversation,
                          body=given(items=list(items) if items else items, metadata=metadata))

    def retrieve(self, conversation_id: str, **options: Unpack[RequestOptions]) -> Conversation:
        return self._call("GET", f"conversations/{conversation_id}", options, cast_to=Conversation)

    def update(self, conversation_id: str, *, metadata: Optional[dict[str, str]],
               **options: Unpack[RequestOptions]) -> Conversation:
        return self._call("POST", f"conversations/{conversation_id}", options, cast_to=Conversation,
                          body=given(metadata=metadata))

    def delete(self, conversation_id: str, **options: Unpack[RequestOptions]) -> ConversationDeleted:
        return self._call("DELETE", f"conversations/{conversation_id}", options, cast_to=ConversationDeleted)


class AsyncConversations(Conversations):
    """Async twin: every method returns an awaitable (``items.list`` an async paginator)."""

    create = awaitable(Conversations.create)  # type: ignore[assignment]
    retrieve = awaitable(Conversations.retrieve)  # type: ignore[assignment]
    update = awaitable(Conversations.update)  # type: ignore[assignment]
    delete = awaitable(Conversations.delete)  # type: ignore[assignment]

    @cached_property
    def items(self) -> AsyncItems:
        return self._child(Items, AsyncItems)
