"""REST sessions and client secrets, ephemeral keys on the WebSocket, refused handshakes (every database)."""

from __future__ import annotations

import hashlib
import json
import time
from typing import Any

import openai
import pytest
from openai import OpenAI
from sqlalchemy import create_engine, text
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect

from realtime_support import KEY, opening, ws_base


@pytest.fixture(scope="module")
def secured(start_server) -> Any:
    return start_server(OPENBETA_PROVIDER="scripted", OPENBETA_API_KEYS=KEY, OPENBETA_VOICE="none")


def _db(server: Any) -> Any:
    url = server.env.get("OPENBETA_DATABASE_URL") or f"sqlite:///{server.data_dir / 'openbeta.db'}"
    return create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))


def _client(server: Any, key: str) -> OpenAI:
    return OpenAI(base_url=server.base_url, api_key=key, websocket_base_url=ws_base(server), max_retries=0)


def test_session_keys_open_sessions_with_their_config(secured) -> None:
    client = _client(secured, KEY)
    session = client.beta.realtime.sessions.create(model="gpt-realtime", instructions="From the key.",
                                                   modalities=["text"], temperature=0.9)
    secret = session.client_secret
    assert secret.value.startswith("ek_") and 50 <= secret.expires_at - time.time() <= 61
    assert session.id.startswith("sess_") and session.instructions == "From the key."
    with _client(secured, secret.value).beta.realtime.connect(model="gpt-realtime") as conn:
        created = conn.recv()
        assert created.session.instructions == "From the key." and created.session.temperature == 0.9
    ga = client.realtime.client_secrets.create(
        expires_after={"anchor": "created_at", "seconds": 120},
        session={"type": "realtime", "instructions": "GA key.", "output_modalities": ["text"]})
    assert ga.value.startswith("ek_") and 110 <= ga.expires_at - time.time() <= 121
    assert ga.session.type == "realtime" and ga.session.instructions == "GA key."
    with OpenAI(base_url=secured.base_url, api_key=ga.value).realtime.connect(model="gpt-realtime") as conn:
        created = conn.recv()
        assert created.session.type == "realtime" and created.session.instructions == "GA key."
    transcription = client.beta.realtime.transcription_sessions.create(
        input_audio_transcription={"model": "whisper-1", "language": "en"})
    assert transcription.client_secret.value.startswith("ek_")
    assert transcription.input_audio_transcription.language == "en"
    # Stored hashed: the key itself is nowhere in the table.
    with _db(secured).connect() as db:
        rows = db.execute(text("SELECT secret_hash, kind, body FROM realtime_secrets")).all()
    hashes = {row[0] for row in rows}
    assert hashlib.sha256(secret.value.encode()).hexdigest() in hashes
    assert not any(secret.value in json.dumps(list(row)) for row in rows)
    assert {row[1] for row in rows} >= {"realtime", "transcription"}
    # An ephemeral key is not an API key for REST.
    with pytest.raises(openai.AuthenticationError):
        _client(secured, secret.value).beta.realtime.sessions.create()


def test_bad_requests_and_wrong_or_expired_keys_are_refused(secured) -> None:
    client = _client(secured, KEY)
    with pytest.raises(openai.BadRequestError) as bad:
        client.beta.realtime.sessions.create(voice=3)  # type: ignore[arg-type]
    assert bad.value.body["param"] == "voice"
    with pytest.raises(openai.BadRequestError) as short:
        client.realtime.client_secrets.create(expires_after={"anchor": "created_at", "seconds": 5})
    assert short.value.body["param"] == "expires_after.seconds"
    with pytest.raises(openai.BadRequestError) as idle:
        client.realtime.client_secrets.create(session={"type": "realtime", "audio": {"input": {"turn_detection": {
            "type": "server_vad", "idle_timeout_ms": 100}}}})
    assert idle.value.body["param"] == "session.audio.input.turn_detection.idle_timeout_ms"
    for key in ("sk-wrong", "ek_unknown"):
        with pytest.raises(InvalidStatus) as refused:
            with _client(secured, key).beta.realtime.connect(model="gpt-realtime"):
                pass
        response = refused.value.response
        assert response.status_code == 401
        assert json.loads(response.body)["error"]["code"] == "invalid_api_key"
    key = client.beta.realtime.sessions.create().client_secret.value
    with _db(secured).begin() as db:
        db.execute(text("UPDATE realtime_secrets SET expires_at = 1"))
    with pytest.raises(InvalidStatus) as expired:
        with _client(secured, key).beta.realtime.connect(model="gpt-realtime"):
            pass
    assert expired.value.response.status_code == 401
    assert "expired" in json.loads(expired.value.response.body)["error"]["message"]


def test_browser_subprotocol_auth_echoes_realtime(secured) -> None:
    url = ws_base(secured) + "/realtime?model=gpt-realtime"
    with connect(url, subprotocols=["realtime", f"openai-insecure-api-key.{KEY}", "openai-beta.realtime-v1"]) as ws:
        assert ws.subprotocol == "realtime"
        first = json.loads(ws.recv())
        assert first["type"] == "session.created" and "modalities" in first["session"]  # beta shape
    with connect(url, subprotocols=["realtime", f"openai-insecure-api-key.{KEY}"]) as ws:
        assert json.loads(ws.recv())["session"]["type"] == "realtime"  # GA shape
    with pytest.raises(InvalidStatus) as refused:
        with connect(url, subprotocols=["realtime", "openai-insecure-api-key.sk-nope"]):
            pass
    assert refused.value.response.status_code == 401
    with pytest.raises(InvalidStatus) as call:  # WebRTC/SIP sideband calls are not served
        with connect(url + "&call_id=rtc_1", additional_headers={"Authorization": f"Bearer {KEY}"}):
            pass
    assert call.value.response.status_code == 400
    assert json.loads(call.value.response.body)["error"]["param"] == "call_id"


def test_a_key_minted_for_audio_opens_a_text_session_without_the_voice_pipeline(secured) -> None:
    client = _client(secured, KEY)
    key = client.beta.realtime.sessions.create(modalities=["audio", "text"]).client_secret.value
    with _client(secured, key).beta.realtime.connect(model="gpt-realtime") as conn:
        created = opening(conn)
        assert created.session.modalities == ["text"]
        error = conn.recv()
        assert error.type == "error" and error.error.code == "audio_unavailable"
        assert "text only" in error.error.message
