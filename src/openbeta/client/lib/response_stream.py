"""``client.responses.stream(...)``: a response's events, typed, with the response they build.

:class:`ResponseState` is pure (no I/O): ``feed(event)`` folds one stream event into a snapshot of the
response (``current_snapshot``): the lifecycle events replace it, ``output_item.added`` opens an item
at its ``output_index``, ``content_part.added`` and the text and argument deltas grow it,
``output_item.done`` puts the item's final form in its place. The response a final event carries
(``response.completed``, ``.incomplete``, ``.failed``) is the final response; with a ``text_format`` it
is a :class:`ParsedResponse` whose ``output_parsed`` is the answer validated as that model.

:class:`ResponseStream` / :class:`AsyncResponseStream` iterate the events and keep the state;
``until_done()``, ``text_deltas`` and ``get_final_response()`` are built on that. A stream resumed
from ``starting_after`` has no ``response.created``: its snapshot holds the items it saw.
"""

from __future__ import annotations

import copy
import json
from typing import Any, AsyncIterator, Callable, Iterator, Optional

from pydantic import BaseModel, TypeAdapter

from ...types.response_events import FINAL_EVENTS, ResponseStreamEvent
from ...types.responses import Item, Message, Response
from .._streaming import AsyncStream, Stream


_ITEMS: TypeAdapter[list[Any]] = TypeAdapter(list[Item])


class ParsedResponse(Response):
    """A response whose text answer was asked in a Pydantic model's shape (``responses.parse``,
    ``responses.stream(text_format=...)``): ``output_parsed`` is that answer, validated (``None`` when
    the response has no text answer)."""

    output_parsed: Optional[Any] = None


def strict_schema(model: type[BaseModel]) -> dict[str, Any]:
    """``model``'s JSON schema as a strict ``json_schema`` format needs it: every object closed
    (``additionalProperties: false``) and every property required."""

    def close(node: Any) -> Any:
        if isinstance(node, dict):
            node = {k: close(v) for k, v in node.items()}
            if node.get("type") == "object" and isinstance(node.get("properties"), dict):
                node["additionalProperties"] = False
                node["required"] = list(node["properties"])
            return node
        if isinstance(node, list):
            return [close(v) for v in node]
        return node

    return close(model.model_json_schema())


def text_format_param(model: type[BaseModel]) -> dict[str, Any]:
    """The request's ``text`` asking for ``model``'s shape."""
    return {"format": {"type": "json_schema", "name": model.__name__, "schema": strict_schema(model),
                       "strict": True}}


def parse_response(response: Response, text_format: Optional[type[BaseModel]]) -> Response:
    """``response`` as a :class:`ParsedResponse` of ``text_format`` (unchanged without one)."""
    if text_format is None:
        return response
    parsed = ParsedResponse.model_validate(response.model_dump(mode="json", by_alias=True))
    text = response.output_text
    if any(isinstance(item, Message) for item in response.output) and text:
        parsed.output_parsed = text_format.model_validate_json(text)
    return parsed


class ResponseState:
    """The response a stream's events build (pure: no I/O)."""

    def __init__(self, text_format: Optional[type[BaseModel]] = None) -> None:
        self.text_format = text_format
        self.snapshot: Optional[dict[str, Any]] = None
        self.output: dict[int, dict[str, Any]] = {}
        self.final: Optional[Response] = None
        self.error: Optional[Any] = None

    def feed(self, event: Any) -> None:
        kind = event.type
        if kind.startswith("response.") and hasattr(event, "response") and isinstance(event.response, Response):
            self.snapshot = event.response.model_dump(mode="json", by_alias=True)
            if self.snapshot.get("output"):
                self.output = dict(enumerate(self.snapshot["output"]))
            if kind in FINAL_EVENTS:
                self.final = parse_response(event.response, self.text_format)
            return
        if kind == "error":
            self.error = event
            return
        if kind == "response.output_item.added":
            self.output[event.output_index] = event.model_dump(mode="json", by_alias=True)["item"]
        elif kind == "response.output_item.done":
            self.output[event.output_index] = event.model_dump(mode="json", by_alias=True)["item"]
        elif kind == "response.content_part.added":
            item = self.output.get(event.output_index)
            if item is not None and item.get("type") == "message":
                parts = item.setdefault("content", [])
                part = event.model_dump(mode="json", by_alias=True)["part"]
                parts[event.content_index:event.content_index + 1] = [part]
        elif kind == "response.output_text.delta":
            part = self._part(event)
            if part is not None:
                part["text"] = part.get("text", "") + event.delta
        elif kind == "response.output_text.annotation.added":
            part = self._part(event)
            if part is not None:
                part.setdefault("annotations", []).append(event.model_dump(mode="json", by_alias=True)["annotation"])
        elif kind == "response.function_call_arguments.delta":
            item = self.output.get(event.output_index)
            if item is not None and item.get("type") == "function_call":
                item["arguments"] = item.get("arguments", "") + event.delta

    def _part(self, event: Any) -> Optional[dict[str, Any]]:
        item = self.output.get(event.output_index)
        if item is None or item.get("type") != "message":
            return None
        parts = item.get("content") or []
        if event.content_index >= len(parts):
            return None
        return parts[event.content_index]

    @property
    def current_snapshot(self) -> Optional[Response]:
        """The response as the events so far show it (``None`` before any event naming it or an item)."""
        if self.snapshot is None and not self.output:
            return None
        output = [copy.deepcopy(self.output[i]) for i in sorted(self.output)]
        if self.snapshot is None:  # a resumed stream: only the items it saw
            return Response.model_construct(output=_ITEMS.validate_python(output))
        return Response.model_validate({**self.snapshot, "output": output})

    def final_response(self) -> Response:
        if self.final is not None:
            return self.final
        if self.error is not None:
            raise RuntimeError(f"The response's stream ended with an error: {self.error.message}")
        raise RuntimeError("The stream ended before the response did (no response.completed, .incomplete or "
                           ".failed event): retrieve the response to see how it ended.")


def _text_delta(event: Any) -> Optional[str]:
    return event.delta if event.type == "response.output_text.delta" else None


class _StreamBase:
    """What the sync and async streams share: the events' HTTP response and the state they build."""

    def __init__(self, stream: Any, text_format: Optional[type[BaseModel]] = None) -> None:
        self._stream = stream
        self._state = ResponseState(text_format)
        self._iterator = self._run()

    def _run(self) -> Any:
        raise NotImplementedError

    @property
    def response(self) -> Any:
        """The HTTP response the events come on."""
        return self._stream.response

    @property
    def current_snapshot(self) -> Optional[Response]:
        """The response as the events so far build it."""
        return self._state.current_snapshot


class ResponseStream(_StreamBase):
    """A response's events (``for event in stream``), typed as :data:`ResponseStreamEvent`."""

    _stream: Stream[ResponseStreamEvent]

    def _run(self) -> Iterator[ResponseStreamEvent]:
        try:
            for event in self._stream:
                self._state.feed(event)
                yield event
        finally:
            self._stream.close()

    def __iter__(self) -> Iterator[ResponseStreamEvent]:
        return self._iterator

    def __next__(self) -> ResponseStreamEvent:
        return next(self._iterator)

    def __enter__(self) -> "ResponseStream":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def close(self) -> None:
        self._stream.close()

    def until_done(self) -> "ResponseStream":
        """Read the stream to its end."""
        for _ in self:
            pass
        return self

    @property
    def text_deltas(self) -> Iterator[str]:
        """The answer's text fragments as they arrive (reads the stream)."""
        for event in self:
            text = _text_delta(event)
            if text:
                yield text

    def get_final_response(self) -> Response:
        """Read the stream to its end; the response its last event carries (a :class:`ParsedResponse`
        with a ``text_format``). Raises ``RuntimeError`` when the stream ends without one (a cancelled
        response, or an ``error`` event)."""
        self.until_done()
        return self._state.final_response()


class AsyncResponseStream(_StreamBase):
    """The async twin of :class:`ResponseStream` (``async for event in stream``)."""

    _stream: AsyncStream[ResponseStreamEvent]

    async def _run(self) -> AsyncIterator[ResponseStreamEvent]:
        try:
            async for event in self._stream:
                self._state.feed(event)
                yield event
        finally:
            await self._stream.close()

    def __aiter__(self) -> AsyncIterator[ResponseStreamEvent]:
        return self._iterator

    async def __anext__(self) -> ResponseStreamEvent:
        return await self._iterator.__anext__()

    async def __aenter__(self) -> "AsyncResponseStream":
        return self

    async def __aexit__(self, *exc: Any) -> None:
        await self.close()

    async def close(self) -> None:
        await self._stream.close()

    async def until_done(self) -> "AsyncResponseStream":
        async for _ in self:
            pass
        return self

    @property
    async def text_deltas(self) -> AsyncIterator[str]:
        async for event in self:
            text = _text_delta(event)
            if text:
                yield text

    async def get_final_response(self) -> Response:
        await self.until_done()
        return self._state.final_response()


class ResponseStreamManager:
    """``with client.responses.stream(...) as stream:``: the request is sent on entering."""

    def __init__(self, open_stream: Callable[[], Stream[ResponseStreamEvent]],
                 text_format: Optional[type[BaseModel]] = None) -> None:
        self._open = open_stream
        self._text_format = text_format
        self._stream: Optional[ResponseStream] = None

    def __enter__(self) -> ResponseStream:
        self._stream = ResponseStream(self._open(), self._text_format)
        return self._stream

    def __exit__(self, *exc: Any) -> None:
        if self._stream is not None:
            self._stream.close()


class AsyncResponseStreamManager:
    """``async with client.responses.stream(...) as stream:``."""

    def __init__(self, open_stream: Callable[[], Any], text_format: Optional[type[BaseModel]] = None) -> None:
        self._open = open_stream
        self._text_format = text_format
        self._stream: Optional[AsyncResponseStream] = None

    async def __aenter__(self) -> AsyncResponseStream:
        self._stream = AsyncResponseStream(await self._open(), self._text_format)
        return self._stream

    async def __aexit__(self, *exc: Any) -> None:
        if self._stream is not None:
            await self._stream.close()


def response_event_decoder(adapter: TypeAdapter) -> Callable[[Any, Any], Any]:
    """Decode a response stream's SSE: ``data`` is the event (``{"type", "sequence_number", ...}``, an
    ``error`` event included: it is typed, not raised); ``data: [DONE]`` ends it. A body of the form
    ``{"error": {...}}`` (an error before the stream began) raises :class:`APIError`."""
    from .._exceptions import APIError
    from .._streaming import _DONE

    def decode(sse: Any, request: Any) -> Any:
        if sse.data.startswith("[DONE]"):
            return _DONE
        data = json.loads(sse.data)
        if isinstance(data, dict) and isinstance(data.get("error"), dict) and "type" not in data:
            error = data["error"]
            raise APIError(error.get("message") or "An error occurred during streaming", request, body=error)
        return adapter.validate_python(data)

    return decode


__all__ = [
    "AsyncResponseStream", "AsyncResponseStreamManager", "ParsedResponse", "ResponseState", "ResponseStream",
    "ResponseStreamManager", "parse_response", "response_event_decoder", "strict_schema", "text_format_param",
]
