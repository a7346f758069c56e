"""Speech parts on an OpenAI-compatible audio server: a local fake one (FastAPI on uvicorn) takes the transcription
(``POST /audio/transcriptions``) and the speech (``POST /audio/speech``, streamed) of a live openbeta server's
realtime session; its failures and its silences become ``error`` events naming it, within the timeout."""

from __future__ import annotations

import asyncio
import base64
import io
import json
import time
import wave
from typing import Any, Iterator

import pytest

openai = pytest.importorskip("openai")
pytest.importorskip("websockets")
pytest.importorskip("uvicorn")
pytest.importorskip("fastapi")

from fastapi import FastAPI, Request  # noqa: E402  (after the skips)
from fastapi.responses import JSONResponse, StreamingResponse  # noqa: E402

from server_process import serve_in_thread  # noqa: E402

HEARD = "what is the weather like"
SPOKEN = b"\x00\x10" * 4800 * 3  # 300 ms of pcm16 24 kHz, streamed in three pieces
ANSWER = "It is sunny."
#: The audio server's tokens for `` HEARD `` (it pads the text with spaces; the first token carries one).
TOKENS = [{"token": " what", "logprob": -0.01, "bytes": list(b" what")},
          *({"token": f" {word}", "logprob": -0.2} for word in HEARD.split()[1:]),
          {"token": " ", "logprob": -0.5, "bytes": [32]}]


@pytest.fixture(scope="module")
def audio_server() -> Iterator[dict[str, Any]]:
    app = FastAPI()
    state: dict[str, Any] = {"mode": "ok", "calls": []}

    @app.post("/v1/audio/transcriptions")
    async def transcriptions(request: Request) -> Any:
        form = await request.form()
        upload = form["file"]
        audio = await upload.read()  # type: ignore[union-attr]
        with wave.open(io.BytesIO(audio)) as reader:
            shape = (reader.getnchannels(), reader.getsampwidth(), reader.getframerate(), reader.getnframes())
        state["calls"].append({"path": "transcriptions", "auth": request.headers.get("authorization"),
                               "model": form.get("model"), "language": form.get("language"), "wav": shape,
                               **({"include": form.getlist("include[]")} if "include[]" in form else {})})
        if state["mode"] == "fail":
            return JSONResponse({"error": {"message": "model not loaded"}}, status_code=500)
        if state["mode"] == "hang":
            await asyncio.sleep(10)
        if state["mode"] == "logprobs" and form.getlist("include[]") == ["logprobs"]:
            return {"text": f" {HEARD} ", "logprobs": TOKENS}
        return {"text": HEARD}

    @app.post("/v1/audio/speech")
    async def speech(request: Request) -> Any:
        body = await request.json()
        state["calls"].append({"path": "speech", "auth": request.headers.get("authorization"), **body})
        if state["mode"] == "fail":
            return JSONResponse({"error": {"message": "voice not found"}}, status_code=503)

        async def stream() -> Any:
            if state["mode"] == "hang":
                await asyncio.sleep(10)
            for start in range(0, len(SPOKEN), 3201):  # odd-sized pieces: samples split across them
                yield SPOKEN[start:start + 3201]
                await asyncio.sleep(0.02)

        return StreamingResponse(stream(), media_type="audio/pcm")

    with serve_in_thread(app) as root:
        state["url"] = f"{root}/v1"
        yield state


@pytest.fixture(scope="module")
def openbeta(audio_server, tmp_path_factory) -> Iterator[Any]:
    from server_process import launch

    server = launch(tmp_path_factory.mktemp("audio-server"), {
        "OPENBETA_PROVIDER": "scripted", "OPENBETA_VOICE_STT_BASE_URL": audio_server["url"],
        "OPENBETA_VOICE_STT_MODEL": "whisper-large-v3", "OPENBETA_VOICE_TTS_BASE_URL": audio_server["url"],
        "OPENBETA_VOICE_TTS_MODEL": "kokoro", "OPENBETA_VOICE_API_KEY": "sk-audio",
        "OPENBETA_VOICE_SERVER_TIMEOUT": "1"})
    yield server
    server.stop()


def connect(server: Any) -> Any:
    client = openai.OpenAI(base_url=server.base_url, api_key="sk-voice",
                           websocket_base_url=server.base_url.replace("http://", "ws://"))
    return client.beta.realtime.connect(model="gpt-4o-realtime-preview")


def spoken_turn(conn: Any, **session: Any) -> None:
    assert conn.recv().type == "session.created"
    assert conn.recv().type == "conversation.created"
    conn.session.update(session={**session,
        "modalities": ["text", "audio"], "voice": "shimmer", "turn_detection": None,
        "instructions": "SCRIPT: " + json.dumps({"text": ANSWER}),
        "input_audio_transcription": {"model": "whisper-1", "language": "en"}})
    assert conn.recv().type == "session.updated"
    conn.input_audio_buffer.append(audio=base64.b64encode(b"\x00\x20" * 24000).decode())  # 1 s
    conn.input_audio_buffer.commit()
    conn.response.create()


def until(conn: Any, last: str) -> list[Any]:
    events = []
    while True:
        events.append(conn.recv())
        if events[-1].type == last:
            return events


def test_transcription_and_speech_go_to_the_audio_server(openbeta, audio_server):
    audio_server["mode"], audio_server["calls"] = "ok", []
    with connect(openbeta) as conn:
        spoken_turn(conn)
        events = until(conn, "response.done")
    kinds = [e.type for e in events]
    assert "error" not in kinds, [e for e in events if e.type == "error"]
    completed = events[kinds.index("conversation.item.input_audio_transcription.completed")]
    assert completed.transcript == HEARD
    audio = b"".join(base64.b64decode(e.delta) for e in events if e.type == "response.audio.delta")
    assert audio == SPOKEN  # the server's stream, whole, in order, whatever its pieces
    assert events[-1].response.status == "completed"
    stt, tts = [c for c in audio_server["calls"] if c["path"] == "transcriptions"], \
        [c for c in audio_server["calls"] if c["path"] == "speech"]
    assert stt == [{"path": "transcriptions", "auth": "Bearer sk-audio", "model": "whisper-large-v3",
                    "language": "en", "wav": (1, 2, 24000, 24000)}]
    assert tts == [{"path": "speech", "auth": "Bearer sk-audio", "model": "kokoro", "input": ANSWER,
                    "voice": "shimmer", "speed": 1.0, "response_format": "pcm"}]


@pytest.mark.parametrize("mode", ["fail", "hang"])
def test_a_failing_or_silent_audio_server_gives_error_events_naming_it(openbeta, audio_server, mode):
    audio_server["mode"], audio_server["calls"] = mode, []
    began = time.monotonic()
    with connect(openbeta) as conn:
        spoken_turn(conn)
        events = until(conn, "response.done")
    took = time.monotonic() - began
    errors = [e.error for e in events if e.type == "error"]
    assert [e.code for e in errors] == ["audio_server_error", "audio_server_error"], events
    stt_error, tts_error = errors
    assert "speech-to-text server" in stt_error.message and audio_server["url"] in stt_error.message
    assert "speech server" in tts_error.message and audio_server["url"] in tts_error.message
    detail = "HTTP 500" if mode == "fail" else "no answer in time"
    assert detail in stt_error.message
    assert ("HTTP 503" if mode == "fail" else "no audio in time") in tts_error.message
    kinds = [e.type for e in events]
    assert "conversation.item.input_audio_transcription.failed" in kinds
    done = events[-1].response
    assert done.status == "failed" and done.status_details.error.code == "audio_server_error"
    assert took < 8  # two 1 s timeouts, not the fake server's 10 s silence


@pytest.mark.parametrize("mode", ["logprobs", "ok"])
def test_logprobs_asked_of_the_audio_server_are_passed_on_or_null(openbeta, audio_server, mode):
    """``include`` asks the server for ``logprobs``; its tokens come through, trimmed with its text (a missing
    ``bytes`` is the token's UTF-8). A server that answers none gives ``logprobs: null`` (not known), not ``[]``."""
    audio_server["mode"], audio_server["calls"] = mode, []
    with connect(openbeta) as conn:
        spoken_turn(conn, include=["item.input_audio_transcription.logprobs"])
        events = until(conn, "response.done")
    assert audio_server["calls"][0]["include"] == ["logprobs"]
    raw = [e.to_dict() for e in events if e.type.startswith("conversation.item.input_audio_transcription.")]
    assert [e["type"] for e in raw] == ["conversation.item.input_audio_transcription.delta",
                                        "conversation.item.input_audio_transcription.completed"]
    delta, completed = raw
    assert delta["delta"] == completed["transcript"] == HEARD
    if mode == "ok":
        assert delta["logprobs"] is None and completed["logprobs"] is None
        return
    assert completed["logprobs"] == delta["logprobs"]
    assert b"".join(bytes(e["bytes"]) for e in delta["logprobs"]) == HEARD.encode()
    assert delta["logprobs"][0] == {"token": "what", "logprob": -0.01, "bytes": list(b"what")}
    assert [e["logprob"] for e in delta["logprobs"]] == [-0.01] + [-0.2] * (len(HEARD.split()) - 1)
