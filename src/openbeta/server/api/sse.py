"""Server-sent events, as the routes write a stream: ``event: <name>`` and ``data: <JSON>`` per event,
a comment (``: keep-alive``) whenever the stream has been quiet for a while, and ``event: done`` with
``data: [DONE]`` at the end, as OpenAI's Assistants streams end."""

from __future__ import annotations

import json
from typing import Any, AsyncIterator, Optional

from fastapi.responses import StreamingResponse

Event = tuple[str, Any]
KEEPALIVE = ": keep-alive\n\n"
HEADERS = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}


def sse(event: str, data: Any) -> str:
    payload = data if isinstance(data, str) else json.dumps(data, separators=(",", ":"))
    return f"event: {event}\ndata: {payload}\n\n"


async def sse_text(events: AsyncIterator[Optional[Event]]) -> AsyncIterator[str]:
    """The SSE text of ``events`` (``None``: quiet, a keep-alive comment), then ``done``. A client that
    goes away closes ``events`` (its subscription ends; the run carries on)."""
    try:
        async for item in events:
            yield KEEPALIVE if item is None else sse(item[0], item[1])
        yield sse("done", "[DONE]")
    finally:
        await events.aclose()  # type: ignore[attr-defined]


def sse_response(events: AsyncIterator[Optional[Event]]) -> StreamingResponse:
    """``events`` as a ``text/event-stream`` response, never cached nor buffered by a proxy."""
    return sse_frames_response(sse_text(events))


def sse_frames_response(frames: AsyncIterator[Any]) -> StreamingResponse:
    """SSE text already framed (a run's, or the ChatKit protocol's) as a ``text/event-stream`` response,
    never cached nor buffered by a proxy."""
    return StreamingResponse(frames, media_type="text/event-stream", headers=dict(HEADERS))


__all__ = ["KEEPALIVE", "sse", "sse_frames_response", "sse_response", "sse_text"]
