"""``AssistantEventHandler`` / ``AsyncAssistantEventHandler`` and their stream managers.

Subclass a handler and override the ``on_*`` hooks; pass it as ``event_handler=``
to ``runs.stream(...)`` and friends. Snapshots (``current_message_snapshot``,
``current_run_step_snapshot``) are accumulated from deltas.
"""

from __future__ import annotations

from typing import Any, AsyncIterator, Awaitable, Callable, Generic, Iterator, Optional, TypeVar

import httpx

from ...types.message import ImageFile, Message, Text
from ...types.run import Run
from ...types.run_step import RunStep
from ...types.stream_events import AssistantStreamEvent, MessageDelta, TextDelta
from .._streaming import AsyncStream, Stream
from ._accumulate import StreamState


class _HandlerBase:
    def __init__(self) -> None:
        self._state = StreamState()
        self.current_event: Optional[AssistantStreamEvent] = None
        self._done = False

    @property
    def current_run(self) -> Optional[Run]:
        return self._state.current_run

    @property
    def current_message_snapshot(self) -> Optional[Message]:
        return self._state.current_message

    @property
    def current_run_step_snapshot(self) -> Optional[RunStep]:
        return self._state.current_run_step

    def _final_run(self) -> Run:
        if self._state.current_run is None:
            raise RuntimeError("No run was streamed.")
        return self._state.current_run

    def _feed(self, event: AssistantStreamEvent) -> list[tuple[str, tuple[Any, ...]]]:
        self.current_event = event
        return self._state.feed(event)


class AssistantEventHandler(_HandlerBase):
    """Receives a run's stream as hook calls. Override the hooks you need."""

    def __init__(self) -> None:
        super().__init__()
        self._stream: Optional[Stream[AssistantStreamEvent]] = None
        self._iterator: Optional[Iterator[AssistantStreamEvent]] = None

    def _init(self, stream: Stream[AssistantStreamEvent]) -> None:
        if self._stream is not None:
            raise RuntimeError("An event handler can consume one stream only; create a new handler.")
        self._stream = stream
        self._iterator = self._run()

    def _run(self) -> Iterator[AssistantStreamEvent]:
        assert self._stream is not None
        try:
            for event in self._stream:
                for hook, args in self._feed(event):
                    getattr(self, hook)(*args)
                yield event
        except httpx.TimeoutException:
            self.on_timeout()
            raise
        except Exception as exc:
            self.on_exception(exc)
            raise
        finally:
            self._stream.close()
        self._done = True
        self.on_end()

    def __iter__(self) -> Iterator[AssistantStreamEvent]:
        if self._iterator is None:
            raise RuntimeError("This handler is not attached to a stream.")
        return self._iterator

    def __next__(self) -> AssistantStreamEvent:
        return next(iter(self))

    def until_done(self) -> None:
        """Consume the stream to its end (calling the hooks)."""
        for _ in self:
            pass

    @property
    def text_deltas(self) -> Iterator[str]:
        """The text fragments as they arrive (consumes the stream)."""
        for event in self:
            if event.event == "thread.message.delta":
                for part in event.data.delta.content or []:
                    if part.type == "text" and part.text is not None and part.text.value:
                        yield part.text.value

    def get_final_run(self) -> Run:
        self.until_done()
        return self._final_run()

    def get_final_messages(self) -> list[Message]:
        self.until_done()
        return list(self._state.messages.values())

    def get_final_run_steps(self) -> list[RunStep]:
        self.until_done()
        return list(self._state.run_steps.values())

    def close(self) -> None:
        if self._stream is not None:
            self._stream.close()

    # -------------------------------------------------------------- hooks

    def on_event(self, event: AssistantStreamEvent) -> None:
        """Every event, before the more specific hooks."""

    def on_run_step_created(self, run_step: RunStep) -> None: ...

    def on_run_step_delta(self, delta: Any, snapshot: RunStep) -> None: ...

    def on_run_step_done(self, run_step: RunStep) -> None: ...

    def on_tool_call_created(self, tool_call: Any) -> None: ...

    def on_tool_call_delta(self, delta: Any, snapshot: Any) -> None: ...

    def on_tool_call_done(self, tool_call: Any) -> None: ...

    def on_message_created(self, message: Message) -> None: ...

    def on_message_delta(self, delta: MessageDelta, snapshot: Message) -> None: ...

    def on_message_done(self, message: Message) -> None: ...

    def on_text_created(self, text: Text) -> None: ...

    def on_text_delta(self, delta: TextDelta, snapshot: Text) -> None: ...

    def on_text_done(self, text: Text) -> None: ...

    def on_image_file_done(self, image_file: ImageFile) -> None: ...

    def on_end(self) -> None:
        """The stream ended normally."""

    def on_exception(self, exception: Exception) -> None:
        """An error interrupted the stream (it is re-raised after this hook)."""

    def on_timeout(self) -> None:
        """The request timed out (re-raised after this hook)."""


class AsyncAssistantEventHandler(_HandlerBase):
    """The async twin of :class:`AssistantEventHandler`: every hook is a coroutine."""

    def __init__(self) -> None:
        super().__init__()
        self._stream: Optional[AsyncStream[AssistantStreamEvent]] = None
        self._iterator: Optional[AsyncIterator[AssistantStreamEvent]] = None

    def _init(self, stream: AsyncStream[AssistantStreamEvent]) -> None:
        if self._stream is not None:
            raise RuntimeError("An event handler can consume one stream only; create a new handler.")
        self._stream = stream
        self._iterator = self._run()

    async def _run(self) -> AsyncIterator[AssistantStreamEvent]:
        assert self._stream is not None
        try:
            async for event in self._stream:
                for hook, args in self._feed(event):
                    await getattr(self, hook)(*args)
                yield event
        except httpx.TimeoutException:
            await self.on_timeout()
            raise
        except Exception as exc:
            await self.on_exception(exc)
            raise
        finally:
            await self._stream.close()
        self._done = True
        await self.on_end()

    def __aiter__(self) -> AsyncIterator[AssistantStreamEvent]:
        if self._iterator is None:
            raise RuntimeError("This handler is not attached to a stream.")
        return self._iterator

    async def __anext__(self) -> AssistantStreamEvent:
        return await self.__aiter__().__anext__()

    async def until_done(self) -> None:
        async for _ in self:
            pass

    @property
    async def text_deltas(self) -> AsyncIterator[str]:
        async for event in self:
            if event.event == "thread.message.delta":
                for part in event.data.delta.content or []:
                    if part.type == "text" and part.text is not None and part.text.value:
                        yield part.text.value

    async def get_final_run(self) -> Run:
        await self.until_done()
        return self._final_run()

    async def get_final_messages(self) -> list[Message]:
        await self.until_done()
        return list(self._state.messages.values())

    async def get_final_run_steps(self) -> list[RunStep]:
        await self.until_done()
        return list(self._state.run_steps.values())

    async def close(self) -> None:
        if self._stream is not None:
            await self._stream.close()

    async def on_event(self, event: AssistantStreamEvent) -> None: ...

    async def on_run_step_created(self, run_step: RunStep) -> None: ...

    async def on_run_step_delta(self, delta: Any, snapshot: RunStep) -> None: ...

    async def on_run_step_done(self, run_step: RunStep) -> None: ...

    async def on_tool_call_created(self, tool_call: Any) -> None: ...

    async def on_tool_call_delta(self, delta: Any, snapshot: Any) -> None: ...

    async def on_tool_call_done(self, tool_call: Any) -> None: ...

    async def on_message_created(self, message: Message) -> None: ...

    async def on_message_delta(self, delta: MessageDelta, snapshot: Message) -> None: ...

    async def on_message_done(self, message: Message) -> None: ...

    async def on_text_created(self, text: Text) -> None: ...

    async def on_text_delta(self, delta: TextDelta, snapshot: Text) -> None: ...

    async def on_text_done(self, text: Text) -> None: ...

    async def on_image_file_done(self, image_file: ImageFile) -> None: ...

    async def on_end(self) -> None: ...

    async def on_exception(self, exception: Exception) -> None: ...

    async def on_timeout(self) -> None: ...


H = TypeVar("H", bound=AssistantEventHandler)
AH = TypeVar("AH", bound=AsyncAssistantEventHandler)


class AssistantStreamManager(Generic[H]):
    """``with runs.stream(...) as stream:`` sends the request on enter and closes it on exit."""

    def __init__(self, open_stream: Callable[[], Stream[AssistantStreamEvent]], *, event_handler: H) -> None:
        self._open_stream = open_stream
        self._handler = event_handler

    def __enter__(self) -> H:
        self._handler._init(self._open_stream())
        return self._handler

    def __exit__(self, *exc: Any) -> None:
        self._handler.close()


class AsyncAssistantStreamManager(Generic[AH]):
    """``async with runs.stream(...) as stream:``."""

    def __init__(self, open_stream: Callable[[], Awaitable[AsyncStream[AssistantStreamEvent]]], *,
                 event_handler: AH) -> None:
        self._open_stream = open_stream
        self._handler = event_handler

    async def __aenter__(self) -> AH:
        self._handler._init(await self._open_stream())
        return self._handler

    async def __aexit__(self, *exc: Any) -> None:
        await self._handler.close()
