"""The WebSocket mode of ``/responses`` (``client.responses.connect()``), on the realtime connection's machinery:
``connection.response.create(model=..., input=..., stream_id=...)`` sends a ``response.create`` event, and the
connection yields the responses' stream events typed as :data:`~openbeta.types.response_events.ResponseStreamEvent`
(a refused client event answers a :class:`~openbeta.types.response_events.SocketErrorEvent`)."""

from __future__ import annotations

from typing import Any, Union

from pydantic import TypeAdapter, ValidationError

from ...types.response_events import OtherEvent, ResponseStreamEvent, SocketErrorEvent
from .._types import given
from .realtime_connection import (AsyncRealtimeConnection, AsyncRealtimeConnectionManager, RealtimeConnection,
                                  RealtimeConnectionManager)

_EVENTS: TypeAdapter[ResponseStreamEvent] = TypeAdapter(ResponseStreamEvent)


def parse_response_event(raw: Union[str, bytes]) -> Any:
    """The typed stream event, or the socket's error event; anything else parses as the generic event."""
    try:
        return _EVENTS.validate_json(raw)
    except ValidationError:
        pass
    try:
        return SocketErrorEvent.model_validate_json(raw)
    except ValidationError:
        return OtherEvent.model_validate_json(raw)


class ResponseCreate:
    def __init__(self, conn: Any) -> None:
        self._conn = conn

    def create(self, **fields: Any) -> Any:
        """A ``response.create`` event: the fields of ``responses.create`` (``stream`` left out), and
        ``stream_id`` (the lane named on each of the response's events)."""
        return self._conn.send({"type": "response.create", **given(**fields)})


class ResponsesConnection(RealtimeConnection):
    """A live ``/responses`` WebSocket (sync)."""

    parse_event = staticmethod(parse_response_event)

    def _namespaces(self) -> None:
        self.response = ResponseCreate(self)


class AsyncResponsesConnection(AsyncRealtimeConnection):
    """The async twin: ``send``/``recv`` are awaited, ``async for event in connection``."""

    parse_event = staticmethod(parse_response_event)

    def _namespaces(self) -> None:
        self.response = ResponseCreate(self)


class ResponsesConnectionManager(RealtimeConnectionManager):
    """``with client.responses.connect() as connection:``."""

    path = "responses"
    connection_class: Any = ResponsesConnection


class AsyncResponsesConnectionManager(AsyncRealtimeConnectionManager):
    """``async with client.responses.connect() as connection:``."""

    path = "responses"
    connection_class: Any = AsyncResponsesConnection


__all__ = ["AsyncResponsesConnection", "AsyncResponsesConnectionManager", "ResponsesConnection",
           "ResponsesConnectionManager", "parse_response_event"]
