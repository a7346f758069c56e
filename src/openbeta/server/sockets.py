"""What the server's WebSocket faces share (the realtime socket, ``realtime/``, and the Responses socket,
``responses/socket.py``): their bounds (:class:`Limits`, from the ``OPENBETA_REALTIME_*`` settings), a handshake
refused with an OpenAI-shaped HTTP error (:func:`refuse`), and the bounded queue of server events a connection's
writer sends in order (:class:`Outbox`)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any, Optional

from starlette.responses import JSONResponse

from .errors import APIError


@dataclass(frozen=True)
class Limits:
    """What one connection may make the server hold (settings ``OPENBETA_REALTIME_*``)."""

    #: Server events (and their bytes) queued for a client that reads slower than they come.
    outbox_bytes: int = 8 * 1024 * 1024
    outbox_events: int = 4096
    #: Responses in progress at once.
    max_responses: int = 16
    #: Seconds one send may wait for a client that does not read before the connection ends.
    send_timeout: float = 30.0


async def refuse(websocket: Any, exc: APIError) -> None:
    """Answer the handshake with an HTTP error (the ASGI denial-response extension), else close it."""
    try:
        await websocket.send_denial_response(JSONResponse(exc.body(), status_code=exc.status_code))
    except RuntimeError:
        await websocket.close(code=1008, reason=exc.message[:120])


#: What :meth:`Outbox.write` answers when a send waited past the send timeout.
SEND_TIMEOUT = "send timeout"


class Outbox:
    """Server events (JSON text) waiting for the connection's writer, and their bytes. Producers that can wait
    call :meth:`room` first (it returns once the outbox is below half its bounds), so a client that reads
    slowly slows them down; :meth:`fits` says whether one more event stays within the bounds."""

    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self.queue: asyncio.Queue[Optional[str]] = asyncio.Queue()
        self.bytes = 0
        self._room = asyncio.Event()  # set while the outbox is below half its bounds (or nothing may wait)
        self._room.set()

    def fits(self, text: str) -> bool:
        return self.bytes + len(text) <= self.limits.outbox_bytes and self.queue.qsize() < self.limits.outbox_events

    def put(self, text: str) -> None:
        self.bytes += len(text)
        self.queue.put_nowait(text)
        if self.bytes > self.limits.outbox_bytes // 2 or self.queue.qsize() > self.limits.outbox_events // 2:
            self._room.clear()

    async def room(self) -> None:
        """Wait until the outbox is below half its bounds."""
        while not self._room.is_set():
            await self._room.wait()

    def release(self) -> None:
        """Nothing waits for room any more (the connection ends)."""
        self._room.set()

    def finish(self) -> None:
        """The writer stops once it has sent what is queued."""
        self.queue.put_nowait(None)

    def drop(self) -> None:
        while not self.queue.empty():
            self.queue.get_nowait()
        self.bytes = 0

    async def write(self, websocket: Any) -> Optional[str]:
        """Send queued events in order until :meth:`finish`, or until a send fails: :data:`SEND_TIMEOUT` when
        one waited past ``limits.send_timeout`` (a client that stopped reading), the error's name when the
        client is gone; ``None`` when finished."""
        while True:
            text = await self.queue.get()
            if text is None:
                return None
            self.bytes -= len(text)
            if self.bytes <= self.limits.outbox_bytes // 2 and self.queue.qsize() <= self.limits.outbox_events // 2:
                self._room.set()
            try:
                await asyncio.wait_for(websocket.send_text(text), self.limits.send_timeout)
            except asyncio.TimeoutError:
                return SEND_TIMEOUT
            except Exception as exc:  # the client is gone: the reader sees the disconnect
                return type(exc).__name__


__all__ = ["Limits", "Outbox", "SEND_TIMEOUT", "refuse"]
