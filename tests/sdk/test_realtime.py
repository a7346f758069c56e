"""The realtime connection against a live local WebSocket server (``websockets``' own server)."""

from __future__ import annotations

import base64
import json
import threading
from typing import Iterator

import httpx
import pytest
from websockets.sync.server import ServerConnection, serve

from openbeta import AsyncOpenBeta, OpenBeta
from openbeta.types.realtime import RealtimeServerEvent
from openbeta.types.realtime_events import SessionCreatedEvent


class FakeRealtimeServer:
    """Greets with ``session.created``, acknowledges every client event, answers ``response.create``."""

    def __init__(self) -> None:
        self.requests: list[dict] = []
        self.received: list[dict] = []
        self._server = serve(self._handle, "127.0.0.1", 0)
        self.port = self._server.socket.getsockname()[1]
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def _handle(self, ws: ServerConnection) -> None:
        request = ws.request
        self.requests.append({"path": request.path, "headers": dict(request.headers.raw_items())})
        ws.send(json.dumps({"type": "session.created", "event_id": "ev_0",
                            "session": {"id": "sess_1", "object": "realtime.session", "model": "m"}}))
        for raw in ws:
            event = json.loads(raw)
            self.received.append(event)
            ws.send(json.dumps({"type": "ack", "event_id": f"ev_{len(self.received)}", "of": event["type"]}))
            if event["type"] == "response.create":
                for piece in ("Hel", "lo"):
                    ws.send(json.dumps({"type": "response.text.delta", "event_id": "ev_t", "delta": piece}))
                ws.send(json.dumps({"type": "response.done", "event_id": "ev_d", "response": {"status": "completed"}}))
            if event["type"] == "response.cancel":
                ws.close()
                return

    def close(self) -> None:
        self._server.shutdown()
        self._thread.join(timeout=5)


@pytest.fixture
def ws_server() -> Iterator[FakeRealtimeServer]:
    server = FakeRealtimeServer()
    yield server
    server.close()


def test_sync_connection_sends_and_receives_typed_events(ws_server) -> None:
    openbeta_client = OpenBeta(base_url=f"http://127.0.0.1:{ws_server.port}/v1", api_key="rt-key")
    audio = base64.b64encode(b"\x00\x01" * 8).decode()
    with openbeta_client.beta.realtime.connect(model="local-voice") as conn:
        hello = conn.recv()
        assert isinstance(hello, RealtimeServerEvent) and hello.type == "session.created"
        assert isinstance(hello, SessionCreatedEvent) and hello.session.id == "sess_1"
        conn.session.update(session={"instructions": "Be brief.", "modalities": ["text"]})
        conn.conversation.item.create(item={"type": "message", "role": "user",
                                            "content": [{"type": "input_text", "text": "hi"}]})
        conn.input_audio_buffer.append(audio=audio)
        conn.input_audio_buffer.commit()
        conn.input_audio_buffer.clear(event_id="mine")
        conn.response.create()
        acks = [conn.recv().of for _ in range(5)]  # type: ignore[attr-defined]
        assert acks == ["session.update", "conversation.item.create", "input_audio_buffer.append",
                        "input_audio_buffer.commit", "input_audio_buffer.clear"]
        assert conn.recv().of == "response.create"  # type: ignore[attr-defined]
        text = ""
        for event in conn:
            if event.type == "response.text.delta":
                text += event.delta  # type: ignore[attr-defined]
            if event.type == "response.done":
                break
        assert text == "Hello"
        conn.response.cancel(response_id="resp_1")
        assert conn.recv().of == "response.cancel"  # type: ignore[attr-defined]
        assert list(conn) == []  # the server closed the socket normally
    request = ws_server.requests[0]
    assert request["path"] == "/v1/realtime?model=local-voice"
    headers = {k.lower(): v for k, v in request["headers"].items()}
    assert headers["openai-beta"] == "realtime=v1" and headers["authorization"] == "Bearer rt-key"
    sent = ws_server.received
    assert sent[0] == {"type": "session.update", "session": {"instructions": "Be brief.", "modalities": ["text"]}}
    assert sent[2] == {"type": "input_audio_buffer.append", "audio": audio}
    assert sent[4] == {"type": "input_audio_buffer.clear", "event_id": "mine"}
    assert sent[5] == {"type": "response.create"}
    assert sent[6] == {"type": "response.cancel", "response_id": "resp_1"}


async def test_async_connection(ws_server) -> None:
    openbeta_client = AsyncOpenBeta(base_url="http://unused.invalid/v1", api_key="k",
                           websocket_base_url=f"ws://127.0.0.1:{ws_server.port}/v1")
    async with openbeta_client.beta.realtime.connect(model="m2", extra_query={"voice": "x"}) as conn:
        assert (await conn.recv()).type == "session.created"
        await conn.send({"type": "conversation.item.create", "item": {"type": "message", "role": "user",
                                                                       "content": [{"type": "input_text",
                                                                                    "text": "yo"}]}})
        await conn.response.create(response={"modalities": ["text"]})
        types = []
        async for event in conn:
            types.append(event.type)
            if event.type == "response.done":
                break
    assert types == ["ack", "ack", "response.text.delta", "response.text.delta", "response.done"]
    assert ws_server.requests[0]["path"] == "/v1/realtime?voice=x&model=m2"
    assert ws_server.received[1] == {"type": "response.create", "response": {"modalities": ["text"]}}
    await openbeta_client.close()


def test_realtime_session_endpoints(mock_client) -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        secret = {"value": "ek_1", "expires_at": 99}
        if request.url.path.endswith("/transcription_sessions"):
            return httpx.Response(200, json={"client_secret": secret, "input_audio_format": "pcm16"})
        return httpx.Response(200, json={"id": "sess_1", "object": "realtime.session", "model": "m",
                                         "client_secret": secret, "modalities": ["text", "audio"]})

    openbeta_client = mock_client(handler)
    session = openbeta_client.beta.realtime.sessions.create(model="m", voice="alloy", instructions=None)
    assert session.client_secret.value == "ek_1" and session.modalities == ["text", "audio"]
    assert json.loads(seen[0].content) == {"model": "m", "voice": "alloy", "instructions": None}
    assert seen[0].headers["OpenAI-Beta"] == "realtime=v1"
    transcription = openbeta_client.beta.realtime.transcription_sessions.create(input_audio_format="pcm16")
    assert transcription.client_secret.expires_at == 99
    assert seen[1].url.path == "/v1/realtime/transcription_sessions"


def test_refused_upgrade_is_an_openai_shaped_error(openbeta_client: OpenBeta) -> None:
    """An unknown ephemeral key is refused before the upgrade: the SDK's AuthenticationError, OpenAI's body."""
    import openbeta

    bad = openbeta_client.with_options(api_key="ek_not-a-real-key")
    with pytest.raises(openbeta.AuthenticationError) as info:
        with bad.beta.realtime.connect(model="m"):
            pass
    assert info.value.status_code == 401 and info.value.code == "invalid_api_key"


async def test_connection_refused_is_an_api_connection_error() -> None:
    import openbeta

    openbeta_client = AsyncOpenBeta(base_url="http://127.0.0.1:9/v1", api_key="k")
    with pytest.raises(openbeta.APIConnectionError):
        async with openbeta_client.beta.realtime.connect(model="m"):
            pass
    await openbeta_client.close()
