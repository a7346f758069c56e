"""``client.beta.threads``, with ``messages`` and ``runs`` beneath it."""

from __future__ import annotations

from functools import cached_property
from typing import Any, Iterable, Optional, Union

from typing_extensions import Required, Unpack

from .....types.run import Run
from .....types.stream_events import AssistantStreamEvent
from .....types.thread import Thread, ThreadDeleted
from ...._request import ASSISTANTS_BETA, RequestOptions, split_options
from ...._resource import APIResource, awaitable, awaitable_or_stream
from ...._streaming import Stream
from ...._types import NOT_GIVEN, NotGiven, given
from ....lib.assistant_events import (
    AssistantEventHandler,
    AssistantStreamManager,
    AsyncAssistantEventHandler,
    AsyncAssistantStreamManager,
)
from .messages import AsyncMessages, Messages
from .runs.runs import AsyncRuns, RunOptionFields, Runs, event_decoder, stream_manager


class CreateAndRunArgs(RunOptionFields, RequestOptions, total=False):
    """Keyword arguments of ``threads.create_and_run`` and its helpers."""

    assistant_id: Required[str]
    thread: dict[str, Any]
    tool_resources: Optional[dict[str, Any]]


class Threads(APIResource):
    _beta = ASSISTANTS_BETA

    @cached_property
    def runs(self) -> Runs:
        return self._child(Runs, AsyncRuns)

    @cached_property
    def messages(self) -> Messages:
        return self._child(Messages, AsyncMessages)

    def create(self, *, messages: Union[Iterable[dict[str, Any]], NotGiven] = NOT_GIVEN,
               metadata: Union[Optional[dict[str, str]], NotGiven] = NOT_GIVEN,
               tool_resources: Union[Optional[dict[str, Any]], NotGiven] = NOT_GIVEN,
               **options: Unpack[RequestOptions]) -> Thread:
        body = given(messages=messages, metadata=metadata, tool_resources=tool_resources)
        return self._call("POST", "threads", options, cast_to=Thread, body=body)

    def retrieve(self, thread_id: str, **options: Unpack[RequestOptions]) -> Thread:
        return self._call("GET", f"threads/{thread_id}", options, cast_to=Thread)

    def update(self, thread_id: str, *, metadata: Union[Optional[dict[str, str]], NotGiven] = NOT_GIVEN,
               tool_resources: Union[Optional[dict[str, Any]], NotGiven] = NOT_GIVEN,
               **options: Unpack[RequestOptions]) -> Thread:
        return self._call("POST", f"threads/{thread_id}", options, cast_to=Thread,
                          body=given(metadata=metadata, tool_resources=tool_resources))

    def delete(self, thread_id: str, **options: Unpack[RequestOptions]) -> ThreadDeleted:
        return self._call("DELETE", f"threads/{thread_id}", options, cast_to=ThreadDeleted)

    def create_and_run(self, *, stream: Union[Optional[bool], NotGiven] = NOT_GIVEN,
                       **params: Unpack[CreateAndRunArgs]) -> Union[Run, Stream[AssistantStreamEvent]]:
        """Create a thread and run it in one request."""
        fields, options = split_options(params)
        return self._call("POST", "threads/runs", options, cast_to=Run, body=given(**fields, stream=stream),
                          stream=event_decoder() if stream else None)

    def create_and_run_poll(self, *, poll_interval_ms: Union[int, NotGiven] = NOT_GIVEN,
                            **params: Unpack[CreateAndRunArgs]) -> Run:
        run = self._plain.create_and_run(**params)
        return self._plain.runs.poll(run.id, run.thread_id, poll_interval_ms, **split_options(params)[1])

    def create_and_run_stream(self, *, event_handler: Optional[AssistantEventHandler] = None,
                              **params: Unpack[CreateAndRunArgs]) -> AssistantStreamManager[AssistantEventHandler]:
        return stream_manager(self, lambda: self._plain.create_and_run(stream=True, **params), event_handler)


class AsyncThreads(Threads):
    """Async twin: methods return awaitables; ``create_and_run_stream`` an async stream manager."""

    create = awaitable(Threads.create)  # type: ignore[assignment]
    retrieve = awaitable(Threads.retrieve)  # type: ignore[assignment]
    update = awaitable(Threads.update)  # type: ignore[assignment]
    delete = awaitable(Threads.delete)  # type: ignore[assignment]
    create_and_run = awaitable_or_stream(Threads.create_and_run)  # type: ignore[assignment]

    @cached_property
    def runs(self) -> AsyncRuns:
        return self._child(Runs, AsyncRuns)

    @cached_property
    def messages(self) -> AsyncMessages:
        return self._child(Messages, AsyncMessages)

    async def create_and_run_poll(self, *,  # type: ignore[override]
                                  poll_interval_ms: Union[int, NotGiven] = NOT_GIVEN,
                                  **params: Unpack[CreateAndRunArgs]) -> Run:
        run = await self._plain.create_and_run(**params)
        return await self._plain.runs.poll(run.id, run.thread_id, poll_interval_ms, **split_options(params)[1])

    def create_and_run_stream(  # type: ignore[override]
            self, *, event_handler: Optional[AsyncAssistantEventHandler] = None,
            **params: Unpack[CreateAndRunArgs]) -> AsyncAssistantStreamManager[AsyncAssistantEventHandler]:
        return Threads.create_and_run_stream(self, event_handler=event_handler, **params)  # type: ignore
