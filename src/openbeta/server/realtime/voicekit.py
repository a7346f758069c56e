"""Where realtime sessions meet the voice pipeline (VAD, speech-to-text, text-to-speech, audio formats).

The pipeline lives in :mod:`.voice` and :mod:`.audio`; a session sees it only
through a :class:`VoiceKit`: the app's ``Voice`` (or none) and the two format
conversions. Without the pipeline, :attr:`VoiceKit.available` is false and audio
requests get an ``error`` event that says why, while text sessions work.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any, AsyncIterator, Callable, Optional, Protocol

from .heard import Heard

log = logging.getLogger("openbeta.realtime")

INSTALL_HINT = "Install the voice pipeline with: pip install 'openbeta[voice]'."


class VadEventLike(Protocol):
    type: str  # "speech_started" | "speech_stopped"
    audio_ms: int  # ms since the session's first appended audio


class VadLike(Protocol):
    def feed(self, pcm16_24k: bytes) -> list[Any]: ...


class VoiceLike(Protocol):
    available: bool
    missing_reason: Optional[str]

    def vad(self, turn_detection: dict[str, Any]) -> VadLike: ...

    def transcribe(self, pcm16_24k: bytes, *, language: Optional[str] = None, prompt: Optional[str] = None,
                   logprobs: bool = False) -> AsyncIterator[Heard]: ...

    def synthesize(self, text: str, *, voice: Optional[str] = None, speed: float = 1.0) -> AsyncIterator[bytes]: ...


def _missing(_data: bytes, _fmt: str) -> bytes:
    raise ValueError("audio conversion is not installed")


@dataclass
class VoiceKit:
    voice: Optional[VoiceLike] = None
    #: ``to_pcm16_24k(data, fmt)``: session input (``pcm16``/``g711_ulaw``/``g711_alaw``) to pcm16 24 kHz mono.
    to_pcm16_24k: Callable[[bytes, str], bytes] = _missing
    #: ``from_pcm16_24k(pcm, fmt)``: pcm16 24 kHz mono to the session's output format.
    from_pcm16_24k: Callable[[bytes, str], bytes] = _missing
    reason: Optional[str] = None

    @property
    def available(self) -> bool:
        return self.voice is not None and bool(getattr(self.voice, "available", False))

    @property
    def missing_reason(self) -> str:
        """Why audio is unavailable, for the ``error`` event a session sends."""
        detail = (getattr(self.voice, "missing_reason", None) if self.voice is not None else None) or self.reason
        return f"Audio is not available on this server: {detail or 'the voice pipeline is not installed'}. " \
               f"{INSTALL_HINT} Text sessions work without it."


def load_voice_kit(settings: Any) -> VoiceKit:
    """The app's voice pipeline, or a kit without one when its modules or extra are missing."""
    try:
        from . import audio  # type: ignore[attr-defined]
    except ImportError as exc:
        return VoiceKit(reason=f"the voice pipeline is not installed ({exc})")
    try:
        voice = audio.get_voice(settings)
    except Exception as exc:  # a pipeline that cannot start leaves text sessions working
        log.warning("voice pipeline unavailable: %s", exc)
        return VoiceKit(reason=str(exc))
    return VoiceKit(voice=voice, to_pcm16_24k=audio.to_pcm16_24k, from_pcm16_24k=audio.from_pcm16_24k)
