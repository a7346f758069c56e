"""``client.conversations.items``: add, list (paged), read and delete a conversation's items."""

from __future__ import annotations

from typing import Any, Iterable, Literal, Union

from typing_extensions import Unpack

from ....types.conversations import Conversation, ConversationItemList
from ....types.responses import Includable, Item
from ..._pagination import SyncCursorPage
from ..._request import RequestOptions
from ..._resource import APIResource, async_pages, awaitable
from ..._types import NOT_GIVEN, NotGiven, given


def _include(include: Union[Iterable[Includable], NotGiven]) -> dict[str, Any]:
    return given(**{"include[]": list(include) if include else NOT_GIVEN})


class Items(APIResource):
    def create(self, conversation_id: str, *, items: Iterable[dict[str, Any]],
               include: Union[Iterable[Includable], NotGiven] = NOT_GIVEN,
               **options: Unpack[RequestOptions]) -> ConversationItemList:
        """Append ``items`` (at most 20) to the conversation; the list of those added."""
        return self._call("POST", f"conversations/{conversation_id}/items", options, cast_to=ConversationItemList,
                          body=given(items=list(items)), query=_include(include))

    def list(self, conversation_id: str, *, after: Union[str, NotGiven] = NOT_GIVEN,
             limit: Union[int, NotGiven] = NOT_GIVEN, order: Union[Literal["asc", "desc"], NotGiven] = NOT_GIVEN,
             include: Union[Iterable[Includable], NotGiven] = NOT_GIVEN,
             **options: Unpack[RequestOptions]) -> SyncCursorPage[Item]:
        """The conversation's items, newest first unless ``order="asc"``; iterating walks every page."""
        query = {**given(after=after, limit=limit, order=order), **_include(include)}
        return self._call("GET", f"conversations/{conversation_id}/items", options, cast_to=Item, query=query,
                          page=self._page_class())

    def retrieve(self, item_id: str, *, conversation_id: str,
                 include: Union[Iterable[Includable], NotGiven] = NOT_GIVEN,
                 **options: Unpack[RequestOptions]) -> Item:
        return self._call("GET", f"conversations/{conversation_id}/items/{item_id}", options, cast_to=Item,
                          query=_include(include))

    def delete(self, item_id: str, *, conversation_id: str, **options: Unpack[RequestOptions]) -> Conversation:
        """Delete an item; the conversation it was in."""
        return self._call("DELETE", f"conversations/{conversation_id}/items/{item_id}", options,
                          cast_to=Conversation)


class AsyncItems(Items):
    create = awaitable(Items.create)  # type: ignore[assignment]
    list = async_pages(Items.list)  # type: ignore[assignment]
    retrieve = awaitable(Items.retrieve)  # type: ignore[assignment]
    delete = awaitable(Items.delete)  # type: ignore[assignment]
