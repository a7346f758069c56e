"""``client.beta.chatkit``: ``sessions`` and ``threads``."""

from __future__ import annotations

from functools import cached_property
from typing import Any, Literal, Union

from typing_extensions import Unpack

from ....types.chatkit import ChatKitItem, ChatKitThread, ChatKitThreadDeleted, ChatSession
from ..._pagination import SyncCursorPage
from ..._request import CHATKIT_BETA, RequestOptions
from ..._resource import APIResource, async_pages, awaitable
from ..._types import NOT_GIVEN, NotGiven, given

Order = Literal["asc", "desc"]


class ChatKitSessions(APIResource):
    _beta = CHATKIT_BETA

    def create(self, *, user: str, workflow: dict[str, Any],
               chatkit_configuration: Union[dict[str, Any], NotGiven] = NOT_GIVEN,
               expires_after: Union[dict[str, Any], NotGiven] = NOT_GIVEN,
               rate_limits: Union[dict[str, Any], NotGiven] = NOT_GIVEN,
               **options: Unpack[RequestOptions]) -> ChatSession:
        body = given(user=user, workflow=workflow, chatkit_configuration=chatkit_configuration,
                     expires_after=expires_after, rate_limits=rate_limits)
        return self._call("POST", "chatkit/sessions", options, cast_to=ChatSession, body=body)

    def cancel(self, session_id: str, **options: Unpack[RequestOptions]) -> ChatSession:
        return self._call("POST", f"chatkit/sessions/{session_id}/cancel", options, cast_to=ChatSession)


class ChatKitThreads(APIResource):
    _beta = CHATKIT_BETA

    def retrieve(self, thread_id: str, **options: Unpack[RequestOptions]) -> ChatKitThread:
        return self._call("GET", f"chatkit/threads/{thread_id}", options, cast_to=ChatKitThread)

    def list(self, *, after: Union[str, NotGiven] = NOT_GIVEN, before: Union[str, NotGiven] = NOT_GIVEN,
             limit: Union[int, NotGiven] = NOT_GIVEN, order: Union[Order, NotGiven] = NOT_GIVEN,
             user: Union[str, NotGiven] = NOT_GIVEN,
             **options: Unpack[RequestOptions]) -> SyncCursorPage[ChatKitThread]:
        query = given(after=after, before=before, limit=limit, order=order, user=user)
        return self._call("GET", "chatkit/threads", options, cast_to=ChatKitThread, query=query,
                          page=self._page_class())

    def delete(self, thread_id: str, **options: Unpack[RequestOptions]) -> ChatKitThreadDeleted:
        return self._call("DELETE", f"chatkit/threads/{thread_id}", options, cast_to=ChatKitThreadDeleted)

    def list_items(self, thread_id: str, *, after: Union[str, NotGiven] = NOT_GIVEN,
                   before: Union[str, NotGiven] = NOT_GIVEN, limit: Union[int, NotGiven] = NOT_GIVEN,
                   order: Union[Order, NotGiven] = NOT_GIVEN,
                   **options: Unpack[RequestOptions]) -> SyncCursorPage[ChatKitItem]:
        """The thread's items, each parsed as its type's model (``ChatKitThreadUserMessageItem`` ...)."""
        query = given(after=after, before=before, limit=limit, order=order)
        return self._call("GET", f"chatkit/threads/{thread_id}/items", options, cast_to=ChatKitItem,
                          query=query, page=self._page_class())


class AsyncChatKitSessions(ChatKitSessions):
    """Async twin."""

    create = awaitable(ChatKitSessions.create)  # type: ignore[assignment]
    cancel = awaitable(ChatKitSessions.cancel)  # type: ignore[assignment]


class AsyncChatKitThreads(ChatKitThreads):
    """Async twin (``list`` and ``list_items`` return async paginators)."""

    retrieve = awaitable(ChatKitThreads.retrieve)  # type: ignore[assignment]
    list = async_pages(ChatKitThreads.list)  # type: ignore[assignment]
    delete = awaitable(ChatKitThreads.delete)  # type: ignore[assignment]
    list_items = async_pages(ChatKitThreads.list_items)  # type: ignore[assignment]


class ChatKit(APIResource):
    @cached_property
    def sessions(self) -> ChatKitSessions:
        return self._child(ChatKitSessions, AsyncChatKitSessions)

    @cached_property
    def threads(self) -> ChatKitThreads:
        return self._child(ChatKitThreads, AsyncChatKitThreads)


class AsyncChatKit(ChatKit):
    @cached_property
    def sessions(self) -> AsyncChatKitSessions:
        return self._child(ChatKitSessions, AsyncChatKitSessions)

    @cached_property
    def threads(self) -> AsyncChatKitThreads:
        return self._child(ChatKitThreads, AsyncChatKitThreads)
