"""pcm16 and G.711 (u-law, a-law) conversions at the edge of a realtime session."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("soxr")

from openbeta.server.realtime.audio import canonical_format, duration_ms, from_pcm16_24k, to_pcm16_24k

RATE = 24000


def tone(seconds: float = 1.0, freq: float = 440.0, amplitude: float = 0.5) -> bytes:
    t = np.arange(int(RATE * seconds)) / RATE
    return (np.sin(2 * np.pi * freq * t) * amplitude * 32767).astype("<i2").tobytes()


def samples(pcm: bytes) -> np.ndarray:
    return np.frombuffer(pcm, dtype="<i2").astype(np.float64)


def similarity(a: bytes, b: bytes) -> float:
    x, y = samples(a), samples(b)
    n = min(len(x), len(y))
    x, y = x[200:n - 200], y[200:n - 200]  # the resampler's edges
    return float(np.dot(x, y) / (np.linalg.norm(x) * np.linalg.norm(y)))


@pytest.mark.parametrize("fmt", ["g711_ulaw", "g711_alaw", "audio/pcmu", "audio/pcma"])
def test_g711_round_trip(fmt):
    pcm = tone()
    encoded = from_pcm16_24k(pcm, fmt)
    assert len(encoded) == 8000  # one byte per 8 kHz sample
    decoded = to_pcm16_24k(encoded, fmt)
    assert abs(len(decoded) - len(pcm)) <= 2
    assert similarity(pcm, decoded) > 0.99


def test_ulaw_and_alaw_differ():
    pcm = tone(0.1)
    assert from_pcm16_24k(pcm, "g711_ulaw") != from_pcm16_24k(pcm, "g711_alaw")


@pytest.mark.parametrize("fmt", ["pcm16", "audio/pcm"])
def test_pcm16_passes_through(fmt):
    pcm = tone(0.05)
    assert to_pcm16_24k(pcm, fmt) == pcm
    assert from_pcm16_24k(pcm, fmt) == pcm


def test_bad_input():
    with pytest.raises(ValueError, match="Invalid audio format"):
        to_pcm16_24k(b"\0\0", "mp3")
    with pytest.raises(ValueError, match="even number of bytes"):
        to_pcm16_24k(b"\0\0\0", "pcm16")
    assert canonical_format("audio/pcmu") == "g711_ulaw"
    assert duration_ms(tone(0.5)) == 500


@pytest.mark.parametrize("fmt", ["g711_ulaw", "g711_alaw"])
def test_chunk_by_chunk_g711_matches_the_whole(fmt):
    """20 ms telephone chunks (as Twilio sends them), converted one by one, sound like the whole buffer."""
    pcm = tone(1.0, freq=300.0)
    encoded = from_pcm16_24k(pcm, fmt)
    whole = samples(to_pcm16_24k(encoded, fmt))
    chunked = samples(b"".join(to_pcm16_24k(encoded[i:i + 160], fmt) for i in range(0, len(encoded), 160)))
    assert len(chunked) == len(whole) == len(pcm) // 2
    snr_db = 10 * np.log10(np.sum(whole ** 2) / np.sum((whole - chunked) ** 2))
    assert snr_db > 40
    out = b"".join(from_pcm16_24k(pcm[i:i + 4800], fmt) for i in range(0, len(pcm), 4800))
    assert len(out) == len(encoded)
    assert similarity(to_pcm16_24k(out, fmt), pcm) > 0.99
