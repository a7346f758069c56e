"""Audio formats of the realtime API, converted to and from pcm16 24 kHz mono.

The pipeline works on little-endian 16-bit PCM at 24 kHz, mono (the API's
``pcm16`` / ``audio/pcm``). G.711 (``g711_ulaw`` / ``audio/pcmu`` and
``g711_alaw`` / ``audio/pcma``) is 8 kHz telephone audio: it is decoded with
``audioop`` (the standard library up to Python 3.12, ``audioop-lts`` from 3.13 on)
and resampled with soxr.

:func:`to_pcm16_24k` and :func:`from_pcm16_24k` convert one buffer at a time,
with no state between calls: soxr's edge handling keeps 20 ms telephone chunks,
converted one by one, within about 50 dB of the same audio converted whole.
``get_voice`` (the voice pipeline's factory) is re-exported here.
"""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from .voice import Voice

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)  # Python 3.11-3.12 announce the removal
    import audioop

RATE = 24000
G711_RATE = 8000

#: Every accepted name (beta and GA) -> the canonical beta name.
FORMATS = {
    "pcm16": "pcm16",
    "audio/pcm": "pcm16",
    "g711_ulaw": "g711_ulaw",
    "audio/pcmu": "g711_ulaw",
    "g711_alaw": "g711_alaw",
    "audio/pcma": "g711_alaw",
}


def canonical_format(fmt: str) -> str:
    """``pcm16``, ``g711_ulaw`` or ``g711_alaw`` for any accepted name; ``ValueError`` otherwise."""
    try:
        return FORMATS[fmt]
    except (KeyError, TypeError):
        raise ValueError(f"Invalid audio format {fmt!r}: expected one of {', '.join(FORMATS)}.") from None


def _resample(pcm: bytes, rate_in: int, rate_out: int) -> bytes:
    import soxr

    samples = np.frombuffer(pcm, dtype="<i2")
    if not len(samples):
        return b""
    return soxr.resample(samples, rate_in, rate_out, quality="HQ").astype("<i2").tobytes()


def _check_pcm16(pcm: bytes) -> bytes:
    if len(pcm) % 2:
        raise ValueError("pcm16 audio must have an even number of bytes (16-bit samples).")
    return bytes(pcm)


def to_pcm16_24k(data: bytes, fmt: str) -> bytes:
    """Decode one buffer of ``fmt`` audio into pcm16 24 kHz mono."""
    kind = canonical_format(fmt)
    if kind == "pcm16":
        return _check_pcm16(data)
    linear = audioop.ulaw2lin(data, 2) if kind == "g711_ulaw" else audioop.alaw2lin(data, 2)
    return _resample(linear, G711_RATE, RATE)


def from_pcm16_24k(pcm: bytes, fmt: str) -> bytes:
    """Encode one buffer of pcm16 24 kHz mono as ``fmt`` audio."""
    kind = canonical_format(fmt)
    pcm = _check_pcm16(pcm)
    if kind == "pcm16":
        return pcm
    narrow = _resample(pcm, RATE, G711_RATE)
    return audioop.lin2ulaw(narrow, 2) if kind == "g711_ulaw" else audioop.lin2alaw(narrow, 2)


def duration_ms(pcm16_24k: bytes) -> int:
    """Length of pcm16 24 kHz audio in milliseconds."""
    return len(pcm16_24k) * 1000 // (2 * RATE)


def get_voice(settings: Any) -> "Voice":
    """The app's voice pipeline (see :mod:`.voice`)."""
    from .voice import get_voice as factory

    return factory(settings)
