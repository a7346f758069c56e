"""Realtime WebSocket connections (``client.beta.realtime.connect(model=...)``).

``send`` takes a client event (a model of ``openbeta.types.realtime_events`` or a
dict) and ``recv`` returns the typed server event for its ``type``. The convenience namespaces (``conn.session.update(...)``,
``conn.response.create()``, ...) only build events, so one set serves both the
sync and the async connection.
"""

from __future__ import annotations

import json
from typing import Any, AsyncIterator, Iterator, Mapping, Optional, Union

import httpx
from pydantic import BaseModel, TypeAdapter, ValidationError

from ...types.realtime import RealtimeServerEvent
from ...types.realtime_events import ClientEvent, ServerEvent
from .._exceptions import APIConnectionError, status_error
from .._types import NOT_GIVEN, NotGiven, given


def websocket_url(client: Any, model: Optional[str], extra_query: Optional[Mapping[str, Any]],
                  path: str = "realtime") -> str:
    """``ws(s)://<base>/<path>?model=...``, from ``websocket_base_url`` or the HTTP base URL."""
    base = httpx.URL(str(client.websocket_base_url or client.base_url))
    if base.scheme in ("http", "https"):
        base = base.copy_with(scheme="ws" if base.scheme == "http" else "wss")
    url = httpx.URL(str(base).rstrip("/") + "/" + path)
    params = {**client.default_query, **(extra_query or {}), **({"model": model} if model is not None else {})}
    return str(url.copy_merge_params(params))


def websocket_headers(client: Any, extra_headers: Optional[Mapping[str, str]], beta: bool = True) -> dict[str, str]:
    """The handshake's headers: the client's, and the beta protocol's header unless ``beta`` is false
    (the server then speaks the GA protocol)."""
    headers = {k: v for k, v in client.default_headers.items() if k not in ("Accept", "Content-Type")}
    if beta:
        headers["OpenAI-Beta"] = "realtime=v1"
    headers.update(extra_headers or {})
    return headers


def handshake_error(exc: Exception, url: str, headers: Mapping[str, str]) -> Exception:
    """A refused WebSocket upgrade as the SDK's status error (``NotFoundError``, ...)."""
    from websockets.exceptions import InvalidStatus

    if not isinstance(exc, InvalidStatus):
        return APIConnectionError(request=httpx.Request("GET", url, headers=headers))
    answer = exc.response
    response = httpx.Response(answer.status_code, headers=list(answer.headers.raw_items()), content=answer.body,
                              request=httpx.Request("GET", url, headers=headers))
    try:
        body: Any = json.loads(answer.body or b"null")
    except ValueError:
        body = (answer.body or b"").decode(errors="replace") or None
    return status_error(response, body)


_SERVER_EVENTS: TypeAdapter[ServerEvent] = TypeAdapter(ServerEvent)
_CLIENT_EVENTS: TypeAdapter[ClientEvent] = TypeAdapter(ClientEvent)


def encode_event(event: Union[ClientEvent, Mapping[str, Any]]) -> str:
    """The JSON to send: the fields the caller set, and always the event's ``type``."""
    if isinstance(event, BaseModel):
        fields = event.model_dump(mode="json", exclude_unset=True, by_alias=True)
        return json.dumps({"type": getattr(event, "type"), **fields})
    return json.dumps(given(**event))


def client_event(**fields: Any) -> ClientEvent:
    """The typed client event for ``fields`` (its ``type`` picks the class)."""
    return _CLIENT_EVENTS.validate_python(fields)


def parse_event(raw: Union[str, bytes]) -> ServerEvent:
    """The typed server event; one that does not match its type's schema parses as the generic event."""
    try:
        return _SERVER_EVENTS.validate_json(raw)
    except ValidationError:
        return RealtimeServerEvent.model_validate_json(raw)


class _Namespace:
    def __init__(self, conn: Any) -> None:
        self._conn = conn

    def _send(self, type_: str, event_id: Union[str, NotGiven], **fields: Any) -> Any:
        return self._conn.send(client_event(**given(type=type_, event_id=event_id, **fields)))


class SessionEvents(_Namespace):
    def update(self, *, session: Mapping[str, Any], event_id: Union[str, NotGiven] = NOT_GIVEN) -> Any:
        return self._send("session.update", event_id, session=session)


class TranscriptionSessionEvents(_Namespace):
    def update(self, *, session: Mapping[str, Any], event_id: Union[str, NotGiven] = NOT_GIVEN) -> Any:
        return self._send("transcription_session.update", event_id, session=session)


class ResponseEvents(_Namespace):
    def create(self, *, response: Union[Mapping[str, Any], NotGiven] = NOT_GIVEN,
               event_id: Union[str, NotGiven] = NOT_GIVEN) -> Any:
        return self._send("response.create", event_id, response=response)

    def cancel(self, *, response_id: Union[str, NotGiven] = NOT_GIVEN,
               event_id: Union[str, NotGiven] = NOT_GIVEN) -> Any:
        return self._send("response.cancel", event_id, response_id=response_id)


class InputAudioBufferEvents(_Namespace):
    def append(self, *, audio: str, event_id: Union[str, NotGiven] = NOT_GIVEN) -> Any:
        """``audio`` is base64-encoded audio in the session's input format."""
        return self._send("input_audio_buffer.append", event_id, audio=audio)

    def commit(self, *, event_id: Union[str, NotGiven] = NOT_GIVEN) -> Any:
        return self._send("input_audio_buffer.commit", event_id)

    def clear(self, *, event_id: Union[str, NotGiven] = NOT_GIVEN) -> Any:
        return self._send("input_audio_buffer.clear", event_id)


class OutputAudioBufferEvents(_Namespace):
    def clear(self, *, event_id: Union[str, NotGiven] = NOT_GIVEN) -> Any:
        return self._send("output_audio_buffer.clear", event_id)


class ConversationItemEvents(_Namespace):
    def create(self, *, item: Mapping[str, Any], previous_item_id: Union[str, NotGiven] = NOT_GIVEN,
               event_id: Union[str, NotGiven] = NOT_GIVEN) -> Any:
        return self._send("conversation.item.create", event_id, item=item, previous_item_id=previous_item_id)

    def delete(self, *, item_id: str, event_id: Union[str, NotGiven] = NOT_GIVEN) -> Any:
        return self._send("conversation.item.delete", event_id, item_id=item_id)

    def retrieve(self, *, item_id: str, event_id: Union[str, NotGiven] = NOT_GIVEN) -> Any:
        return self._send("conversation.item.retrieve", event_id, item_id=item_id)

    def truncate(self, *, item_id: str, audio_end_ms: int, content_index: int,
                 event_id: Union[str, NotGiven] = NOT_GIVEN) -> Any:
        return self._send("conversation.item.truncate", event_id, item_id=item_id, audio_end_ms=audio_end_ms,
                          content_index=content_index)


class ConversationEvents(_Namespace):
    def __init__(self, conn: Any) -> None:
        super().__init__(conn)
        self.item = ConversationItemEvents(conn)


class _ConnectionBase:
    def __init__(self, websocket: Any) -> None:
        self._websocket = websocket
        self._namespaces()

    def _namespaces(self) -> None:
        """The convenience namespaces that build this socket's client events."""
        self.session = SessionEvents(self)
        self.transcription_session = TranscriptionSessionEvents(self)
        self.response = ResponseEvents(self)
        self.input_audio_buffer = InputAudioBufferEvents(self)
        self.output_audio_buffer = OutputAudioBufferEvents(self)
        self.conversation = ConversationEvents(self)

    @property
    def websocket(self) -> Any:
        return self._websocket

    parse_event = staticmethod(parse_event)


class RealtimeConnection(_ConnectionBase):
    """A live realtime session over ``websockets`` (sync)."""

    def send(self, event: Union[ClientEvent, Mapping[str, Any]]) -> None:
        self._websocket.send(encode_event(event))

    def recv(self) -> ServerEvent:
        return self.parse_event(self.recv_bytes())

    def recv_bytes(self) -> bytes:
        message = self._websocket.recv(decode=False)
        return message if isinstance(message, bytes) else message.encode()

    def __iter__(self) -> Iterator[ServerEvent]:
        from websockets.exceptions import ConnectionClosedOK

        try:
            while True:
                yield self.recv()
        except ConnectionClosedOK:
            return

    def close(self, *, code: int = 1000, reason: str = "") -> None:
        self._websocket.close(code=code, reason=reason)


class AsyncRealtimeConnection(_ConnectionBase):
    """The async twin of :class:`RealtimeConnection`; ``send``/``recv`` are awaited."""

    async def send(self, event: Union[ClientEvent, Mapping[str, Any]]) -> None:
        await self._websocket.send(encode_event(event))

    async def recv(self) -> ServerEvent:
        return self.parse_event(await self.recv_bytes())

    async def recv_bytes(self) -> bytes:
        message = await self._websocket.recv(decode=False)
        return message if isinstance(message, bytes) else message.encode()

    async def __aiter__(self) -> AsyncIterator[ServerEvent]:
        from websockets.exceptions import ConnectionClosedOK

        try:
            while True:
                yield await self.recv()
        except ConnectionClosedOK:
            return

    async def close(self, *, code: int = 1000, reason: str = "") -> None:
        await self._websocket.close(code=code, reason=reason)


class RealtimeConnectionManager:
    """``with client.beta.realtime.connect(model=...) as connection:`` (``client.realtime.connect``:
    ``beta=False``)."""

    path = "realtime"
    connection_class: Any = RealtimeConnection

    def __init__(self, client: Any, *, model: Optional[str], extra_query: Optional[Mapping[str, Any]] = None,
                 extra_headers: Optional[Mapping[str, str]] = None,
                 websocket_connection_options: Optional[Mapping[str, Any]] = None, beta: bool = True) -> None:
        self._url = websocket_url(client, model, extra_query, self.path)
        self._headers = websocket_headers(client, extra_headers, beta)
        self._options = dict(websocket_connection_options or {})
        self._connection: Any = None

    def enter(self) -> RealtimeConnection:
        from websockets.sync.client import connect

        from websockets.exceptions import InvalidHandshake

        try:
            self._socket_cm = connect(self._url, additional_headers=self._headers, user_agent_header=None,
                                      **self._options)
            websocket = self._socket_cm.__enter__()
        except (InvalidHandshake, OSError) as exc:
            raise handshake_error(exc, self._url, self._headers) from exc
        self._connection = self.connection_class(websocket)
        return self._connection

    __enter__ = enter

    def __exit__(self, *exc: Any) -> None:
        if self._connection is not None:
            self._socket_cm.__exit__(*exc)


class AsyncRealtimeConnectionManager(RealtimeConnectionManager):
    """``async with client.beta.realtime.connect(model=...) as connection:``."""

    connection_class: Any = AsyncRealtimeConnection

    async def enter(self) -> AsyncRealtimeConnection:  # type: ignore[override]
        from websockets.asyncio.client import connect
        from websockets.exceptions import InvalidHandshake

        try:
            websocket = await connect(self._url, additional_headers=self._headers, user_agent_header=None,
                                      **self._options)
        except (InvalidHandshake, OSError) as exc:
            raise handshake_error(exc, self._url, self._headers) from exc
        self._connection = self.connection_class(websocket)
        return self._connection

    __aenter__ = enter

    async def __aexit__(self, *exc: Any) -> None:
        if self._connection is not None:
            await self._connection.close()
