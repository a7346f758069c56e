"""The server's HTTP edge below the app: bounds on connections that uvicorn itself does not set.

uvicorn bounds a request body only through the app (see ``BodyTimeout`` in :mod:`.app`) and an
idle keep-alive connection with ``timeout_keep_alive``, but nothing bounds a request whose headers
never finish, nor how many connections one client holds. :class:`EdgeHttpProtocol` is uvicorn's
httptools protocol with both:

- **header timeout**: a connection must finish each request's headers within
  ``OPENBETA_HEADER_TIMEOUT_SECONDS`` of opening (or of the request's first byte, on a kept-alive
  connection); one that does not is answered ``408`` and closed (closed without an answer when it
  sent nothing at all);
- **connections per client address**: at most ``OPENBETA_MAX_CONNECTIONS_PER_CLIENT`` HTTP connections
  from one IP address at once (``0``: no bound); one more is answered ``503`` and closed at once. Behind
  a proxy every connection comes from the proxy's address: raise the bound there, or set it to ``0``
  and bound clients at the proxy. A WebSocket leaves the count when it is upgraded (a realtime session
  is bounded by its key and its own limits).

uvicorn is told to use it by ``openbeta serve`` (``http=EdgeHttpProtocol``); :func:`configure` sets
the bounds for this process.
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from dataclasses import dataclass
from typing import Any, Optional

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

log = logging.getLogger("openbeta")


@dataclass(frozen=True)
class EdgeLimits:
    #: Seconds a request's headers may take to arrive.
    header_timeout: float = 10.0
    #: Open HTTP connections from one client address (0: unbounded).
    max_per_client: int = 128


_limits = EdgeLimits()
#: Open connections by client address, in this process.
_open: Counter[str] = Counter()


def configure(settings: Any) -> None:
    """The edge's bounds for this process, from the settings (``openbeta serve``, and each worker)."""
    global _limits
    _limits = EdgeLimits(header_timeout=settings.header_timeout_seconds,
                         max_per_client=settings.max_connections_per_client)


def open_connections(address: str) -> int:
    return _open[address]


def _answer(transport: asyncio.Transport, status: bytes, message: str) -> None:
    body = ('{"error": {"message": "%s", "type": "invalid_request_error", "param": null, "code": null}}'
            % message).encode()
    transport.write(b"HTTP/1.1 " + status + b"\r\ncontent-type: application/json\r\ncontent-length: "
                    + str(len(body)).encode() + b"\r\nconnection: close\r\n\r\n" + body)
    transport.close()


class EdgeHttpProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol with a header timeout and a bound on connections per client."""

    _address: Optional[str] = None
    _header_timer: Optional[asyncio.TimerHandle] = None
    _began = False

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        address = self.client[0] if self.client else None
        limit = _limits.max_per_client
        if address is not None and limit and _open[address] >= limit:
            log.warning("connection from %s refused: it holds %d open connections already "
                        "(OPENBETA_MAX_CONNECTIONS_PER_CLIENT)", address, _open[address])
            _answer(transport, b"503 Service Unavailable",
                    f"Too many open connections from your address (at most {limit}).")
            return
        if address is not None:
            self._address = address
            _open[address] += 1
        self._arm_header_timer()

    def connection_lost(self, exc: Optional[Exception]) -> None:
        self._leave()
        self._disarm_header_timer()
        super().connection_lost(exc)

    def _leave(self) -> None:
        if self._address is not None:
            _open[self._address] -= 1
            if _open[self._address] <= 0:
                del _open[self._address]
            self._address = None

    # ------------------------------------------------------------ the header timeout

    def _arm_header_timer(self) -> None:
        self._disarm_header_timer()
        self._header_timer = self.loop.call_later(_limits.header_timeout, self._headers_timed_out)

    def _disarm_header_timer(self) -> None:
        if self._header_timer is not None:
            self._header_timer.cancel()
            self._header_timer = None

    def _headers_timed_out(self) -> None:
        self._header_timer = None
        if self.transport.is_closing():
            return
        if self._began:
            _answer(self.transport, b"408 Request Timeout",
                    f"The request's headers did not arrive within {_limits.header_timeout:g} seconds.")
        else:
            self.transport.close()

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._began = True
        if self._header_timer is None:  # a new request on a kept-alive connection
            self._arm_header_timer()

    def on_headers_complete(self) -> None:
        self._disarm_header_timer()
        self._began = False
        super().on_headers_complete()

    def handle_websocket_upgrade(self) -> None:
        self._leave()
        self._disarm_header_timer()
        super().handle_websocket_upgrade()


__all__ = ["EdgeHttpProtocol", "EdgeLimits", "configure", "open_connections"]
