"""``client.beta.threads.runs``: runs, their polling helpers and event-handler streams."""

from __future__ import annotations

from functools import cached_property
from typing import Any, Iterable, Literal, Optional, TypedDict, Union

from typing_extensions import Required, Unpack

from ......types.run import TERMINAL_STATUSES, Run
from ......types.stream_events import AssistantStreamEvent
from ....._pagination import SyncCursorPage
from ....._polling import apoll_until, poll_until
from ....._request import ASSISTANTS_BETA, RequestOptions, split_options
from ....._resource import APIResource, async_pages, awaitable, awaitable_or_stream
from ....._response import adapter_for
from ....._streaming import Stream, assistant_event_decoder
from ....._types import NOT_GIVEN, NotGiven, given
from .....lib.assistant_events import (
    AssistantEventHandler,
    AssistantStreamManager,
    AsyncAssistantEventHandler,
    AsyncAssistantStreamManager,
)
from .steps import AsyncSteps, Steps


RUN_STOP_POLLING = TERMINAL_STATUSES | {"requires_action"}


def _run_settled(run: Run) -> bool:
    return run.status in RUN_STOP_POLLING


def event_decoder() -> Any:
    return assistant_event_decoder(adapter_for(AssistantStreamEvent))


class RunOptionFields(TypedDict, total=False):
    """Options shared by ``runs.create`` and ``threads.create_and_run``."""

    instructions: Optional[str]
    max_completion_tokens: Optional[int]
    max_prompt_tokens: Optional[int]
    metadata: Optional[dict[str, str]]
    model: Optional[str]
    parallel_tool_calls: bool
    response_format: Any
    temperature: Optional[float]
    tool_choice: Any
    tools: Optional[Iterable[dict[str, Any]]]
    top_p: Optional[float]
    truncation_strategy: Optional[dict[str, Any]]


class RunCreateArgs(RunOptionFields, RequestOptions, total=False):
    """Keyword arguments of ``runs.create`` and its helpers."""

    assistant_id: Required[str]
    include: list[str]
    additional_instructions: Optional[str]
    additional_messages: Optional[Iterable[dict[str, Any]]]
    reasoning_effort: Optional[str]


def stream_manager(resource: APIResource, open_stream: Any, event_handler: Any) -> Any:
    """The sync or async stream manager (and default handler) for ``resource``'s client."""
    if resource._client.is_async:
        return AsyncAssistantStreamManager(open_stream, event_handler=event_handler or AsyncAssistantEventHandler())
    return AssistantStreamManager(open_stream, event_handler=event_handler or AssistantEventHandler())


class Runs(APIResource):
    _beta = ASSISTANTS_BETA

    @cached_property
    def steps(self) -> Steps:
        return self._child(Steps, AsyncSteps)

    def create(self, thread_id: str, *, stream: Union[Optional[bool], NotGiven] = NOT_GIVEN,
               **params: Unpack[RunCreateArgs]) -> Union[Run, Stream[AssistantStreamEvent]]:
        """Create a run; with ``stream=True`` iterate its events instead."""
        fields, options = split_options(params)
        include = fields.pop("include", NOT_GIVEN)
        return self._call("POST", f"threads/{thread_id}/runs", options, cast_to=Run,
                          body=given(**fields, stream=stream), query=given(**{"include[]": include}),
                          stream=event_decoder() if stream else None)

    def retrieve(self, run_id: str, *, thread_id: str, **options: Unpack[RequestOptions]) -> Run:
        return self._call("GET", f"threads/{thread_id}/runs/{run_id}", options, cast_to=Run)

    def update(self, run_id: str, *, thread_id: str,
               metadata: Union[Optional[dict[str, str]], NotGiven] = NOT_GIVEN,
               **options: Unpack[RequestOptions]) -> Run:
        return self._call("POST", f"threads/{thread_id}/runs/{run_id}", options, cast_to=Run,
                          body=given(metadata=metadata))

    def list(self, thread_id: str, *, after: Union[str, NotGiven] = NOT_GIVEN,
             before: Union[str, NotGiven] = NOT_GIVEN, limit: Union[int, NotGiven] = NOT_GIVEN,
             order: Union[Literal["asc", "desc"], NotGiven] = NOT_GIVEN,
             **options: Unpack[RequestOptions]) -> SyncCursorPage[Run]:
        query = given(after=after, before=before, limit=limit, order=order)
        return self._call("GET", f"threads/{thread_id}/runs", options, cast_to=Run, query=query,
                          page=self._page_class())

    def cancel(self, run_id: str, *, thread_id: str, **options: Unpack[RequestOptions]) -> Run:
        return self._call("POST", f"threads/{thread_id}/runs/{run_id}/cancel", options, cast_to=Run)

    def submit_tool_outputs(self, run_id: str, *, thread_id: str, tool_outputs: Iterable[dict[str, Any]],
                            stream: Union[Optional[bool], NotGiven] = NOT_GIVEN,
                            **options: Unpack[RequestOptions]) -> Union[Run, Stream[AssistantStreamEvent]]:
        return self._call("POST", f"threads/{thread_id}/runs/{run_id}/submit_tool_outputs", options, cast_to=Run,
                          body=given(tool_outputs=tool_outputs, stream=stream),
                          stream=event_decoder() if stream else None)

    # -------------------------------------------------------------- helpers

    def stream(self, *, thread_id: str, event_handler: Optional[AssistantEventHandler] = None,
               **params: Unpack[RunCreateArgs]) -> AssistantStreamManager[AssistantEventHandler]:
        """``with runs.stream(thread_id=..., assistant_id=...) as stream: stream.until_done()``."""
        return stream_manager(self, lambda: self._plain.create(thread_id, stream=True, **params), event_handler)

    create_and_stream = stream

    def submit_tool_outputs_stream(self, *, tool_outputs: Iterable[dict[str, Any]], run_id: str, thread_id: str,
                                   event_handler: Optional[AssistantEventHandler] = None,
                                   **options: Unpack[RequestOptions]) -> AssistantStreamManager[AssistantEventHandler]:
        return stream_manager(self, lambda: self._plain.submit_tool_outputs(
            run_id, thread_id=thread_id, tool_outputs=tool_outputs, stream=True, **options), event_handler)

    def poll(self, run_id: str, thread_id: str, poll_interval_ms: Union[int, NotGiven] = NOT_GIVEN,
             **options: Unpack[RequestOptions]) -> Run:
        """Retrieve the run until it is terminal or needs tool outputs."""
        raw = self._plain.with_raw_response
        return poll_until(lambda: raw.retrieve(run_id, thread_id=thread_id, **options), _run_settled, poll_interval_ms)

    def create_and_poll(self, *, thread_id: str, poll_interval_ms: Union[int, NotGiven] = NOT_GIVEN,
                        **params: Unpack[RunCreateArgs]) -> Run:
        run = self._plain.create(thread_id, **params)
        return self.poll(run.id, thread_id, poll_interval_ms, **split_options(params)[1])

    def submit_tool_outputs_and_poll(self, *, tool_outputs: Iterable[dict[str, Any]], run_id: str, thread_id: str,
                                     poll_interval_ms: Union[int, NotGiven] = NOT_GIVEN,
                                     **options: Unpack[RequestOptions]) -> Run:
        run = self._plain.submit_tool_outputs(run_id, thread_id=thread_id, tool_outputs=tool_outputs, **options)
        return self.poll(run.id, thread_id, poll_interval_ms, **options)


class AsyncRuns(Runs):
    """Async twin: methods return awaitables; ``stream`` helpers return async stream managers."""

    create = awaitable_or_stream(Runs.create)  # type: ignore[assignment]
    retrieve = awaitable(Runs.retrieve)  # type: ignore[assignment]
    update = awaitable(Runs.update)  # type: ignore[assignment]
    list = async_pages(Runs.list)  # type: ignore[assignment]
    cancel = awaitable(Runs.cancel)  # type: ignore[assignment]
    submit_tool_outputs = awaitable_or_stream(Runs.submit_tool_outputs)  # type: ignore[assignment]

    @cached_property
    def steps(self) -> AsyncSteps:
        return self._child(Steps, AsyncSteps)

    def stream(self, *, thread_id: str,  # type: ignore[override]
               event_handler: Optional[AsyncAssistantEventHandler] = None,
               **params: Unpack[RunCreateArgs]) -> AsyncAssistantStreamManager[AsyncAssistantEventHandler]:
        """``async with runs.stream(thread_id=..., assistant_id=...) as stream: await stream.until_done()``."""
        return Runs.stream(self, thread_id=thread_id, event_handler=event_handler, **params)  # type: ignore[arg-type]

    create_and_stream = stream

    def submit_tool_outputs_stream(  # type: ignore[override]
            self, *, tool_outputs: Iterable[dict[str, Any]], run_id: str, thread_id: str,
            event_handler: Optional[AsyncAssistantEventHandler] = None,
            **options: Unpack[RequestOptions]) -> AsyncAssistantStreamManager[AsyncAssistantEventHandler]:
        return Runs.submit_tool_outputs_stream(self, tool_outputs=tool_outputs, run_id=run_id,  # type: ignore
                                               thread_id=thread_id, event_handler=event_handler, **options)

    async def poll(self, run_id: str, thread_id: str,  # type: ignore[override]
                   poll_interval_ms: Union[int, NotGiven] = NOT_GIVEN, **options: Unpack[RequestOptions]) -> Run:
        raw = self._plain.with_raw_response
        return await apoll_until(lambda: raw.retrieve(run_id, thread_id=thread_id, **options), _run_settled,
                                 poll_interval_ms)

    async def create_and_poll(self, *, thread_id: str,  # type: ignore[override]
                              poll_interval_ms: Union[int, NotGiven] = NOT_GIVEN,
                              **params: Unpack[RunCreateArgs]) -> Run:
        run = await self._plain.create(thread_id, **params)
        return await self.poll(run.id, thread_id, poll_interval_ms, **split_options(params)[1])

    async def submit_tool_outputs_and_poll(  # type: ignore[override]
            self, *, tool_outputs: Iterable[dict[str, Any]], run_id: str, thread_id: str,
            poll_interval_ms: Union[int, NotGiven] = NOT_GIVEN, **options: Unpack[RequestOptions]) -> Run:
        run = await self._plain.submit_tool_outputs(run_id, thread_id=thread_id, tool_outputs=tool_outputs,
                                                    **options)
        return await self.poll(run.id, thread_id, poll_interval_ms, **options)
