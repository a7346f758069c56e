"""Server-sent event streams: ``Stream`` / ``AsyncStream`` iterate typed events.

SSE framing is parsed by ``httpx-sse``; this module only turns each event into
an object (or an exception for ``event: error``) and stops at ``done``.
"""

from __future__ import annotations

import json
from typing import Any, AsyncIterator, Callable, Generic, Iterator, Optional, TypeVar

import httpx
from httpx_sse import EventSource, ServerSentEvent
from pydantic import TypeAdapter

from ._exceptions import APIError

T = TypeVar("T")

_DONE = object()


def assistant_event_decoder(adapter: TypeAdapter) -> Callable[[ServerSentEvent, httpx.Request], Any]:
    """Decode ``event: <name>`` / ``data: <json>`` into ``adapter``'s type (``{"event", "data"}``)."""

    def decode(sse: ServerSentEvent, request: httpx.Request) -> Any:
        if sse.event == "done" or sse.data.startswith("[DONE]"):
            return _DONE
        data = json.loads(sse.data) if sse.data else None
        if sse.event == "error":
            error = data.get("error", data) if isinstance(data, dict) else {}
            message = error.get("message") if isinstance(error, dict) else None
            raise APIError(message or "An error occurred during streaming", request, body=error)
        if sse.event is None or sse.event == "message":
            return adapter.validate_python(data)
        return adapter.validate_python({"event": sse.event, "data": data})

    return decode


def json_event_decoder(adapter: TypeAdapter) -> Callable[[ServerSentEvent, httpx.Request], Any]:
    """Decode events whose ``data`` is the whole typed object (``{"type": ...}``)."""

    def decode(sse: ServerSentEvent, request: httpx.Request) -> Any:
        if sse.data.startswith("[DONE]"):
            return _DONE
        data = json.loads(sse.data)
        if sse.event == "error" or (isinstance(data, dict) and "error" in data and len(data) == 1):
            raise APIError(str(data.get("error")), request, body=data.get("error", data))
        return adapter.validate_python(data)

    return decode


class Stream(Generic[T]):
    """A live SSE response; iterate it for events. Close it (or use ``with``) to stop early."""

    def __init__(self, response: httpx.Response, decode: Callable[[ServerSentEvent, httpx.Request], Any]) -> None:
        self.response = response
        self._decode = decode
        self._iterator = self._events()

    def _events(self) -> Iterator[T]:
        try:
            for sse in EventSource(self.response).iter_sse():
                item = self._decode(sse, self.response.request)
                if item is _DONE:
                    break
                yield item
        finally:
            self.response.close()

    def __iter__(self) -> Iterator[T]:
        return self._iterator

    def __next__(self) -> T:
        return next(self._iterator)

    def close(self) -> None:
        self.response.close()

    def __enter__(self) -> "Stream[T]":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


class AsyncStream(Generic[T]):
    """The async twin of :class:`Stream`."""

    def __init__(self, response: httpx.Response, decode: Callable[[ServerSentEvent, httpx.Request], Any]) -> None:
        self.response = response
        self._decode = decode
        self._iterator = self._events()

    async def _events(self) -> AsyncIterator[T]:
        try:
            async for sse in EventSource(self.response).aiter_sse():
                item = self._decode(sse, self.response.request)
                if item is _DONE:
                    break
                yield item
        finally:
            await self.response.aclose()

    def __aiter__(self) -> AsyncIterator[T]:
        return self._iterator

    async def __anext__(self) -> T:
        return await self._iterator.__anext__()

    async def close(self) -> None:
        await self.response.aclose()

    async def __aenter__(self) -> "AsyncStream[T]":
        return self

    async def __aexit__(self, *exc: Any) -> None:
        await self.close()


def make_stream(response: httpx.Response, decode: Optional[Callable], *, is_async: bool) -> Any:
    cls = AsyncStream if is_async else Stream
    return cls(response, decode)  # type: ignore[arg-type]
