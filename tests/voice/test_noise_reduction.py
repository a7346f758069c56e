"""Noise reduction on real speech: the Piper voice's question with white noise at 5 dB SNR comes out of
the denoiser as long as it went in, with the noise about 10 dB lower, the speech kept, and Whisper
still hearing the question."""

from __future__ import annotations

import numpy as np
import pytest

from voice_support import QUESTION, collect, heard_share, run

pytest.importorskip("webrtc_noise_gain")


def _db(samples: np.ndarray) -> float:
    return float(20 * np.log10(np.sqrt(np.mean(samples.astype(float) ** 2)) + 1e-9))


@pytest.mark.parametrize("kind", ["near_field", "far_field"])
def test_noise_goes_and_speech_stays(voice, spoken_question, kind):
    from openbeta.server.realtime.denoise import Denoiser

    speech = np.frombuffer(spoken_question, dtype="<i2").astype(float)
    lead = 24000  # one second of noise alone first
    clean = np.concatenate([np.zeros(lead), speech, np.zeros(12000)])
    level = np.sqrt(np.mean(speech ** 2)) / 10 ** (5 / 20)
    noisy = np.clip(clean + np.random.default_rng(7).standard_normal(len(clean)) * level,
                    -32768, 32767).astype("<i2")
    denoiser = Denoiser(kind)
    raw = noisy.tobytes()
    out = np.frombuffer(b"".join(denoiser.process(raw[i:i + 4800]) for i in range(0, len(raw), 4800)), dtype="<i2")
    assert len(out) == len(noisy)
    noise_only = slice(4800, lead)
    assert _db(out[noise_only]) <= _db(noisy[noise_only]) - 8
    spoken = slice(lead + 720, lead + 720 + len(speech))  # the cleaner's 30 ms delay
    assert _db(out[spoken]) >= _db(noisy[spoken]) - 3
    heard = "".join(run(collect(voice.transcribe(out.tobytes()))))
    assert heard_share(QUESTION, heard) >= 0.8, heard
