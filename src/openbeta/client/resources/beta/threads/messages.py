"""``client.beta.threads.messages``."""

from __future__ import annotations

from typing import Any, Iterable, Literal, Optional, Union

from typing_extensions import Unpack

from .....types.message import Message, MessageDeleted
from ...._pagination import SyncCursorPage
from ...._request import ASSISTANTS_BETA, RequestOptions
from ...._resource import APIResource, async_pages, awaitable
from ...._types import NOT_GIVEN, NotGiven, given


class Messages(APIResource):
    _beta = ASSISTANTS_BETA

    def create(self, thread_id: str, *, content: Union[str, Iterable[dict[str, Any]]],
               role: Literal["user", "assistant"],
               attachments: Union[Optional[Iterable[dict[str, Any]]], NotGiven] = NOT_GIVEN,
               metadata: Union[Optional[dict[str, str]], NotGiven] = NOT_GIVEN,
               **options: Unpack[RequestOptions]) -> Message:
        body = given(content=content, role=role, attachments=attachments, metadata=metadata)
        return self._call("POST", f"threads/{thread_id}/messages", options, cast_to=Message, body=body)

    def retrieve(self, message_id: str, *, thread_id: str, **options: Unpack[RequestOptions]) -> Message:
        return self._call("GET", f"threads/{thread_id}/messages/{message_id}", options, cast_to=Message)

    def update(self, message_id: str, *, thread_id: str,
               metadata: Union[Optional[dict[str, str]], NotGiven] = NOT_GIVEN,
               **options: Unpack[RequestOptions]) -> Message:
        return self._call("POST", f"threads/{thread_id}/messages/{message_id}", options, cast_to=Message,
                          body=given(metadata=metadata))

    def list(self, thread_id: str, *, after: Union[str, NotGiven] = NOT_GIVEN,
             before: Union[str, NotGiven] = NOT_GIVEN, limit: Union[int, NotGiven] = NOT_GIVEN,
             order: Union[Literal["asc", "desc"], NotGiven] = NOT_GIVEN,
             run_id: Union[str, NotGiven] = NOT_GIVEN,
             **options: Unpack[RequestOptions]) -> SyncCursorPage[Message]:
        query = given(after=after, before=before, limit=limit, order=order, run_id=run_id)
        return self._call("GET", f"threads/{thread_id}/messages", options, cast_to=Message, query=query,
                          page=self._page_class())

    def delete(self, message_id: str, *, thread_id: str, **options: Unpack[RequestOptions]) -> MessageDeleted:
        return self._call("DELETE", f"threads/{thread_id}/messages/{message_id}", options,
                          cast_to=MessageDeleted)


class AsyncMessages(Messages):
    """Async twin: every method returns an awaitable (``list`` an async paginator)."""

    create = awaitable(Messages.create)  # type: ignore[assignment]
    retrieve = awaitable(Messages.retrieve)  # type: ignore[assignment]
    update = awaitable(Messages.update)  # type: ignore[assignment]
    list = async_pages(Messages.list)  # type: ignore[assignment]
    delete = awaitable(Messages.delete)  # type: ignore[assignment]
