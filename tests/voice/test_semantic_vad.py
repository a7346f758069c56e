"""semantic_vad on the real end-of-turn model (Smart Turn v3 from the ``pipecat-ai`` package): a finished
question ends its turn soon after the speech, an unfinished one waits for the eagerness's longest silence; without
the model, semantic_vad falls back to the silence rule and says so."""

from __future__ import annotations

import base64
import logging
import time
from typing import Any

import numpy as np
import pytest

from voice_support import QUESTION, collect, run

openai = pytest.importorskip("openai")
pytest.importorskip("websockets")

UNFINISHED = "Could you tell me how long it takes to boil an egg, and"
CHUNK = 4800  # 100 ms of pcm16 24 kHz
SILENCE_1S = b"\0" * 48000


@pytest.fixture(scope="module")
def turn_model() -> str:
    from openbeta.server.realtime.turn import INSTALL_HINT, packaged_model_path

    path = packaged_model_path()
    if path is None:
        pytest.skip(f"the end-of-turn model (pipecat-ai) is not installed: {INSTALL_HINT}")
    return path


def speech_end_ms(pcm: bytes) -> int:
    """The end of the last 10 ms of ``pcm`` above -40 dBFS."""
    samples = np.frombuffer(pcm, dtype="<i2").astype(np.float32) / 32768.0
    frames = samples[:len(samples) // 240 * 240].reshape(-1, 240)
    loud = np.flatnonzero(np.sqrt((frames ** 2).mean(axis=1)) > 0.01)
    return int(loud[-1] + 1) * 10


def turn_end_after_speech(server: Any, pcm: bytes, eagerness: str = "auto") -> int:
    """How long after the end of speech (ms of audio) the server ended the turn (``audio_end_ms``)."""
    client = openai.OpenAI(base_url=server.base_url, api_key="sk-voice",
                           websocket_base_url=server.base_url.replace("http://", "ws://"))
    audio = SILENCE_1S + pcm + SILENCE_1S * 4
    with client.beta.realtime.connect(model="gpt-4o-realtime-preview") as conn:
        assert conn.recv().type == "session.created"
        assert conn.recv().type == "conversation.created"
        conn.session.update(session={"modalities": ["text"], "turn_detection": {
            "type": "semantic_vad", "eagerness": eagerness, "create_response": False}})
        assert conn.recv().type == "session.updated"
        began = time.monotonic()
        for index, start in enumerate(range(0, len(audio), CHUNK)):  # paced like a microphone: the model
            time.sleep(max(0.0, began + index * 0.1 - time.monotonic()))  # answers while the pause goes on
            conn.input_audio_buffer.append(audio=base64.b64encode(audio[start:start + CHUNK]).decode())
        while True:
            event = conn.recv()
            assert event.type != "error", event
            if event.type == "input_audio_buffer.speech_stopped":
                return event.audio_end_ms - (1000 + speech_end_ms(pcm))


def test_a_finished_question_ends_the_turn_soon_and_an_unfinished_one_waits(voice_server, voice, turn_model):
    from openbeta.server.realtime.vad import EAGERNESS_SEMANTIC

    ask_ms, threshold, longest_ms = EAGERNESS_SEMANTIC["auto"]
    finished = b"".join(run(collect(voice.synthesize(QUESTION))))
    unfinished = b"".join(run(collect(voice.synthesize(UNFINISHED))))
    # The model's own verdicts on these clips, in this process, as the server asks it: the speech and the
    # silence after it so far (ask_ms, then every ASK_AGAIN_MS more).
    import soxr

    from openbeta.server.realtime.vad import ASK_AGAIN_MS

    def heard(pcm: bytes) -> list[float]:
        audio = soxr.resample(np.frombuffer(pcm, dtype="<i2").astype(np.float32) / 32768, 24000, 16000)
        return [voice.turn_model.probability(np.concatenate([audio, np.zeros(16 * silence, dtype=np.float32)]))
                for silence in range(ask_ms, longest_ms - 500, ASK_AGAIN_MS)]

    assert max(heard(finished)) > threshold
    assert max(heard(unfinished)) < 0.2
    # On the server: the finished question's turn ends once the model has been asked (after ask_ms of silence
    # and its run), well before the longest silence; the unfinished one waits for the longest silence.
    early = turn_end_after_speech(voice_server, finished)
    assert ask_ms <= early < longest_ms - 500, early
    late = turn_end_after_speech(voice_server, unfinished)
    assert longest_ms - 100 <= late <= longest_ms + 200, late


def test_without_the_model_semantic_vad_uses_the_silence_rule_and_says_so(caplog, tmp_path):
    from openbeta.server.realtime.vad import EAGERNESS_SILENCE_MS
    from openbeta.server.realtime.voice import Voice

    voice = Voice(turn_model=str(tmp_path / "absent.onnx"))
    if not voice.available:
        pytest.skip(voice.missing_reason or "voice not installed")
    try:
        with caplog.at_level(logging.WARNING, logger="openbeta.realtime"):
            detector = voice.vad({"type": "semantic_vad", "eagerness": "high"})
        assert detector.params.turn_threshold is None
        assert detector.params.silence_duration_ms == EAGERNESS_SILENCE_MS["high"]
        assert any("semantic_vad without its model" in r.getMessage() and "absent.onnx" in r.getMessage()
                   for r in caplog.records)
    finally:
        voice.close()
