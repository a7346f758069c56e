"""A spoken turn is transcribed while it is spoken: the speculative final pass starts at a pause, becomes the
transcript when the turn ends there, is thrown away when speech resumes soon after it, and becomes a piece of
the committed prefix when it covered enough speech. Driven in process with the voice pipeline's double."""

from __future__ import annotations

from typing import Any


from openbeta.server.realtime.transcriber import MIN_PIECE_MS
from realtime_voice_double import FakeVoice
from test_realtime_voice_hooks import SILENCE, TONE, append, open_session, opened, send, until

TRANSCRIBED = "conversation.item.input_audio_transcription.completed"


def start(ws: Any) -> None:
    opened(ws)
    send(ws, type="session.update", session={
        "modalities": ["text"], "input_audio_transcription": {"model": "whisper-1", "prompt": "Spelling: Ogg."},
        "turn_detection": {"type": "server_vad", "silence_duration_ms": 500, "prefix_padding_ms": 0,
                           "create_response": False}})
    assert ws.receive_json()["type"] == "session.updated"


def speak(ws: Any, chunks: list[bytes]) -> None:
    """Start the session and speak ``chunks`` (100 ms each)."""
    start(ws)
    for chunk in chunks:
        append(ws, chunk)


def spoken(ws: Any, chunks: list[bytes]) -> list[dict[str, Any]]:
    """:func:`speak`, then the events until the transcript."""
    speak(ws, chunks)
    return until(ws, TRANSCRIBED)


def test_the_pass_started_at_the_pause_is_the_final_when_the_turn_ends_there(app) -> None:
    voice = FakeVoice(transcript="one pass", pauses=True)
    with open_session(app, voice) as ws:
        speak(ws, [SILENCE] * 2 + [TONE] * 8)
        append(ws, SILENCE)  # 100 ms of silence: the pause starts the pass, before the turn has ended
        send(ws, type="conversation.item.retrieve", item_id="none")
        assert until(ws, "error")[0]["type"] == "input_audio_buffer.speech_started"
        assert len(voice.heard) == 1 and len(voice.heard[0]) == 900 * 48  # 800 ms of speech, 100 ms of pause
        for chunk in [SILENCE] * 5:
            append(ws, chunk)
        events = until(ws, TRANSCRIBED)
        assert [e["type"] for e in events][:3] == ["input_audio_buffer.speech_stopped",
                                                   "input_audio_buffer.committed", "conversation.item.created"]
        assert events[-1]["transcript"] == "one pass"
        assert len(voice.heard) == 1  # the end of the turn added no pass
        assert voice.prompts == ["Spelling: Ogg."]


def test_a_speculative_pass_is_thrown_away_when_speech_resumes_soon_after(app) -> None:
    voice = FakeVoice(transcripts=["thrown away", "the whole turn"], pauses=True)
    with open_session(app, voice) as ws:
        events = spoken(ws, [SILENCE] + [TONE] * 5 + [SILENCE] * 2 + [TONE] * 5 + [SILENCE] * 6)
        kinds = [e["type"] for e in events]
        assert kinds.count("input_audio_buffer.speech_started") == 1 and kinds.count(TRANSCRIBED) == 1
        assert events[-1]["transcript"] == "the whole turn"
        deltas = "".join(e["delta"] for e in events if e["type"].endswith("transcription.delta"))
        assert deltas == "the whole turn"
        # The first pass covered the speech up to the pause (500 ms + 100 ms), under MIN_PIECE_MS: thrown away.
        # The second started at the second pause, over the whole turn so far (1200 ms of speech and pause and
        # 100 ms of the silence that ended the turn), and is the final.
        assert len(voice.heard[0]) == 600 * 48 < MIN_PIECE_MS * 48
        assert len(voice.heard) == 2 and len(voice.heard[1]) == 1300 * 48
        assert voice.prompts == ["Spelling: Ogg.", "Spelling: Ogg."]


def test_a_long_stretch_before_a_pause_is_committed_and_the_final_covers_only_the_rest(app) -> None:
    voice = FakeVoice(transcripts=["first part", "second part"], pauses=True)
    with open_session(app, voice) as ws:
        events = spoken(ws, [SILENCE] + [TONE] * 20 + [SILENCE] * 2 + [TONE] * 4 + [SILENCE] * 6)
        assert events[-1]["transcript"] == "first part second part"
        assert len(voice.heard) == 2
        first, second = (len(pcm) // 48 for pcm in voice.heard)
        assert first == 2100  # 2 s of speech and the first 100 ms of the pause
        # The final, started at the second pause: the rest of the first pause, the second stretch, 100 ms of silence.
        assert second == 100 + 400 + 100
        assert voice.prompts == ["Spelling: Ogg.", "Spelling: Ogg. first part"]  # the committed text carries on
        send(ws, type="conversation.item.retrieve", item_id=events[-1]["item_id"])
        assert until(ws, "conversation.item.retrieved")[-1]["item"]["content"][0]["transcript"] == \
            "first part second part"


def test_clearing_the_buffer_mid_turn_drops_the_turn_s_passes(app) -> None:
    voice = FakeVoice(transcript="after the clear", pauses=True)
    with open_session(app, voice) as ws:
        speak(ws, [TONE] * 20 + [SILENCE] * 2)
        send(ws, type="input_audio_buffer.clear")
        until(ws, "input_audio_buffer.cleared")
        for chunk in [TONE] * 3 + [SILENCE] * 6:
            append(ws, chunk)
        events = until(ws, TRANSCRIBED)
        assert events[-1]["transcript"] == "after the clear"
        assert len(voice.heard[-1]) == 800 * 48  # the audio since the clear only
