"""Voice end to end on a live server with the official Python SDK (beta): a spoken question goes in,
its transcript and a spoken answer come out, and the answer's audio transcribes back to its words.

The text answer comes from the scripted model (a directive in the session instructions), so the test
is about the voice pipeline and the protocol, not about what a small model knows.
"""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest

from voice_support import QUESTION, heard_share

openai = pytest.importorskip("openai")
pytest.importorskip("websockets")

ANSWER = "Paris is the capital of France."
SILENCE_1S = b"\0" * 48000
CHUNK = 4800  # 100 ms of pcm16 24 kHz


def client_for(server: Any) -> Any:
    return openai.OpenAI(base_url=server.base_url, api_key="sk-voice",
                         websocket_base_url=server.base_url.replace("http://", "ws://"))


def append_in_chunks(conn: Any, audio: bytes) -> None:
    for start in range(0, len(audio), CHUNK):
        conn.input_audio_buffer.append(audio=base64.b64encode(audio[start:start + CHUNK]).decode())


def until(conn: Any, last: str) -> list[Any]:
    events = []
    while True:
        events.append(conn.recv())
        assert events[-1].type != "error", events[-1]
        if events[-1].type == last:
            return events


def first(events: list[Any], kind: str) -> int:
    return next(i for i, e in enumerate(events) if e.type == kind)


def transcribe_on_server(server: Any, pcm: bytes, **session: Any) -> tuple[list[Any], str]:
    """A transcription-only session (``intent=transcription``) hears ``pcm``; its events and transcript."""
    with client_for(server).beta.realtime.connect(model="gpt-4o-transcribe",
                                                  extra_query={"intent": "transcription"}) as conn:
        created = json.loads(conn.recv_bytes())
        assert created["type"] == "transcription_session.created"
        conn.transcription_session.update(session={
            **session, "input_audio_transcription": {"model": "whisper-1", "language": "en"},
            "turn_detection": {"type": "server_vad", "silence_duration_ms": 500}})
        assert conn.recv().type == "transcription_session.updated"
        append_in_chunks(conn, SILENCE_1S + pcm + SILENCE_1S * 2)
        events = until(conn, "conversation.item.input_audio_transcription.completed")
        return events, events[-1].transcript


def test_spoken_question_spoken_answer(voice_server, spoken_question):
    speech_ms = len(spoken_question) // 48
    with client_for(voice_server).beta.realtime.connect(model="gpt-4o-realtime-preview") as conn:
        assert conn.recv().type == "session.created"
        assert conn.recv().type == "conversation.created"
        conn.session.update(session={
            "modalities": ["text", "audio"], "voice": "alloy", "instructions": "SCRIPT: " + json.dumps({"text": ANSWER}),
            "input_audio_transcription": {"model": "whisper-1", "language": "en"},
            "turn_detection": {"type": "server_vad", "threshold": 0.5, "prefix_padding_ms": 300,
                               "silence_duration_ms": 500, "create_response": True}})
        assert conn.recv().type == "session.updated"
        append_in_chunks(conn, SILENCE_1S + spoken_question + SILENCE_1S * 2)
        events = until(conn, "response.done")

    kinds = [e.type for e in events]
    order = [first(events, k) for k in (
        "input_audio_buffer.speech_started", "input_audio_buffer.speech_stopped", "input_audio_buffer.committed",
        "conversation.item.input_audio_transcription.completed", "response.created", "response.audio.delta",
        "response.audio.done", "response.done")]
    assert order == sorted(order), kinds

    started = events[order[0]]
    stopped = events[order[1]]
    committed = events[order[2]]
    assert started.item_id == stopped.item_id == committed.item_id
    # Speech begins at 1000 ms; audio_start_ms includes the 300 ms prefix, audio_end_ms the 500 ms of silence.
    assert 500 <= started.audio_start_ms <= 1200
    assert 1000 + speech_ms - 100 <= stopped.audio_end_ms <= 1000 + speech_ms + 600

    deltas = [e.delta for e in events if e.type == "conversation.item.input_audio_transcription.delta"]
    completed = events[order[3]]
    assert deltas and "".join(deltas) == completed.transcript
    assert completed.item_id == committed.item_id
    assert heard_share(QUESTION, completed.transcript) >= 0.7, completed.transcript

    said = "".join(e.delta for e in events if e.type == "response.audio_transcript.delta")
    assert said.strip() == ANSWER
    answer = b"".join(base64.b64decode(e.delta) for e in events if e.type == "response.audio.delta")
    assert len(answer) > 48000  # more than a second of pcm16 24 kHz
    done = events[-1].response
    assert done.status == "completed" and done.output[0].content[0].transcript.strip() == ANSWER
    assert done.usage.output_token_details.audio_tokens > 0

    heard_events, heard = transcribe_on_server(voice_server, answer)
    heard_kinds = [e.type for e in heard_events]
    assert heard_kinds[:3] == ["input_audio_buffer.speech_started", "input_audio_buffer.speech_stopped",
                               "input_audio_buffer.committed"]
    assert "response.created" not in heard_kinds
    assert heard_share(ANSWER, heard) >= 0.6, heard


def test_ga_telephone_audio(voice_server, spoken_question):
    """GA protocol, G.711 u-law in and out (a phone line), semantic_vad: the question is heard and answered."""
    from openbeta.server.realtime.audio import from_pcm16_24k

    ulaw = from_pcm16_24k(SILENCE_1S + spoken_question + SILENCE_1S * 2, "audio/pcmu")
    with openai.OpenAI(base_url=voice_server.base_url, api_key="sk-voice").realtime.connect(model="gpt-realtime") as conn:
        assert conn.recv().type == "session.created"
        assert conn.recv().type == "conversation.created"
        conn.session.update(session={
            "type": "realtime", "output_modalities": ["audio"], "instructions": "SCRIPT: " + json.dumps({"text": ANSWER}),
            "audio": {"input": {"format": {"type": "audio/pcmu"},
                                "transcription": {"model": "whisper-1", "language": "en"},
                                "turn_detection": {"type": "semantic_vad", "eagerness": "high"}},
                      "output": {"format": {"type": "audio/pcmu"}, "voice": "marin"}}})
        assert conn.recv().type == "session.updated"
        for start in range(0, len(ulaw), 160):  # 20 ms frames, as a phone line sends them
            conn.input_audio_buffer.append(audio=base64.b64encode(ulaw[start:start + 160]).decode())
        events = until(conn, "response.done")

    kinds = [e.type for e in events]
    completed = events[first(events, "conversation.item.input_audio_transcription.completed")]
    assert heard_share(QUESTION, completed.transcript) >= 0.7, completed.transcript
    assert first(events, "input_audio_buffer.speech_stopped") < first(events, "response.created")
    assert "response.output_audio.delta" in kinds and "response.output_audio_transcript.delta" in kinds
    answer = b"".join(base64.b64decode(e.delta) for e in events if e.type == "response.output_audio.delta")
    assert len(answer) > 8000  # more than a second of 8 kHz u-law, one byte per sample
    assert events[-1].response.status == "completed"


def test_barge_in_cancels_the_spoken_answer(voice_server, spoken_question):
    """Speaking while the answer is being spoken cancels it (interrupt_response); the new turn is answered."""
    slow = {"text": "Let me think about that for a while. " * 4, "delay": 0.25}
    with client_for(voice_server).beta.realtime.connect(model="gpt-4o-realtime-preview") as conn:
        assert conn.recv().type == "session.created"
        assert conn.recv().type == "conversation.created"
        conn.session.update(session={
            "modalities": ["text", "audio"], "instructions": "SCRIPT: " + json.dumps(slow),
            "turn_detection": {"type": "server_vad", "silence_duration_ms": 500, "interrupt_response": True}})
        assert conn.recv().type == "session.updated"
        append_in_chunks(conn, SILENCE_1S + spoken_question + SILENCE_1S)
        first_turn = until(conn, "response.audio.delta")  # the answer is being spoken
        response_id = first_turn[-1].response_id
        append_in_chunks(conn, spoken_question + SILENCE_1S)
        events = until(conn, "response.done")
        assert events[-1].response.id == response_id
        assert events[-1].response.status == "cancelled"
        assert events[-1].response.status_details.reason == "turn_detected"
        kinds = [e.type for e in events]
        assert kinds.index("input_audio_buffer.speech_started") < len(kinds) - 1
        if "input_audio_buffer.committed" not in kinds:
            until(conn, "input_audio_buffer.committed")  # the new turn is committed (and will be answered)


def test_ga_idle_timeout_after_the_spoken_answer_has_played(voice_server):
    """``idle_timeout_ms`` counts from the end of the answer's playback (its real audio length), silence
    streamed through the real VAD does not stop it, and the timeout commits that silence and answers."""
    import threading
    import time

    with openai.OpenAI(base_url=voice_server.base_url, api_key="sk-voice").realtime.connect(model="gpt-realtime") as conn:
        assert conn.recv().type == "session.created"
        assert conn.recv().type == "conversation.created"
        conn.session.update(session={
            "type": "realtime", "output_modalities": ["audio"], "instructions": "SCRIPT: " + json.dumps({"text": ANSWER}),
            "audio": {"input": {"turn_detection": {"type": "server_vad", "idle_timeout_ms": 5000}}}})
        assert conn.recv().type == "session.updated"
        conn.response.create()
        events = until(conn, "rate_limits.updated")  # response.done, then rate_limits.updated
        answered = time.monotonic()
        answer = b"".join(base64.b64decode(e.delta) for e in events if e.type == "response.output_audio.delta")
        playback = len(answer) / 48000
        assert playback > 1.0
        append_in_chunks(conn, SILENCE_1S)
        probe = threading.Timer(playback + 8.0, conn.send, ({"type": "conversation.item.retrieve", "item_id": "x"},))
        probe.start()
        fired = conn.recv()
        waited = time.monotonic() - answered
        probe.cancel()
        assert fired.type == "input_audio_buffer.timeout_triggered", fired
        assert waited >= 5.0 + playback - 0.1, (waited, playback)
        print(f"idle timeout: answer played {playback:.2f} s, timeout fired {waited:.2f} s after response.done")
        assert fired.audio_end_ms == 1000
        rest = until(conn, "response.created")  # the answer to the silence (its speech is not awaited)
    kinds = [e.type for e in rest]
    assert kinds[:3] == ["input_audio_buffer.committed", "conversation.item.added", "conversation.item.done"]
    assert rest[0].item_id == fired.item_id == rest[1].item.id


def test_transcription_logprobs_from_whisper(voice_server, spoken_question):
    """Asked for, Whisper's own tokens come with every delta and the transcript: their bytes are exactly the
    text, each a log probability; without ``include`` the events have none."""
    events, transcript = transcribe_on_server(voice_server, spoken_question,
                                              include=["item.input_audio_transcription.logprobs"])
    assert heard_share(QUESTION, transcript) >= 0.7, transcript
    deltas = [e for e in events if e.type == "conversation.item.input_audio_transcription.delta"]
    completed = events[-1]
    assert deltas and "".join(d.delta for d in deltas) == transcript
    for text, logprobs in [*((d.delta, d.logprobs) for d in deltas), (transcript, completed.logprobs)]:
        assert logprobs, text
        assert b"".join(bytes(entry.bytes) for entry in logprobs) == text.encode()
        assert "".join(entry.token for entry in logprobs) == text  # English: no token splits a character
        assert all(entry.logprob <= 0 for entry in logprobs)
    assert [e.to_dict() for e in completed.logprobs] == [e.to_dict() for d in deltas for e in d.logprobs]
    assert len(completed.logprobs) >= len(transcript.split())  # tokens, not words
    # Whisper is sure of most of a clearly spoken question.
    assert sum(entry.logprob for entry in completed.logprobs) / len(completed.logprobs) > -1.0

    events, _ = transcribe_on_server(voice_server, spoken_question)
    assert all(e.to_dict().get("logprobs", "absent") == "absent" for e in events
               if e.type.startswith("conversation.item.input_audio_transcription."))
