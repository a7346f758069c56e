"""Request bodies read within bounds: refused with 413 once they pass their limit, declared or counted
as they arrive. Routes read JSON bodies and uploads with these, and so do the faces that take bodies
of their own (ChatKit's protocol and its attachment uploads)."""

from __future__ import annotations

from typing import Any, Optional

from starlette.requests import Request

from .errors import APIError, PayloadTooLarge
from .validation import parse_json_body

#: Room for a multipart envelope and the other form fields around an uploaded file.
ENVELOPE_BYTES = 64 * 1024


def too_large(limit: int) -> PayloadTooLarge:
    return PayloadTooLarge(f"Request body is too large: the maximum is {limit} bytes.",
                           code="request_too_large")


async def read_body(request: Request, limit: int, refusal: Optional[APIError] = None) -> bytes:
    """The request body, refused with 413 (``refusal``, or ``request_too_large``) once it passes
    ``limit`` bytes (declared or counted)."""
    length = request.headers.get("content-length", "")
    if length.isdigit() and int(length) > limit:
        raise refusal or too_large(limit)
    chunks: list[bytes] = []
    received = 0
    async for chunk in request.stream():
        received += len(chunk)
        if received > limit:
            raise refusal or too_large(limit)
        chunks.append(chunk)
    return b"".join(chunks)


def count_received(request: Request, limit: int, refusal: APIError) -> None:
    """Make the request's body reader raise ``refusal`` (a 413) once more than ``limit`` bytes have
    arrived, whatever reads it (a multipart parser that spools files included)."""
    receive = request.receive
    received = 0

    async def counting() -> Any:
        nonlocal received
        message = await receive()
        if message["type"] == "http.request":
            received += len(message.get("body", b""))
            if received > limit:
                raise refusal
        return message

    request._receive = counting


async def read_json(request: Request) -> dict[str, Any]:
    """A JSON object body, within the server's ``max_body_bytes`` and checked as
    :func:`~.validation.parse_json_body` checks it (``{}`` for an empty body)."""
    raw = await read_body(request, request.app.state.settings.max_body_bytes)
    if not raw.strip():
        return {}
    return parse_json_body(raw)


__all__ = ["ENVELOPE_BYTES", "count_received", "read_body", "read_json", "too_large"]
