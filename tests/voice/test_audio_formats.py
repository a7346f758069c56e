"""pcm16 and G.711 (u-law, a-law) conversions at the edge of a realtime session."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("soxr")

from openbeta.server.realtime.audio import (StreamDecoder, StreamEncoder, canonical_format, duration_ms,
                                            from_pcm16_24k, to_pcm16_24k)

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
def test_streamed_g711_has_no_seams(fmt):
    """20 ms telephone chunks (as Twilio sends them) decode to the same audio as one buffer."""
    pcm = tone(1.0, freq=300.0)
    encoded = from_pcm16_24k(pcm, fmt)
    decoder = StreamDecoder(fmt)
    chunks = [decoder.feed(encoded[i:i + 160]) for i in range(0, len(encoded), 160)]
    streamed = b"".join(chunks) + decoder.feed(b"", last=True)
    assert abs(len(streamed) - len(pcm)) <= 2 * 48
    assert similarity(to_pcm16_24k(encoded, fmt), streamed) > 0.999

    encoder = StreamEncoder(fmt)
    out = b"".join(encoder.feed(pcm[i:i + 4800]) for i in range(0, len(pcm), 4800)) + encoder.feed(b"", last=True)
    assert abs(len(out) - len(encoded)) <= 16
    assert similarity(to_pcm16_24k(out, fmt), pcm) > 0.99
