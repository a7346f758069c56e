"""Noise suppression of a session's input audio (``input_audio_noise_reduction`` /
``audio.input.noise_reduction``), with WebRTC's audio processing (``webrtc-noise-gain``).

The input (pcm16 24 kHz) is resampled to 16 kHz, cleaned 10 ms at a time, and resampled back, so
voice activity detection, transcription and the model all hear the cleaned audio. ``near_field``
(a headset, a phone held close) suppresses moderately; ``far_field`` (a laptop or a room
microphone) suppresses harder and raises quiet speech with automatic gain.

The output of each call is exactly as long as its input (the pipeline's delay, about
:data:`DELAY_MS`, is a stretch of silence at the start), so the session's audio clock, and the
``audio_start_ms`` / ``audio_end_ms`` it reports, are unchanged.
"""

from __future__ import annotations

from typing import Optional

import numpy as np

RATE = 24000
INNER_RATE = 16000
FRAME = INNER_RATE // 100  # 10 ms at 16 kHz
#: The delay the output carries (resampling both ways and one 10 ms frame fit well inside it).
DELAY_MS = 30
#: ``type`` -> (noise suppression level 0-4, automatic gain target in dBFS; 0 turns gain off).
SETTINGS = {"near_field": (2, 0), "far_field": (3, 3)}


def unavailable() -> Optional[str]:
    """Why noise reduction cannot run here (``None``: it can)."""
    try:
        import soxr  # noqa: F401
        import webrtc_noise_gain  # noqa: F401
    except ImportError:
        return ("input_audio_noise_reduction needs the webrtc-noise-gain and soxr packages: "
                "pip install 'openbeta[voice]'.")
    return None


class Denoiser:
    """One session's noise suppressor: feed it the input audio in order, as it comes."""

    def __init__(self, kind: str) -> None:
        import soxr
        from webrtc_noise_gain import AudioProcessor

        level, gain = SETTINGS[kind]
        self.kind = kind
        self._processor = AudioProcessor(gain, level)
        self._down = soxr.ResampleStream(RATE, INNER_RATE, 1, dtype="int16", quality="HQ")
        self._up = soxr.ResampleStream(INNER_RATE, RATE, 1, dtype="int16", quality="HQ")
        self._inner = np.zeros(0, dtype=np.int16)  # 16 kHz samples short of a whole frame
        self._out = np.zeros(RATE * DELAY_MS // 1000, dtype=np.int16)  # cleaned audio not yet given out

    def process(self, pcm16: bytes) -> bytes:
        """The cleaned audio, as many bytes as ``pcm16``."""
        samples = np.frombuffer(pcm16, dtype="<i2")
        if not len(samples):
            return b""
        inner = np.concatenate([self._inner, self._down.resample_chunk(samples)])
        whole = len(inner) - len(inner) % FRAME
        cleaned = b"".join(self._processor.Process10ms(inner[i:i + FRAME].astype("<i2").tobytes()).audio
                           for i in range(0, whole, FRAME))
        self._inner = inner[whole:]
        if cleaned:
            up = self._up.resample_chunk(np.frombuffer(cleaned, dtype="<i2"))
            self._out = np.concatenate([self._out, up.astype(np.int16)])
        if len(self._out) < len(samples):  # not expected within DELAY_MS; never give out less than came in
            self._out = np.concatenate([np.zeros(len(samples) - len(self._out), dtype=np.int16), self._out])
        given, self._out = self._out[:len(samples)], self._out[len(samples):]
        return given.astype("<i2").tobytes()
