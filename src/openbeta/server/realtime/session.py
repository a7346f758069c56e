"""One realtime connection: a session actor that owns its configuration, conversation, input audio
buffer, its responses (at most one writing to the conversation; out-of-band ones run beside it) and
the idle timer of ``server_vad``'s ``idle_timeout_ms``.

Client events are handled one at a time in arrival order (``handle``); server events go
through one outgoing queue, so they reach the client in the order they were emitted. A
bad event answers an ``error`` event that echoes its ``event_id``; the session goes on.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import json
import logging
from typing import Any, Awaitable, Callable, Optional

from ..errors import APIError, InvalidRequest
from ..ids import DEFAULT_PROJECT_ID, new_id, now
from ..memory import release_memory
from ..providers.base import Provider
from ..sockets import SEND_TIMEOUT, Limits, Outbox
from ..validation import MAX_JSON_DEPTH, load_json, nesting_depth
from . import config as cfg
from . import heard, items
from .codec_beta import BetaCodec
from .denoise import Denoiser
from .remote import AudioServerError
from .voicekit import VoiceKit
from .responses import PCM_BYTES_PER_MS, ResponseRun
from .heard import Heard
from .transcriber import TurnTranscriber

log = logging.getLogger("openbeta.realtime")

#: Shortest audio a commit accepts, as the hosted API does.
MIN_COMMIT_MS = 100
#: Most pcm16 audio the input buffer holds (about 5.5 minutes at 24 kHz).
MAX_BUFFER_BYTES = 15 * 1024 * 1024
#: What ``rate_limits.updated`` reports: openbeta enforces none, so the buckets are always full.
UNLIMITED = 2_147_483_647


def _error(message: str, *, param: Optional[str] = None, code: Optional[str] = None) -> InvalidRequest:
    return InvalidRequest(message, param=param, code=code)


def _not_found(item_id: str, param: str = "item_id") -> InvalidRequest:
    return _error(f"Item with item_id not found: {item_id}", param=param, code="item_not_found")


class RealtimeSession:
    def __init__(self, *, codec: BetaCodec, config: dict[str, Any], provider: Callable[[], Provider],
                 voice: VoiceKit, model: str, max_seconds: float = cfg.SESSION_SECONDS,
                 project: str = DEFAULT_PROJECT_ID,
                 authorize: Optional[Callable[[], Awaitable[None]]] = None,
                 limits: Optional[Limits] = None, responses_gauge: Any = None) -> None:
        #: What the session may make the server hold (outbox, responses at once, a stalled send).
        self.limits = limits or Limits()
        #: Counts the responses in progress (``inc``/``dec``; ``/metrics``), if given.
        self.responses_gauge = responses_gauge
        self.codec = codec
        #: The project the session acts for: its key's, or the project of the key that minted its secret.
        self.project = project
        #: Checks, before each client event, that the key (or project) that opened the session still
        #: works; raises an ``APIError`` (a revoked key, an archived project) that ends the session.
        self.authorize = authorize
        self.config = config
        self.provider = provider
        self.voice = voice
        self.model = model
        self.id = new_id("sess_")
        self.conversation_id = new_id("conv_")
        self.max_seconds = max_seconds
        self.expires_at = now() + int(max_seconds)
        self.items: list[dict[str, Any]] = []
        self.active: Optional[ResponseRun] = None  # the response writing to the conversation
        self.out_of_band: set[ResponseRun] = set()  # ``conversation: "none"`` responses
        self.idle_timer: Optional[asyncio.TimerHandle] = None
        self.responded = False  # whether a conversation response has ended (the idle timer runs after one)
        self.idle_start_ms = 0  # session audio time when the idle timer was armed
        self.buffer = bytearray()
        self.buffer_start_ms = 0  # session audio time of buffer[0]
        self.audio_ms = 0  # session audio appended so far
        self.speech: Optional[tuple[str, int]] = None  # (item id, start ms) of speech VAD heard start
        self.vad: Any = None
        #: Questions to the end-of-turn model in flight (``semantic_vad``).
        self.asking: set[asyncio.Future[None]] = set()
        #: The spoken turn being transcribed while it is spoken: (its item id, its transcriber).
        self.turn: Optional[tuple[str, TurnTranscriber]] = None
        self.denoiser: Any = None  # the input's noise suppressor, while noise reduction is on
        self.transcriptions: dict[str, asyncio.Task[None]] = {}
        self.speech_segments: dict[str, list[tuple[str, int, int]]] = {}  # item id -> (text, start, end ms)
        #: Server events waiting for the writer, and their size: bounded by ``limits`` (see :meth:`emit`).
        self.outbox = Outbox(self.limits)
        #: Set when the session must end now (its outbox overflowed, a send stalled): the reason.
        self.ending: Optional[tuple[int, str]] = None
        self._end = asyncio.Event()
        self.closed = False
        self.received = 0  # client events handled
        self._handlers: dict[str, Callable[[dict[str, Any]], Awaitable[None]]] = {
            "session.update": self.on_session_update,
            "transcription_session.update": self.on_transcription_session_update,
            "input_audio_buffer.append": self.on_append,
            "input_audio_buffer.commit": self.on_commit,
            "input_audio_buffer.clear": self.on_clear,
            "output_audio_buffer.clear": self.on_output_clear,
            "conversation.item.create": self.on_item_create,
            "conversation.item.retrieve": self.on_item_retrieve,
            "conversation.item.delete": self.on_item_delete,
            "conversation.item.truncate": self.on_item_truncate,
            "response.create": self.on_response_create,
            "response.cancel": self.on_response_cancel,
        }

    # ------------------------------------------------------------ output

    def emit(self, kind: str, **fields: Any) -> None:
        """Queue a server event (rendered now, so later changes to its objects do not leak into it).

        The outbox is bounded (``limits.outbox_bytes``, ``limits.outbox_events``): responses wait for
        room before each delta (:meth:`room`), so a client that reads slowly slows them down; an
        event that would pass the bound all the same (a client that does not read at all while it
        keeps sending events) ends the session: an ``error`` event, then the close (1008).
        """
        if self.closed or self.ending is not None:
            return
        event = self.codec.encode(kind, fields)
        if event is None:
            return
        text = json.dumps(event)
        if not self.outbox.fits(text):
            self.end(1008, "outbox full", _error(
                f"The client is not reading the server's events: {self.outbox.queue.qsize()} events "
                f"({self.outbox.bytes} bytes) wait to be sent, the most a session may hold. The session is closed.",
                code="outbox_full"))
            return
        self.outbox.put(text)

    async def room(self) -> None:
        """Wait until the outbox is below half its bounds (responses call this before each delta)."""
        await self.outbox.room()

    def end(self, code: int, reason: str, error: Optional[APIError] = None) -> None:
        """End the session now: ``error`` (sent past the outbox's bound, as its last event), then the
        close with ``code``; the serve loop stops every response, transcription and model call."""
        if self.ending is not None or self.closed:
            return
        self.ending = (code, reason)
        if error is not None:
            self.outbox.put(json.dumps(self.codec.encode("error", {"error": {
                "type": error.type, "code": error.code, "message": error.message, "param": error.param,
                "event_id": None}})))
        log.warning("realtime session=%s ends: %s", self.id, reason)
        self._end.set()

    def error(self, exc: APIError, event_id: Optional[str]) -> None:
        self.emit("error", error={"type": exc.type, "code": exc.code, "message": exc.message, "param": exc.param,
                                  "event_id": event_id})

    def session_object(self) -> dict[str, Any]:
        return self.codec.session(self.config, session_id=self.id, expires_at=self.expires_at)

    # ------------------------------------------------------------ the connection

    async def serve(self, websocket: Any) -> None:
        """Run the session on an accepted Starlette ``WebSocket`` until either side closes, or the session
        ends (its time is up, its key revoked, its outbox overflowed, a send stalled). However it ends,
        every response, transcription, speech and model call of the session stops, and its queues go."""
        writer = asyncio.create_task(self._write(websocket))
        ending = asyncio.create_task(self._end.wait())
        started = asyncio.get_running_loop().time()
        downgraded = cfg.wants_audio(self.config) and not self.voice.available
        if downgraded:  # e.g. a key minted for audio: the session starts text only, and says why
            self.config = cfg.apply(self.config, {"modalities": ["text"]})
        self.emit(self.codec.created_event(self.config), session=self.session_object())
        if self.config.get("kind") != "transcription":  # "emitted right after session creation"
            self.emit("conversation.created", conversation={"id": self.conversation_id,
                                                            "object": "realtime.conversation"})
        if downgraded:
            self.error(_error(self.voice.missing_reason + " This session is text only.", param="session.modalities",
                              code="audio_unavailable"), None)
        ends = started + self.max_seconds
        try:
            while True:
                receive = asyncio.ensure_future(websocket.receive())
                done, _ = await asyncio.wait({receive, ending, writer},
                                             timeout=max(0.0, ends - asyncio.get_running_loop().time()),
                                             return_when=asyncio.FIRST_COMPLETED)
                if receive not in done:
                    receive.cancel()
                    await asyncio.gather(receive, return_exceptions=True)
                    if writer in done and self.ending is None:  # the client is gone
                        break
                    if self.ending is None:  # the session's time is up
                        minutes = self.max_seconds / 60
                        self.end(1000, "session expired", APIError(
                            f"Your session hit the maximum duration of {minutes:g} minutes.",
                            type="invalid_request_error", code="session_expired"))
                    await self._finish(websocket, writer)
                    return
                message = receive.result()
                if message["type"] == "websocket.disconnect":
                    break
                text = message.get("text")
                if text is None:
                    self.error(_error("Binary frames are not supported: send each client event as a JSON text "
                                      "frame.", code="invalid_json"), None)
                    continue
                if self.authorize is not None:
                    try:
                        await self.authorize()
                    except APIError as exc:  # the key was revoked or its project archived: as at the handshake
                        self.end(1008, exc.message[:120], exc)
                        continue
                await self.handle(text)
        finally:
            ending.cancel()
            log.info("realtime session=%s project=%s protocol=%s model=%s kind=%s events=%d seconds=%.1f",
                     self.id, self.project, self.codec.name, self.model, self.config.get("kind"), self.received,
                     asyncio.get_running_loop().time() - started)
            await self._stop(writer)

    async def _stop(self, writer: "asyncio.Task[None]") -> None:
        """Stop the session's work, let the writer send what is queued (a few seconds at most), free the rest."""
        await self.close()
        self.outbox.finish()
        try:
            await asyncio.wait_for(writer, timeout=5)
        except (asyncio.TimeoutError, Exception):
            writer.cancel()
        self.outbox.drop()
        release_memory()  # the session's events and audio, freed, go back to the system

    async def _finish(self, websocket: Any, writer: "asyncio.Task[None]") -> None:
        """The session ends from this side: stop its work, send what is queued (its last event says
        why) for a few seconds at most, and close the socket with the code :meth:`end` chose."""
        code, reason = self.ending or (1000, "")
        await self._stop(writer)
        try:
            await asyncio.wait_for(websocket.close(code=code, reason=reason), timeout=5)
        except Exception:  # the client is gone, or does not read even the close
            pass

    async def _write(self, websocket: Any) -> None:
        """Send queued events in order; a send that stalls past ``limits.send_timeout`` (a client
        that stopped reading) ends the session."""
        if await self.outbox.write(websocket) == SEND_TIMEOUT:
            self.end(1008, "send timeout")

    async def close(self) -> None:
        self.disarm_idle()
        self.outbox.release()  # nothing waits for room any more
        for run in [self.active, *self.out_of_band]:
            if run is not None:
                await run.cancel("client_cancelled")
        self._drop_turn()
        for task in [*self.asking, *self.transcriptions.values()]:
            task.cancel()
        await asyncio.gather(*self.transcriptions.values(), return_exceptions=True)
        self.closed = True

    async def handle(self, text: str) -> None:
        """One client frame: parse, validate, dispatch; an ``error`` event for anything wrong."""
        self.received += 1
        try:  # NaN, Infinity and numbers past a 64-bit float are refused in every event, as on REST
            data = load_json(text, invalid_code="invalid_json")
        except APIError as exc:
            self.error(exc, None)
            return
        if not isinstance(data, dict):
            self.error(_error("A client event must be a JSON object.", code="invalid_json"), None)
            return
        if nesting_depth(data) > MAX_JSON_DEPTH:
            self.error(_error(f"The event nests objects and arrays more than {MAX_JSON_DEPTH} levels deep.",
                              code="invalid_value"), None)
            return
        event_id = data.get("event_id") if isinstance(data.get("event_id"), str) else None
        try:
            kind, fields = self.codec.decode(data)
            await self._handlers[kind](fields)
        except APIError as exc:
            self.error(exc, event_id)
        except Exception:  # a fault answers one error event; the session goes on
            log.exception("realtime event %s failed", data.get("type"))
            self.error(APIError("The server had an error while processing your request. Sorry about that!",
                                code="server_error"), event_id)

    # ------------------------------------------------------------ session

    def _require_voice(self, param: Optional[str] = None) -> None:
        if not self.voice.available:
            raise _error(self.voice.missing_reason, param=param, code="audio_unavailable")

    async def on_session_update(self, fields: dict[str, Any]) -> None:
        await self._update(fields, "session.update")

    async def on_transcription_session_update(self, fields: dict[str, Any]) -> None:
        if self.config.get("kind") != "transcription":
            raise _error("transcription_session.update is only valid in a transcription session (connect with "
                         "intent=transcription); use session.update.", param="type", code="invalid_value")
        await self._update(fields, "transcription_session.update")

    async def _update(self, fields: dict[str, Any], client_kind: str) -> None:
        changes = self.codec.session_in(fields["session"], transcription=self.config.get("kind") == "transcription")
        if changes.get("kind", self.config.get("kind")) != self.config.get("kind"):
            raise _error(f"Cannot change the session's type from '{self.config.get('kind')}' to "
                         f"'{changes.get('kind')}'.", param="session.type", code="invalid_value")
        if "audio" in (changes.get("modalities") or []):
            self._require_voice("session.modalities")
        old_detection = self.config.get("turn_detection")
        self.config = cfg.apply(self.config, changes)
        if self.config.get("turn_detection") != old_detection:
            self.vad = None
            self._drop_turn()
        self.emit(self.codec.updated_event(self.config, client_kind), session=self.session_object())

    # ------------------------------------------------------------ input audio

    def _decode_audio(self, audio: str, fmt: str, param: str) -> bytes:
        try:
            data = base64.b64decode(audio, validate=True)
        except (binascii.Error, ValueError):
            raise _error("Invalid 'audio': expected base64-encoded audio.", param=param,
                         code="invalid_value") from None
        try:
            pcm = self.voice.to_pcm16_24k(data, fmt)
        except ValueError as exc:
            raise _error(f"Invalid 'audio': it is not {fmt} audio ({exc}).", param=param,
                         code="invalid_value") from None
        return pcm

    def _denoise(self, pcm: bytes) -> bytes:
        """The input audio through the session's noise suppressor, when noise reduction is on."""
        kind = (self.config.get("input_audio_noise_reduction") or {}).get("type")
        if kind is None:
            self.denoiser = None
            return pcm
        if self.denoiser is None or self.denoiser.kind != kind:
            self.denoiser = Denoiser(kind)
        return self.denoiser.process(pcm)

    async def on_append(self, fields: dict[str, Any]) -> None:
        self._require_voice("audio")
        pcm = self._denoise(self._decode_audio(fields["audio"], self.config["input_audio_format"], "audio"))
        if len(self.buffer) + len(pcm) > MAX_BUFFER_BYTES:
            raise _error(f"The input audio buffer is full ({MAX_BUFFER_BYTES} bytes of pcm16): commit or clear it.",
                         param="audio", code="input_audio_buffer_full")
        self.buffer.extend(pcm)
        self.audio_ms += len(pcm) // PCM_BYTES_PER_MS
        detection = self.config.get("turn_detection")
        if not detection:
            return
        if self.vad is None:
            self.vad = self.voice.voice.vad(detection)  # type: ignore[union-attr]
        for event in self.vad.feed(pcm):
            await self._vad_event(event, detection)

    async def _vad_event(self, event: Any, detection: dict[str, Any]) -> None:
        """One turn event of the session's detector (or of the end-of-turn model, through it)."""
        if event.type == "pause":  # silence inside the turn: the speculative final pass starts
            if self.turn is not None:
                turn = self.turn[1]
                turn.pause(self._audio(turn.committed_ms, self.audio_ms), self.audio_ms)
            self._ask_end_of_turn(detection)
            return
        if event.type == "still_paused":  # semantic_vad: the pause goes on, the end-of-turn model is asked again
            self._ask_end_of_turn(detection)
            return
        if event.type == "speech_resumed":  # not the end: that pass is a piece of the prefix, or dropped
            if self.turn is not None:
                self.turn[1].resumed()
            return
        if event.type == "speech_started":
            self.disarm_idle()
            item_id = new_id("item_")
            self.speech = (item_id, int(event.audio_ms))
            self._drop_turn()
            self.turn = (item_id, TurnTranscriber(self._stt_text, int(event.audio_ms),
                                                  prompt=(self.config.get("input_audio_transcription")
                                                          or {}).get("prompt")))
            self.emit("input_audio_buffer.speech_started", audio_start_ms=int(event.audio_ms), item_id=item_id)
            if self.active is not None and self.active.in_conversation and detection.get("interrupt_response",
                                                                                          True):
                await self.active.cancel("turn_detected")
        elif event.type == "speech_stopped":
            item_id, start_ms = self.speech or (new_id("item_"), self.buffer_start_ms)
            self.speech = None
            self.emit("input_audio_buffer.speech_stopped", audio_end_ms=int(event.audio_ms), item_id=item_id)
            # The turn: from speech_started's audio_start_ms, which includes prefix_padding_ms
            # (silence before that is dropped).
            try:
                self._commit(item_id, start_ms=start_ms)
            except InvalidRequest:  # a blip too short to be a turn: dropped, as the hosted API does
                self._drop_turn()
                self.buffer.clear()
                self.buffer_start_ms = self.audio_ms
                self._rearm_idle()
                return
            if detection.get("create_response", True) and self.active is None \
                    and self.config.get("kind") != "transcription":
                self._start(ResponseRun(self, {}))
            else:
                self._rearm_idle()

    def _ask_end_of_turn(self, detection: dict[str, Any]) -> None:
        """``semantic_vad`` with the end-of-turn model: ask it, off the event loop, whether the speaker has
        finished; if so (and the pause goes on), the turn ends now rather than after the longest silence."""
        vad, voice = self.vad, self.voice.voice
        threshold = getattr(getattr(vad, "params", None), "turn_threshold", None)
        ask = getattr(voice, "end_of_turn", None)
        if threshold is None or ask is None:
            return
        pause, audio = vad.pauses, vad.recent_audio()

        async def run() -> None:
            try:
                probability = await ask(audio)
                if probability is None or probability < threshold or self.closed or self.vad is not vad:
                    return
                event = vad.end_turn(pause)
                if event is not None:
                    await self._vad_event(event, detection)
            except asyncio.CancelledError:
                raise
            except Exception:  # the turn then ends after the longest silence, as without the model
                log.exception("realtime session=%s: the end-of-turn check failed", self.id)

        task = asyncio.ensure_future(run())
        self.asking.add(task)
        task.add_done_callback(self.asking.discard)

    def _audio(self, start_ms: int, end_ms: int) -> bytes:
        """The buffered audio between two session times (ms)."""
        first = max(0, start_ms - self.buffer_start_ms) * PCM_BYTES_PER_MS
        return bytes(self.buffer[first:max(0, end_ms - self.buffer_start_ms) * PCM_BYTES_PER_MS])

    def _drop_turn(self) -> None:
        if self.turn is not None:
            self.turn[1].close()
            self.turn = None

    def _wants_logprobs(self) -> bool:
        """Whether the session's ``include`` asks for the transcription's log probabilities."""
        return heard.INCLUDE in (self.config.get("include") or ())

    async def _stt_text(self, pcm: bytes, prompt: Optional[str]) -> Heard:
        """One pass of speech to text over ``pcm`` (on the voice pipeline's thread), for a turn's transcriber."""
        language = (self.config.get("input_audio_transcription") or {}).get("language")
        return heard.join([delta async for delta in self.voice.voice.transcribe(  # type: ignore[union-attr]
            pcm, language=language, prompt=prompt, logprobs=self._wants_logprobs())])

    def _commit(self, item_id: str, *, start_ms: Optional[int] = None, idle: bool = False) -> None:
        pcm = bytes(self.buffer)
        first_ms = self.buffer_start_ms  # session time of pcm[0]
        if start_ms is not None and start_ms > self.buffer_start_ms:
            pcm = pcm[(start_ms - self.buffer_start_ms) * PCM_BYTES_PER_MS:]
            first_ms = start_ms
        length_ms = len(pcm) / PCM_BYTES_PER_MS
        if length_ms < MIN_COMMIT_MS and not idle:
            raise _error(f"Error committing input audio buffer: buffer too small. Expected at least {MIN_COMMIT_MS}ms "
                         f"of audio, but buffer only has {length_ms:.2f}ms of audio.",
                         code="input_audio_buffer_commit_empty")
        self.disarm_idle()
        self.buffer.clear()
        self.buffer_start_ms = self.audio_ms
        previous = self.items[-1]["id"] if self.items else None
        item = items.message(item_id, "user", [items.audio_part("input_audio", None)])
        self.emit("input_audio_buffer.committed", previous_item_id=previous, item_id=item_id)
        if self.config.get("kind") != "transcription":
            self.append_item(item)
            self.emit("conversation.item.created", previous_item_id=previous, item=item)
            self.emit("conversation.item.done", previous_item_id=previous, item=item)
        turn = None
        if self.turn is not None:
            turn = self.turn[1] if self.turn[0] == item_id and start_ms == self.turn[1].start_ms else None
            if turn is None:
                self._drop_turn()
            self.turn = None
        if pcm:
            self._transcribe(item, pcm, turn, first_ms)
        else:  # the silence an idle timeout commits: nothing to transcribe
            if turn is not None:
                turn.close()
            item["content"][0]["transcript"] = ""

    def _transcribe(self, item: dict[str, Any], pcm: bytes, turn: Optional[TurnTranscriber] = None,
                    start_ms: int = 0) -> None:
        self.transcriptions[item["id"]] = asyncio.create_task(self._transcription(item, pcm, turn, start_ms))

    async def _transcription(self, item: dict[str, Any], pcm: bytes, turn: Optional[TurnTranscriber],
                             start_ms: int) -> None:
        """The committed turn's transcript: what its transcriber made while it was spoken and the last
        stretch (a spoken turn), or one pass over the whole audio (a manual commit)."""
        settings = self.config.get("input_audio_transcription")
        tell = settings is not None or self.config.get("kind") == "transcription"
        settings = settings or {}
        logprobs = self._wants_logprobs()
        text = ""
        # With logprobs: every delta's tokens, in order (None once a delta came without them).
        tokens: Optional[list[heard.Token]] = []
        if turn is not None:
            deltas = turn.finish(lambda ms: pcm[max(0, ms - start_ms) * PCM_BYTES_PER_MS:])
        else:
            deltas = self.voice.voice.transcribe(pcm, language=settings.get("language"),  # type: ignore[union-attr]
                                                 prompt=settings.get("prompt"), logprobs=logprobs)
        try:
            async for delta in deltas:
                text += delta
                found = heard.tokens_of(delta)
                tokens = None if tokens is None or found is None else [*tokens, *found]
                if tell and delta:
                    self.emit("conversation.item.input_audio_transcription.delta", item_id=item["id"],
                              content_index=0, delta=str(delta),
                              **({"logprobs": heard.wire(found)} if logprobs else {}))
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            log.warning("transcription of %s failed: %s", item["id"], exc)
            if isinstance(exc, AudioServerError):  # the session hears of it even without transcription events
                self.error(APIError(str(exc), type="server_error", code="audio_server_error"), None)
            if tell:
                self.emit("conversation.item.input_audio_transcription.failed", item_id=item["id"], content_index=0,
                          error={"type": "server_error", "code": "transcription_failed", "message": str(exc),
                                 "param": None})
            return
        finally:
            self.transcriptions.pop(item["id"], None)
            if turn is not None:
                turn.close()
        item["content"][0]["transcript"] = text
        if tell:
            self.emit("conversation.item.input_audio_transcription.completed", item_id=item["id"], content_index=0,
                      transcript=text, **({"logprobs": heard.wire(tokens)} if logprobs else {}),
                      usage={"type": "duration", "seconds": round(len(pcm) / 48000, 3)})

    async def transcriptions_settled(self) -> None:
        """Wait for the transcripts a response's context needs (a text model reads them)."""
        while True:
            pending = [task for task in self.transcriptions.values() if not task.done()]
            if not pending:
                return
            await asyncio.gather(*pending, return_exceptions=True)

    async def on_commit(self, fields: dict[str, Any]) -> None:
        self._require_voice()
        self.speech = None
        self._drop_turn()
        self._commit(new_id("item_"))

    async def on_clear(self, fields: dict[str, Any]) -> None:
        self._drop_turn()
        self.buffer.clear()
        self.buffer_start_ms = self.audio_ms
        self.speech = None
        self.emit("input_audio_buffer.cleared")

    async def on_output_clear(self, fields: dict[str, Any]) -> None:
        raise _error("output_audio_buffer.clear is only supported on WebRTC and SIP connections; on a WebSocket, "
                     "send response.cancel and conversation.item.truncate.", code="invalid_value", param="type")

    # ------------------------------------------------------------ conversation

    def append_item(self, item: dict[str, Any]) -> Optional[str]:
        previous = self.items[-1]["id"] if self.items else None
        self.items.append(item)
        return previous

    def previous_of(self, item_id: str) -> Optional[str]:
        for index, item in enumerate(self.items):
            if item["id"] == item_id:
                return self.items[index - 1]["id"] if index else None
        return None

    def find(self, item_id: str) -> Optional[dict[str, Any]]:
        return next((item for item in self.items if item["id"] == item_id), None)

    def context(self, input_items: Optional[list[dict[str, Any]]]) -> list[dict[str, Any]]:
        """The items a response reads: the conversation, or the response's own ``input``."""
        if input_items is None:
            return list(self.items)
        out = []
        for given in input_items:
            if given.get("type") == "item_reference":
                found = self.find(given.get("id") or "")
                if found is not None:
                    out.append(found)
            else:
                out.append(given)
        return out

    def _normal_item(self, given: dict[str, Any], param: str = "item") -> dict[str, Any]:
        """A client item, checked, in stored form (audio bytes are not kept on the item)."""
        kind = given.get("type", "message")
        item_id = given.get("id") or new_id("item_")
        if kind == "item_reference":
            raise _error("Items of type 'item_reference' can only be used in a response's 'input'.",
                         param=f"{param}.type", code="invalid_value")
        if kind == "message":
            role = given.get("role")
            if role is None:
                raise _error(f"Missing required parameter: '{param}.role'.", param=f"{param}.role",
                             code="missing_required_parameter")
            allowed = {"system": ("input_text",), "user": ("input_text", "input_audio"),
                       "assistant": ("text", "audio")}[role]
            content = []
            for index, part in enumerate(given.get("content") or []):
                where = f"{param}.content[{index}]"
                if part["type"] not in allowed:
                    raise _error(f"Invalid value: '{part['type']}'. Supported values for role '{role}' are: "
                                 + ", ".join(f"'{a}'" for a in allowed) + ".", param=f"{where}.type",
                                 code="invalid_value")
                if part["type"] in ("input_text", "text"):
                    content.append(items.text_part(part["type"], part.get("text") or ""))
                else:
                    content.append({**items.audio_part(part["type"], part.get("transcript")),
                                    "_audio": part.get("audio"), "_where": where})
            return items.message(item_id, role, content)
        if kind == "function_call":
            if not given.get("name"):
                raise _error(f"Missing required parameter: '{param}.name'.", param=f"{param}.name",
                             code="missing_required_parameter")
            return items.function_call(item_id, given["name"], given.get("call_id") or new_id("call_"),
                                       given.get("arguments") or "")
        for key in ("call_id", "output"):
            if given.get(key) is None:
                raise _error(f"Missing required parameter: '{param}.{key}'.", param=f"{param}.{key}",
                             code="missing_required_parameter")
        return items.function_call_output(item_id, given["call_id"], given["output"])

    async def on_item_create(self, fields: dict[str, Any]) -> None:
        item = self._normal_item(fields["item"])
        if self.find(item["id"]) is not None:
            raise _error(f"Item with id '{item['id']}' already exists in the conversation.", param="item.id",
                         code="invalid_value")
        if item["type"] == "function_call_output" and not any(
                i.get("type") == "function_call" and i.get("call_id") == item["call_id"] for i in self.items):
            raise _error(f"Tool call with call_id '{item['call_id']}' not found in conversation.",
                         param="item.call_id", code="invalid_value")
        audio_parts = []
        for part in item.get("content", []):
            audio, where = part.pop("_audio", None), part.pop("_where", None)
            if part["type"] in ("input_audio", "audio") and audio and part.get("transcript") is None:
                self._require_voice(f"{where}.audio")
                audio_parts.append((part, self._decode_audio(audio, self.config["input_audio_format"],
                                                             f"{where}.audio")))
        position = len(self.items)
        previous_id = fields.get("previous_item_id")
        if previous_id == "root":
            position = 0
        elif previous_id is not None:
            found = next((i for i, it in enumerate(self.items) if it["id"] == previous_id), None)
            if found is None:
                raise _error(f"Item with previous_item_id not found: {previous_id}", param="previous_item_id",
                             code="item_not_found")
            position = found + 1
        self.items.insert(position, item)
        previous = self.items[position - 1]["id"] if position else None
        self.emit("conversation.item.created", previous_item_id=previous, item=item)
        self.emit("conversation.item.done", previous_item_id=previous, item=item)
        for index, (part, pcm) in enumerate(audio_parts):
            key = f"{item['id']}#{index}"
            self.transcriptions[key] = asyncio.create_task(self._part_transcription(key, part, pcm))

    async def _part_transcription(self, key: str, part: dict[str, Any], pcm: bytes) -> None:
        """The transcript of audio a client put in an item (what a text model reads of it)."""
        text = ""
        try:
            async for delta in self.voice.voice.transcribe(pcm):  # type: ignore[union-attr]
                text += delta
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            log.warning("transcription of an item's audio failed: %s", exc)
        finally:
            self.transcriptions.pop(key, None)
        part["transcript"] = text

    async def on_item_retrieve(self, fields: dict[str, Any]) -> None:
        item = self.find(fields["item_id"])
        if item is None:
            raise _not_found(fields["item_id"])
        self.emit("conversation.item.retrieved", item=item)

    async def on_item_delete(self, fields: dict[str, Any]) -> None:
        item = self.find(fields["item_id"])
        if item is None:
            raise _not_found(fields["item_id"])
        self.items.remove(item)
        self.speech_segments.pop(item["id"], None)
        self.emit("conversation.item.deleted", item_id=item["id"])

    def spoken(self, item_id: str, text: str, start_ms: int, end_ms: int) -> None:
        """A response spoke ``text`` as audio from ``start_ms`` to ``end_ms`` of item ``item_id``."""
        self.speech_segments.setdefault(item_id, []).append((text, start_ms, end_ms))

    async def on_item_truncate(self, fields: dict[str, Any]) -> None:
        item_id, index, end_ms = fields["item_id"], fields["content_index"], fields["audio_end_ms"]
        item = self.find(item_id)
        if item is None:
            raise _not_found(item_id)
        content = item.get("content") or []
        if item.get("type") != "message" or item.get("role") != "assistant" or index >= len(content) \
                or content[index].get("type") != "audio":
            raise _error("Only the audio content of an assistant message can be truncated.", param="content_index",
                         code="invalid_value")
        segments = self.speech_segments.get(item_id, [])
        total = segments[-1][2] if segments else 0
        if end_ms > total:
            raise _error(f"Audio content of {total}ms is already shorter than {end_ms}ms", param="audio_end_ms",
                         code="invalid_value")
        kept: list[tuple[str, int, int]] = []
        for text, start, end in segments:
            if end <= end_ms:
                kept.append((text, start, end))
            elif start < end_ms:  # the sentence being played: keep the share of its words that was heard
                words = text.split()
                heard = int(len(words) * (end_ms - start) / max(1, end - start))
                kept.append((" ".join(words[:heard]), start, end_ms))
                break
            else:
                break
        self.speech_segments[item_id] = kept
        content[index]["transcript"] = " ".join(text.strip() for text, _, _ in kept if text.strip())
        self.emit("conversation.item.truncated", item_id=item_id, content_index=index, audio_end_ms=end_ms)

    # ------------------------------------------------------------ responses

    async def on_response_create(self, fields: dict[str, Any]) -> None:
        if self.config.get("kind") == "transcription":
            raise _error("A transcription session does not create responses.", param="type", code="invalid_value")
        params = fields.get("response") or {}
        if self.active is not None and params.get("conversation") in (None, "auto"):
            # Only one response writes to the conversation at a time; out-of-band ones run beside it.
            raise _error(f"Conversation already has an active response in progress: {self.active.id}. Wait until "
                         f"the response is finished before creating a new one.",
                         code="conversation_already_has_active_response")
        running = len(self.out_of_band) + (self.active is not None)
        if running >= self.limits.max_responses:
            raise _error(f"This session has {running} responses in progress, the most it may run at once: wait "
                         f"for one to finish (response.done) or cancel one.", code="too_many_responses")
        modalities = params.get("modalities") or self.config.get("modalities") or []
        if "audio" in modalities:
            self._require_voice("response.modalities" if "modalities" in params else "session.modalities")
        if params.get("conversation") not in (None, "auto", "none"):
            raise _error(f"Invalid value: '{params['conversation']}'. Supported values are: 'auto' and 'none'.",
                         param="response.conversation", code="invalid_value")
        if params.get("input") is not None:
            params["input"] = [self._normal_item(item, f"response.input[{i}]")
                               if item.get("type") != "item_reference" else item
                               for i, item in enumerate(params["input"])]
            for item in params["input"]:
                for part in item.get("content") or []:
                    part.pop("_audio", None), part.pop("_where", None)
        self._start(ResponseRun(self, params))

    def _start(self, run: ResponseRun) -> None:
        if run.in_conversation:
            self.disarm_idle()
            self.active = run
        else:
            self.out_of_band.add(run)
        run.start()

    def response_ended(self, run: ResponseRun) -> None:
        self.emit("response.done", response=run.object())
        self.emit("rate_limits.updated", rate_limits=[
            {"name": "requests", "limit": UNLIMITED, "remaining": UNLIMITED, "reset_seconds": 0.0},
            {"name": "tokens", "limit": UNLIMITED, "remaining": UNLIMITED, "reset_seconds": 0.0}])
        self.out_of_band.discard(run)
        if self.active is run:
            self.active = None
            self.responded = True
            self.arm_idle(run.audio_ms)

    async def on_response_cancel(self, fields: dict[str, Any]) -> None:
        wanted = fields.get("response_id")
        if wanted:  # any running response, out-of-band ones included
            run = next((r for r in [self.active, *self.out_of_band] if r is not None and r.id == wanted), None)
        else:  # the response writing to the conversation
            run = self.active
        if run is None:
            raise _error("Cancellation failed: no active response found", code="response_cancel_not_active")
        await run.cancel("client_cancelled")

    # ------------------------------------------------------------ idle timeout

    def _idle_timeout_ms(self) -> Optional[int]:
        detection = self.config.get("turn_detection") or {}
        if self.config.get("kind") != "realtime" or detection.get("type") != "server_vad":
            return None
        return detection.get("idle_timeout_ms")

    def arm_idle(self, playback_ms: int) -> None:
        """After a conversation response: time out ``idle_timeout_ms`` after its audio has played."""
        self.disarm_idle()
        timeout_ms = self._idle_timeout_ms()
        if timeout_ms is None or self.closed or self.speech is not None:  # no timeout, or the user is speaking
            return
        self.idle_start_ms = self.audio_ms + playback_ms
        self.idle_timer = asyncio.get_running_loop().call_later((playback_ms + timeout_ms) / 1000, self._idle)

    def _rearm_idle(self) -> None:
        """Speech ended without a response to wait for: the silence is timed again from now."""
        if self.responded and self.active is None:
            self.arm_idle(0)

    def disarm_idle(self) -> None:
        if self.idle_timer is not None:
            self.idle_timer.cancel()
            self.idle_timer = None

    def _idle(self) -> None:
        """The idle timeout fired: commit what the buffer holds (silence) as the user's turn, and answer it."""
        self.idle_timer = None
        if self.closed or self._idle_timeout_ms() is None or self.active is not None or self.speech is not None:
            return
        item_id = new_id("item_")
        self.emit("input_audio_buffer.timeout_triggered", audio_start_ms=min(self.idle_start_ms, self.audio_ms),
                  audio_end_ms=self.audio_ms, item_id=item_id)
        self._commit(item_id, idle=True)
        if (self.config.get("turn_detection") or {}).get("create_response", True):
            self._start(ResponseRun(self, {}))


__all__ = ["RealtimeSession"]
