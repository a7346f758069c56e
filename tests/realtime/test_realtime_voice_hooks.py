"""The audio hooks of a session (VAD on append, transcription on commit, speech for audio responses,
barge-in, truncation), driven in process with a double of the voice pipeline."""

from __future__ import annotations

import base64
import json
import threading
import time
from typing import Any, Iterator

import pytest
from fastapi.testclient import TestClient

from openbeta.server.app import create_app
from openbeta.server.settings import Settings
from realtime_support import script
from realtime_voice_double import FakeVoice, Formats, voice_kit

SILENCE = b"\x00\x00" * 2400  # 100 ms
TONE = b"\x00\x20" * 2400


@pytest.fixture(scope="module")
def app(tmp_path_factory) -> Iterator[Any]:
    app = create_app(Settings(data_dir=tmp_path_factory.mktemp("voice"), provider="scripted"))
    with TestClient(app) as client:
        app.state.test_client = client
        yield app


def open_session(app: Any, voice: FakeVoice, formats: Formats | None = None, *, query: str = "",
                 beta: bool = True) -> Any:
    app.state.voice = voice_kit(voice, formats)
    headers = {"OpenAI-Beta": "realtime=v1"} if beta else {}
    return app.state.test_client.websocket_connect(f"/v1/realtime?model=gpt-realtime{query}", headers=headers)


def opened(ws: Any) -> dict[str, Any]:
    """``session.created``, after which a realtime (not a transcription) session sends ``conversation.created``."""
    created = ws.receive_json()
    assert created["type"] == "session.created", created
    conversation = ws.receive_json()
    assert conversation["type"] == "conversation.created", conversation
    assert conversation["conversation"]["id"].startswith("conv_")
    return created


def send(ws: Any, **event: Any) -> None:
    ws.send_text(json.dumps(event))


def until(ws: Any, last: str) -> list[dict[str, Any]]:
    events = []
    while True:
        events.append(ws.receive_json())
        if events[-1]["type"] == last:
            return events


def append(ws: Any, pcm: bytes) -> None:
    send(ws, type="input_audio_buffer.append", audio=base64.b64encode(pcm).decode())


def test_server_vad_commits_transcribes_and_answers_with_speech(app) -> None:
    voice = FakeVoice(transcript=script(text="Sure. I can help you."))
    with open_session(app, voice) as ws:
        created = opened(ws)
        assert created["session"]["modalities"] == ["text", "audio"]  # audio is the default with a voice
        send(ws, type="session.update", session={"input_audio_transcription": {"model": "whisper-1"},
                                                 "turn_detection": {"type": "server_vad", "silence_duration_ms": 300},
                                                 "voice": "verse"})
        assert ws.receive_json()["type"] == "session.updated"
        for chunk in [SILENCE] * 3 + [TONE] * 5 + [SILENCE] * 4:
            append(ws, chunk)
        events = until(ws, "response.done")
        kinds = [e["type"] for e in events]
        assert kinds[:4] == ["input_audio_buffer.speech_started", "input_audio_buffer.speech_stopped",
                             "input_audio_buffer.committed", "conversation.item.created"]
        started, stopped, committed, item = events[:4]
        # Speech from 300 ms; audio_start_ms includes prefix_padding_ms (300), as OpenAI's does.
        assert started["audio_start_ms"] == 0 and stopped["audio_end_ms"] == 1100
        assert started["item_id"] == stopped["item_id"] == committed["item_id"] == item["item"]["id"]
        assert item["item"]["content"] == [{"type": "input_audio", "transcript": None}]
        assert len(voice.heard[0]) == 1100 * 48  # from the start of speech less prefix_padding_ms (300) to its end
        completed = events[kinds.index("conversation.item.input_audio_transcription.completed")]
        assert completed["transcript"] == voice.transcript
        assert kinds.index("conversation.item.input_audio_transcription.completed") < kinds.index("response.created")
        assert "conversation.item.input_audio_transcription.delta" in kinds
        response = kinds[kinds.index("response.created"):]
        assert response[:4] == ["response.created", "response.output_item.added", "conversation.item.created",
                                "response.content_part.added"]
        assert response[-5:] == ["response.audio.done", "response.audio_transcript.done",
                                 "response.content_part.done", "response.output_item.done", "response.done"]
        audio = b"".join(base64.b64decode(e["delta"]) for e in events if e["type"] == "response.audio.delta")
        assert len(audio) == 5 * 4800  # five words, 100 ms each
        transcript = "".join(e["delta"] for e in events if e["type"] == "response.audio_transcript.delta")
        assert transcript == "Sure. I can help you."
        assert [s[0] for s in voice.said] == ["Sure.", "I can help you."] and voice.said[0][1] == "verse"
        done = events[-1]["response"]
        assert done["status"] == "completed" and done["modalities"] == ["text", "audio"]
        part = done["output"][0]["content"][0]
        assert part == {"type": "audio", "transcript": "Sure. I can help you."}
        assert done["usage"]["output_token_details"]["audio_tokens"] > 0


def test_manual_commit_needs_100ms_and_transcribes_before_the_response(app) -> None:
    voice = FakeVoice(transcript=script(text="Manual turn."))
    with open_session(app, voice) as ws:
        opened(ws)
        send(ws, type="session.update", session={"turn_detection": None, "modalities": ["text"],
                                                 "input_audio_transcription": {"model": "whisper-1", "language": "en"}})
        ws.receive_json()
        append(ws, TONE[:2400])  # 50 ms
        send(ws, type="input_audio_buffer.commit", event_id="short")
        error = ws.receive_json()["error"]
        assert error["code"] == "input_audio_buffer_commit_empty" and error["event_id"] == "short"
        assert "50.00ms" in error["message"]
        append(ws, TONE)
        send(ws, type="input_audio_buffer.commit")
        send(ws, type="response.create")
        events = until(ws, "response.done")
        kinds = [e["type"] for e in events]
        assert kinds[:2] == ["input_audio_buffer.committed", "conversation.item.created"]
        assert kinds.index("conversation.item.input_audio_transcription.completed") < kinds.index("response.created")
        assert events[-1]["response"]["output"][0]["content"][0]["text"] == "Manual turn."
        send(ws, type="conversation.item.retrieve", item_id=events[0]["item_id"])
        assert until(ws, "conversation.item.retrieved")[-1]["item"]["content"][0]["transcript"] == voice.transcript
        append(ws, TONE)
        send(ws, type="input_audio_buffer.clear")
        assert ws.receive_json()["type"] == "input_audio_buffer.cleared"
        send(ws, type="input_audio_buffer.commit")
        assert ws.receive_json()["error"]["code"] == "input_audio_buffer_commit_empty"
        append(ws, b"\x00")  # odd pcm16 byte count
        assert ws.receive_json()["error"]["param"] == "audio"
        send(ws, type="input_audio_buffer.append", audio="not base64!")
        assert ws.receive_json()["error"]["param"] == "audio"


def test_truncate_cuts_the_transcript_to_the_audio_played(app) -> None:
    voice = FakeVoice()
    with open_session(app, voice) as ws:
        opened(ws)
        send(ws, type="session.update", session={"turn_detection": None})
        ws.receive_json()
        send(ws, type="conversation.item.create", item={"type": "message", "role": "user", "content": [
            {"type": "input_text", "text": script(text="One two three. Four five six.")}]})
        ws.receive_json()
        send(ws, type="response.create")
        events = until(ws, "response.done")
        item_id = events[-1]["response"]["output"][0]["id"]
        send(ws, type="conversation.item.truncate", item_id=item_id, content_index=0, audio_end_ms=700, event_id="long")
        assert until(ws, "error")[-1]["error"]["param"] == "audio_end_ms"
        send(ws, type="conversation.item.truncate", item_id=item_id, content_index=0, audio_end_ms=400)
        truncated = ws.receive_json()
        assert truncated == {**truncated, "type": "conversation.item.truncated", "item_id": item_id,
                             "content_index": 0, "audio_end_ms": 400}
        send(ws, type="conversation.item.retrieve", item_id=item_id)
        assert ws.receive_json()["item"]["content"][0]["transcript"] == "One two three. Four"
        # What the model reads next is what was heard.
        send(ws, type="conversation.item.create", item={"type": "message", "role": "user", "content": [
            {"type": "input_text", "text": script(reveal=True)}]})
        ws.receive_json()
        send(ws, type="response.create", response={"modalities": ["text"]})
        seen = json.loads(until(ws, "response.done")[-1]["response"]["output"][0]["content"][0]["text"])
        assert seen["messages"][1] == {"role": "assistant", "content": "One two three. Four"}


def test_speech_interrupts_the_response_and_cancel_stops_speech(app) -> None:
    voice = FakeVoice(transcript="interrupting", tts_delay=0.2)
    with open_session(app, voice) as ws:
        opened(ws)
        send(ws, type="conversation.item.create", item={"type": "message", "role": "user", "content": [
            {"type": "input_text", "text": script(text="A long answer. It goes on and on and on.")}]})
        ws.receive_json()
        send(ws, type="response.create")
        until(ws, "response.audio.delta")
        append(ws, TONE)  # the user speaks over the answer
        events = until(ws, "response.done")
        kinds = [e["type"] for e in events]
        assert "input_audio_buffer.speech_started" in kinds
        assert kinds.index("input_audio_buffer.speech_started") < kinds.index("response.done")
        done = events[-1]["response"]
        assert done["status"] == "cancelled" and done["status_details"]["reason"] == "turn_detected"
        assert done["output"][0]["status"] == "incomplete"
        assert kinds[-5:] == ["response.audio.done", "response.audio_transcript.done", "response.content_part.done",
                              "response.output_item.done", "response.done"]
        said = sum(len(text.split()) for text, _, _ in voice.said)
        assert said < 11
        send(ws, type="input_audio_buffer.clear")
        assert until(ws, "input_audio_buffer.cleared")


def test_g711_formats_reach_the_converters(app) -> None:
    formats = Formats()
    with open_session(app, FakeVoice(), formats, beta=False) as ws:
        opened(ws)
        send(ws, type="session.update", session={"type": "realtime", "audio": {
            "input": {"format": {"type": "audio/pcmu"}, "turn_detection": None},
            "output": {"format": {"type": "audio/pcma"}}}})
        session = ws.receive_json()["session"]
        assert session["audio"]["input"]["format"] == {"type": "audio/pcmu"}
        append(ws, b"\x40" * 2400)  # 300 ms of 8-bit samples in the double's terms
        send(ws, type="input_audio_buffer.commit")
        until(ws, "conversation.item.done")
        send(ws, type="conversation.item.create", item={"type": "message", "role": "user", "content": [
            {"type": "input_text", "text": script(text="Hi.")}]})
        send(ws, type="response.create", response={"output_modalities": ["audio"]})
        events = until(ws, "response.done")
        assert any(e["type"] == "response.output_audio.delta" for e in events)
        assert events[-1]["response"]["audio"]["output"]["format"] == {"type": "audio/pcma"}
    assert ("in", "g711_ulaw") in formats.seen and ("out", "g711_alaw") in formats.seen


def test_transcription_session_only_transcribes(app) -> None:
    voice = FakeVoice(transcript="just words")
    with open_session(app, voice, query="&intent=transcription") as ws:
        created = ws.receive_json()
        assert created["type"] == "transcription_session.created"
        assert created["session"]["object"] == "realtime.transcription_session"
        send(ws, type="transcription_session.update", session={"input_audio_transcription": {"model": "whisper-1",
                                                                                             "language": "de"}})
        updated = ws.receive_json()
        assert updated["type"] == "transcription_session.updated"
        assert updated["session"]["input_audio_transcription"]["language"] == "de"
        for chunk in [TONE] * 3 + [SILENCE] * 6:
            append(ws, chunk)
        events = until(ws, "conversation.item.input_audio_transcription.completed")
        kinds = [e["type"] for e in events]
        assert kinds[:3] == ["input_audio_buffer.speech_started", "input_audio_buffer.speech_stopped",
                             "input_audio_buffer.committed"]
        assert events[-1]["transcript"] == "just words" and "response.created" not in kinds
        send(ws, type="response.create", event_id="no")
        assert ws.receive_json()["error"]["event_id"] == "no"


def test_audio_in_a_created_item_is_transcribed_before_the_response(app) -> None:
    voice = FakeVoice(transcript=script(text="Heard the item."))
    with open_session(app, voice) as ws:
        opened(ws)
        send(ws, type="conversation.item.create", item={"type": "message", "role": "user", "content": [
            {"type": "input_audio", "audio": base64.b64encode(TONE).decode()}]})
        created = ws.receive_json()
        assert created["item"]["content"] == [{"type": "input_audio", "transcript": None}]
        send(ws, type="response.create", response={"modalities": ["text"]})
        done = until(ws, "response.done")[-1]["response"]
        assert done["output"][0]["content"][0]["text"] == "Heard the item."
        assert voice.heard == [TONE]


def test_ga_transcription_session(app) -> None:
    voice = FakeVoice(transcript="ga words")
    with open_session(app, voice, query="&intent=transcription", beta=False) as ws:
        created = ws.receive_json()
        assert created["type"] == "session.created" and created["session"]["type"] == "transcription"
        send(ws, type="session.update", session={"type": "transcription", "audio": {"input": {
            "transcription": {"model": "whisper-1", "prompt": "names"}}}})
        updated = ws.receive_json()["session"]
        assert updated["audio"]["input"]["transcription"]["prompt"] == "names"
        send(ws, type="session.update", session={"type": "realtime"}, event_id="switch")
        assert ws.receive_json()["error"]["event_id"] == "switch"
        for chunk in [TONE] * 2 + [SILENCE] * 6:
            append(ws, chunk)
        events = until(ws, "conversation.item.input_audio_transcription.completed")
        assert events[-1]["transcript"] == "ga words"


def test_idle_timeout_waits_for_the_reply_audio_and_speech_disarms_it(app) -> None:
    voice = FakeVoice(transcript=script(text="Yes I am."))  # 3 words: 300 ms of reply audio
    with open_session(app, voice) as ws:
        opened(ws)
        send(ws, type="session.update", session={
            "input_audio_transcription": {"model": "whisper-1"},
            "turn_detection": {"type": "server_vad", "silence_duration_ms": 300, "idle_timeout_ms": 5000}})
        assert ws.receive_json()["session"]["turn_detection"]["idle_timeout_ms"] == 5000
        send(ws, type="conversation.item.create", item={"type": "message", "role": "user", "content": [
            {"type": "input_text", "text": script(text="One two three four five six seven eight nine ten.")}]})
        send(ws, type="response.create")
        until(ws, "rate_limits.updated")  # 1000 ms of audio: the timer would fire 6 s from here
        for chunk in [TONE] * 3 + [SILENCE] * 4:  # the user speaks: the timer is disarmed, VAD answers
            append(ws, chunk)
        turn = until(ws, "rate_limits.updated")
        assert [e["type"] for e in turn][:3] == ["input_audio_buffer.speech_started",
                                                 "input_audio_buffer.speech_stopped", "input_audio_buffer.committed"]
        answered = time.monotonic()
        for chunk in [SILENCE] * 3:  # silence does not disarm it
            append(ws, chunk)
        # Should the timeout never fire, this probe's error ends the wait.
        probe = threading.Timer(8.0, send, (ws,), {"type": "conversation.item.retrieve", "item_id": "x"})
        probe.start()
        fired = ws.receive_json()
        waited = time.monotonic() - answered
        probe.cancel()
        assert fired["type"] == "input_audio_buffer.timeout_triggered", fired
        events = [fired] + until(ws, "response.done")
        # 5 s after the response.done plus the 300 ms its audio takes to play.
        assert waited >= 5.25, waited
        assert fired["audio_end_ms"] == 1000 and fired["audio_start_ms"] <= fired["audio_end_ms"]
        kinds = [e["type"] for e in events]
        committed = events[kinds.index("input_audio_buffer.committed")]
        assert committed["item_id"] == fired["item_id"]
        transcribed = events[kinds.index("conversation.item.input_audio_transcription.completed")]
        assert transcribed["item_id"] == fired["item_id"] and len(voice.heard[-1]) > 0  # the silence it held
        assert "response.created" in kinds and events[-1]["response"]["status"] == "completed"


def _noisy(ms: int, seed: int, speech: bool) -> bytes:
    """``ms`` of white noise (and a 300 Hz tone, for ``speech``), pcm16 24 kHz."""
    import numpy as np

    rng = np.random.default_rng(seed)
    n = ms * 24
    signal = rng.standard_normal(n) * 600
    if speech:
        signal += np.sin(2 * np.pi * 300 * np.arange(n) / 24000) * 6000
    return signal.astype("<i2").tobytes()


def _level_db(pcm: bytes) -> float:
    import numpy as np

    samples = np.frombuffer(pcm, dtype="<i2").astype(float)
    return float(20 * np.log10(np.sqrt(np.mean(samples ** 2)) + 1e-9))


@pytest.mark.parametrize("beta", [True, False], ids=["beta", "ga"])
def test_noise_reduction_cleans_what_transcription_hears(app, beta) -> None:
    """With ``near_field`` noise reduction the audio the session keeps (and transcribes) is the cleaned
    audio, as long as what was sent; without it, the audio as sent."""
    pytest.importorskip("webrtc_noise_gain")
    pytest.importorskip("soxr")
    sent = _noisy(1000, 1, speech=False) + _noisy(1000, 2, speech=True)
    heard = {}
    for kind in (None, "near_field"):
        voice = FakeVoice(transcript="noted")
        with open_session(app, voice, beta=beta) as ws:
            opened(ws)
            reduction = {"type": kind} if kind else None
            session = {"input_audio_noise_reduction": reduction, "turn_detection": None, "modalities": ["text"],
                       "input_audio_transcription": {"model": "whisper-1"}} if beta else \
                {"type": "realtime", "output_modalities": ["text"], "audio": {"input": {
                    "noise_reduction": reduction, "turn_detection": None, "transcription": {"model": "whisper-1"}}}}
            send(ws, type="session.update", session=session)
            updated = ws.receive_json()
            assert updated["type"] == "session.updated", updated
            echoed = updated["session"]["input_audio_noise_reduction"] if beta else \
                updated["session"]["audio"]["input"]["noise_reduction"]
            assert echoed == reduction
            for start in range(0, len(sent), 4800):
                append(ws, sent[start:start + 4800])
            send(ws, type="input_audio_buffer.commit")
            until(ws, "conversation.item.input_audio_transcription.completed")
        heard[kind] = voice.heard[0]
    assert heard[None] == sent
    cleaned = heard["near_field"]
    assert len(cleaned) == len(sent)
    noise_only = slice(200 * 48, 900 * 48)  # past the cleaner's start, before the tone
    assert _level_db(cleaned[noise_only]) <= _level_db(sent[noise_only]) - 8
    with_tone = slice(1100 * 48, 1900 * 48)
    assert _level_db(cleaned[with_tone]) >= _level_db(sent[with_tone]) - 6


def test_noise_reduction_without_its_package_is_a_clear_error(app, monkeypatch) -> None:
    from openbeta.server.realtime import denoise

    monkeypatch.setattr(denoise, "unavailable", lambda: "input_audio_noise_reduction needs webrtc-noise-gain.")
    with open_session(app, FakeVoice()) as ws:
        opened(ws)
        send(ws, type="session.update", event_id="nr", session={"input_audio_noise_reduction": {"type": "far_field"}})
        error = ws.receive_json()
        assert error["type"] == "error" and error["error"]["event_id"] == "nr"
        assert error["error"]["param"] == "session.input_audio_noise_reduction"
        assert "webrtc-noise-gain" in error["error"]["message"]
        send(ws, type="session.update", session={"input_audio_noise_reduction": None})
        assert ws.receive_json()["type"] == "session.updated"
