"""A test double of the voice pipeline (``openbeta.server.realtime.voice`` / ``.audio``), same interface.

- VAD: a 10 ms frame with any non-zero sample is speech; speech stops after the turn detection's
  ``silence_duration_ms`` of zero frames. Like the real one (and OpenAI's ``audio_start_ms``), the
  start includes ``prefix_padding_ms``. With ``FakeVoice(pauses=True)`` it also tells the session of
  pauses inside speech as the real one does (``pause`` after ``PAUSE_MS`` of zero frames, ``speech_resumed``
  when sound comes back before the turn has ended).
- STT: yields the words of ``FakeVoice.transcript``, or of the next of ``FakeVoice.transcripts`` per call
  (and records the audio and the prompt it was given); with ``logprobs``, each word (its trailing space
  included) is one token whose log probability is ``-len(word) / 100``.
- TTS: 100 ms of a constant sample per word, ``tts_delay`` seconds before each chunk.
- Formats: ``pcm16`` passes through; ``g711_*`` "decode" one byte to one sample (recorded).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any, AsyncIterator, Optional

from openbeta.server.realtime.heard import Heard
from openbeta.server.realtime.voicekit import VoiceKit

FRAME = 480  # 10 ms of pcm16 at 24 kHz
PAUSE_MS = 100


@dataclass
class VadEvent:
    type: str
    audio_ms: int


class FakeVad:
    def __init__(self, turn_detection: dict[str, Any], pauses: bool = False) -> None:
        self.pauses = pauses
        self.paused = False
        self.silence_ms = int(turn_detection.get("silence_duration_ms") or 200)
        self.prefix_ms = int(turn_detection.get("prefix_padding_ms") or 0)
        self.ms = 0
        self.speaking = False
        self.quiet = 0
        self.rest = b""

    def feed(self, pcm: bytes) -> list[VadEvent]:
        events = []
        data = self.rest + pcm
        whole = len(data) - len(data) % FRAME
        self.rest = data[whole:]
        for start in range(0, whole, FRAME):
            loud = any(data[start:start + FRAME])
            if loud and not self.speaking:
                self.speaking, self.quiet = True, 0
                events.append(VadEvent("speech_started", max(0, self.ms - self.prefix_ms)))
            elif self.speaking and not loud:
                self.quiet += 10
                if self.quiet >= self.silence_ms:
                    self.speaking = self.paused = False
                    events.append(VadEvent("speech_stopped", self.ms + 10))
                elif self.pauses and not self.paused and self.quiet >= PAUSE_MS:
                    self.paused = True
                    events.append(VadEvent("pause", self.ms + 10 - self.quiet))
            elif loud:
                self.quiet = 0
                if self.paused:
                    self.paused = False
                    events.append(VadEvent("speech_resumed", self.ms))
            self.ms += 10
        return events


class FakeVoice:
    available = True
    missing_reason: Optional[str] = None

    def __init__(self, transcript: str = "hello there", tts_delay: float = 0.0, *, pauses: bool = False,
                 transcripts: Optional[list[str]] = None) -> None:
        self.transcript = transcript
        self.transcripts = list(transcripts or [])
        self.tts_delay = tts_delay
        self.pauses = pauses
        self.heard: list[bytes] = []
        self.prompts: list[Optional[str]] = []
        self.said: list[tuple[str, Optional[str], float]] = []

    def vad(self, turn_detection: dict[str, Any]) -> FakeVad:
        return FakeVad(turn_detection, self.pauses)

    async def transcribe(self, pcm16_24k: bytes, *, language: Optional[str] = None,
                         prompt: Optional[str] = None, logprobs: bool = False) -> AsyncIterator[Heard]:
        self.heard.append(pcm16_24k)
        self.prompts.append(prompt)
        words = (self.transcripts.pop(0) if self.transcripts else self.transcript).split(" ")
        for index, word in enumerate(words):
            text = word if index == len(words) - 1 else word + " "
            yield Heard(text, [(text.encode(), -len(word) / 100)] if logprobs else None)

    async def synthesize(self, text: str, *, voice: Optional[str] = None,
                         speed: float = 1.0) -> AsyncIterator[bytes]:
        self.said.append((text, voice, speed))
        for _ in text.split():
            if self.tts_delay:
                await asyncio.sleep(self.tts_delay)
            yield b"\x10\x00" * 2400


class Formats:
    def __init__(self) -> None:
        self.seen: list[tuple[str, str]] = []

    def to_pcm16_24k(self, data: bytes, fmt: str) -> bytes:
        self.seen.append(("in", fmt))
        if fmt == "pcm16":
            if len(data) % 2:
                raise ValueError("pcm16 audio has an even number of bytes")
            return data
        return b"".join(bytes([0, b]) for b in data)

    def from_pcm16_24k(self, pcm: bytes, fmt: str) -> bytes:
        self.seen.append(("out", fmt))
        return pcm if fmt == "pcm16" else pcm[1::2]


def voice_kit(voice: FakeVoice, formats: Optional[Formats] = None) -> VoiceKit:
    formats = formats or Formats()
    return VoiceKit(voice=voice, to_pcm16_24k=formats.to_pcm16_24k, from_pcm16_24k=formats.from_pcm16_24k)
