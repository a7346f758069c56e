"""The API's voice names speak with distinct packaged voices: the male and neutral names with Piper's joe, the
female ones with hibari's heart. Each is heard back as the words it was given."""

from __future__ import annotations

import numpy as np
import pytest

from voice_support import collect, heard_share, run

TEXT = "The museum opens at nine in the morning."


def spoken(voice, name: str) -> bytes:
    return b"".join(run(collect(voice.synthesize(TEXT, voice=name))))


def spectrum(pcm: bytes) -> np.ndarray:
    """The average magnitude spectrum (50 Hz bins up to 4 kHz) of pcm16 24 kHz audio."""
    samples = np.frombuffer(pcm, dtype="<i2").astype(np.float32) / 32768.0
    frames = samples[:len(samples) // 480 * 480].reshape(-1, 480)
    loud = frames[np.sqrt((frames ** 2).mean(axis=1)) > 0.01]
    magnitude = np.abs(np.fft.rfft(loud * np.hanning(480), axis=1)).mean(axis=0)[:80]
    return magnitude / magnitude.sum()


def test_two_names_speak_with_different_voices_and_are_understood(voice):
    pytest.importorskip("hibari", reason="hibari-tts (the voice extra) is not installed")
    from openbeta.server.realtime.tts import HibariTts, PiperTts, VOICE_NAMES

    assert {VOICE_NAMES[n] for n in ("alloy", "ash", "ballad", "echo", "verse", "cedar")} == {"joe"}
    assert {VOICE_NAMES[n] for n in ("coral", "sage", "shimmer", "marin")} == {"heart"}
    assert isinstance(voice.speaker("alloy"), PiperTts) and isinstance(voice.speaker("shimmer"), HibariTts)
    assert voice.speaker("no-such-voice") is voice.speaker("alloy")

    alloy, shimmer = spoken(voice, "alloy"), spoken(voice, "shimmer")
    assert len(alloy) > 24000 and len(shimmer) > 24000
    # Different voices: their average spectra differ far more than two renditions by the same voice do
    # (Piper's and hibari's own noise makes each rendition a little different).
    same = np.abs(spectrum(alloy) - spectrum(spoken(voice, "echo"))).sum()
    apart = np.abs(spectrum(alloy) - spectrum(shimmer)).sum()
    print(f"spectral distance: same voice {same:.3f}, two voices {apart:.3f}")
    assert apart > 3 * same, (apart, same)
    # Both say the words.
    for pcm in (alloy, shimmer):
        heard = "".join(run(collect(voice.transcribe(pcm, language="en"))))
        assert heard_share(TEXT, heard) >= 0.7, heard
