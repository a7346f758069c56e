"""One response of a realtime session: provider deltas become items, content parts and deltas.

A :class:`ResponseRun` asks the run engine's provider (the same ``Provider.stream``
runs use) and announces what streams in OpenAI's order::

    response.created
    response.output_item.added -> conversation.item.created -> response.content_part.added
    response.text.delta* | response.audio_transcript.delta* + response.audio.delta*
    response.text.done | response.audio.done + response.audio_transcript.done
    response.content_part.done -> response.output_item.done
    (response.output_item.added ... response.function_call_arguments.delta* ... .done ...)
    response.done {usage} -> rate_limits.updated

Cancelling its task (``response.cancel``, a barge-in) closes every open part with
status ``incomplete`` and ends with ``response.done`` ``status: cancelled``.
"""

from __future__ import annotations

import asyncio
import base64
import logging
import re
from typing import Any, Callable, Optional, Protocol

from ...types.realtime_objects import BetaResponseObject
from ..errors import APIError
from ..ids import new_id
from ..providers.base import ChatRequest, Provider, ProviderError, prompt_budget
from .items import audio_part, function_call, message, text_part
from .remote import AudioServerError
from .voicekit import VoiceKit

log = logging.getLogger("openbeta.realtime")

class Conversation(Protocol):
    """What a response reads and writes of its session (``session.RealtimeSession``): a response runs
    inside a session and sees only this of it."""

    config: dict[str, Any]
    conversation_id: str
    model: str
    voice: VoiceKit
    provider: Callable[[], Provider]
    #: Counts the responses in progress (``inc``/``dec``), or ``None``.
    responses_gauge: Any

    def emit(self, kind: str, **fields: Any) -> None: ...

    def error(self, exc: APIError, event_id: Optional[str]) -> None: ...

    def context(self, input_items: Optional[list[dict[str, Any]]]) -> list[dict[str, Any]]: ...

    async def transcriptions_settled(self) -> None: ...

    def response_ended(self, run: "ResponseRun") -> None: ...

    def append_item(self, item: dict[str, Any]) -> Optional[str]: ...

    def previous_of(self, item_id: str) -> Optional[str]: ...

    async def room(self) -> None: ...

    def spoken(self, item_id: str, text: str, start_ms: int, end_ms: int) -> None: ...


#: Where text is cut into sentences for speech: after . ! ? (and closing quotes), or a line break.
_SENTENCE_END = re.compile(r"[.!?…]+[\"')\]]*\s+|\n+")
#: Longest text spoken as one piece: a longer run without a sentence end is cut at its last pause (a
#: comma, semicolon, colon or dash) or else its last space, so the memory the voice model needs (about
#: 1 MB a character) and the audio of one speech job (made ahead of a client that reads slowly) stay small.
MAX_SENTENCE_CHARS = 200
_PAUSE = re.compile(r"[,;:\u2013\u2014]\s|\s-\s")
#: The first piece of an answer's speech ends at its first clause (a pause mark after at least this many
#: words), not its first sentence, so speech starts sooner. Piper pauses at a cut about as long as at
#: the same comma inside a sentence (its trailing and leading quiet: about 300 ms against 300 to 440 ms,
#: bench/README.md), so the seam sounds like the comma it is.
MIN_CLAUSE_WORDS = 3
#: pcm16 at 24 kHz: bytes per millisecond.
PCM_BYTES_PER_MS = 48


def _cut(text: str) -> tuple[str, str]:
    """The first piece of ``text`` to speak (at most ``MAX_SENTENCE_CHARS``, ending at its last pause or
    space), and the rest."""
    head = text[:MAX_SENTENCE_CHARS]
    pauses = [m.end() for m in _PAUSE.finditer(head)]
    cut = pauses[-1] if pauses and pauses[-1] > MAX_SENTENCE_CHARS // 2 else head.rfind(" ") + 1
    cut = cut or MAX_SENTENCE_CHARS
    return text[:cut], text[cut:]


def first_clause(text: str) -> int:
    """Where the first clause of ``text`` ends (after its pause mark and space), or 0: the first pause mark
    with at least ``MIN_CLAUSE_WORDS`` words before it."""
    for match in _PAUSE.finditer(text):
        if len(text[:match.start()].split()) >= MIN_CLAUSE_WORDS:
            return match.end()
    return 0


def item_text(item: dict[str, Any]) -> str:
    """What a message item says, for the model: text, or the transcript of its audio."""
    parts = []
    for part in item.get("content") or []:
        kind = part.get("type")
        if kind in ("input_text", "text"):
            parts.append(part.get("text") or "")
        elif kind in ("input_audio", "audio"):
            parts.append(part.get("transcript") or "")
    return "".join(parts)


def chat_messages(instructions: Optional[str], items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Conversation items as chat-completions messages."""
    messages: list[dict[str, Any]] = [{"role": "system", "content": instructions}] if instructions else []
    for item in items:
        kind = item.get("type")
        if kind == "message":
            messages.append({"role": item.get("role") or "user", "content": item_text(item)})
        elif kind == "function_call":
            call = {"id": item.get("call_id"), "type": "function",
                    "function": {"name": item.get("name"), "arguments": item.get("arguments") or ""}}
            last = messages[-1] if messages else None
            if last is not None and last["role"] == "assistant" and last.get("tool_calls") and not last["content"]:
                last["tool_calls"].append(call)
            else:
                messages.append({"role": "assistant", "content": None, "tool_calls": [call]})
        elif kind == "function_call_output":
            messages.append({"role": "tool", "tool_call_id": item.get("call_id"), "content": item.get("output") or ""})
    return messages


def truncate(request: ChatRequest, items: list[dict[str, Any]], instructions: Optional[str],
             provider: Provider) -> None:
    """``truncation: auto``: drop the oldest items (never the instructions; a call's output goes with its
    call) until the prompt leaves room for the reply in the model's context, when the provider knows
    its context size (the embedded model does; an upstream server answers for itself)."""
    context = provider.context_size
    if not context:
        return
    budget = prompt_budget(context, request.max_tokens)
    while len(items) > 1 and provider.count_tokens(request) > budget:
        items = items[1:]
        while len(items) > 1 and items[0].get("type") == "function_call_output":
            items = items[1:]
        request.messages = chat_messages(instructions, items)


def chat_tools(tools: list[dict[str, Any]], choice: Any) -> tuple[list[dict[str, Any]], Any]:
    """Realtime function tools and ``tool_choice`` in chat-completions form."""
    out = [{"type": "function", "function": {k: v for k, v in {
        "name": t.get("name"), "description": t.get("description"), "parameters": t.get("parameters")}.items()
        if v is not None}} for t in tools or [] if t.get("type", "function") == "function"]
    if not out:
        return [], None
    if isinstance(choice, dict):
        choice = {"type": "function", "function": {"name": choice.get("name") or choice.get("function", {}).get("name")}}
    elif isinstance(choice, str) and choice not in ("auto", "none", "required"):
        choice = {"type": "function", "function": {"name": choice}}
    return out, choice or "auto"


def usage_object(input_tokens: int, output_tokens: int, audio_tokens: int = 0) -> dict[str, Any]:
    return {
        "total_tokens": input_tokens + output_tokens, "input_tokens": input_tokens, "output_tokens": output_tokens,
        "input_token_details": {"text_tokens": input_tokens, "audio_tokens": 0, "cached_tokens": 0,
                                "cached_tokens_details": {"text_tokens": 0, "audio_tokens": 0}},
        "output_token_details": {"text_tokens": output_tokens - audio_tokens, "audio_tokens": audio_tokens},
    }


class _Open:
    """The output item being streamed."""

    def __init__(self, item: dict[str, Any], index: int, part: Optional[dict[str, Any]] = None) -> None:
        self.item = item
        self.index = index
        self.part = part
        self.text = ""
        self.unspoken = ""
        self.spoke = False  # a piece of its text has been spoken (the first may end at a clause)
        self.audio_ms = 0


class ResponseRun:
    def __init__(self, session: Conversation, params: dict[str, Any]) -> None:
        self.session = session
        self.id = new_id("resp_")
        config = session.config
        self.modalities: list[str] = params.get("modalities") or config.get("modalities") or ["text"]
        self.audio = "audio" in self.modalities
        self.instructions = params.get("instructions", config.get("instructions"))
        self.voice = params.get("voice") or config.get("voice")
        self.output_format = params.get("output_audio_format") or config.get("output_audio_format") or "pcm16"
        self.tools = params.get("tools", config.get("tools")) or []
        self.tool_choice = params.get("tool_choice", config.get("tool_choice"))
        self.temperature = params.get("temperature", config.get("temperature"))
        self.max_tokens = params.get("max_response_output_tokens", config.get("max_response_output_tokens", "inf"))
        self.in_conversation = params.get("conversation") in (None, "auto")
        self.metadata = params.get("metadata")
        self.input = params.get("input")
        self.output: list[dict[str, Any]] = []
        self.status = "in_progress"
        self.status_details: Optional[dict[str, Any]] = None
        self.usage: Optional[dict[str, Any]] = None
        self.cancel_reason = "client_cancelled"
        self.task: Optional[asyncio.Task[None]] = None
        self._open: Optional[_Open] = None
        self._calls: dict[int, _Open] = {}
        self._closed: set[int] = set()
        self._sent = 0
        self._audio_tokens = 0
        #: Milliseconds of audio this response has sent (its playback time, for the idle timeout).
        self.audio_ms = 0

    # ------------------------------------------------------------ wire objects

    def object(self) -> dict[str, Any]:
        """The response as the beta protocol sends it (the GA codec reshapes it)."""
        return BetaResponseObject(
            object="realtime.response", id=self.id, status=self.status, status_details=self.status_details,
            output=self.output, conversation_id=self.session.conversation_id if self.in_conversation else None,
            modalities=self.modalities, voice=self.voice, output_audio_format=self.output_format,
            temperature=self.temperature, max_output_tokens=self.max_tokens, usage=self.usage,
            metadata=self.metadata).to_dict()

    def emit(self, kind: str, **fields: Any) -> None:
        self.session.emit(kind, **fields)

    # ------------------------------------------------------------ the run

    def start(self) -> None:
        self.task = asyncio.create_task(self.run())
        gauge = self.session.responses_gauge
        if gauge is not None:
            gauge.inc()
            self.task.add_done_callback(lambda _task: gauge.dec())

    async def cancel(self, reason: str) -> None:
        """Stop generation and speech now; returns when ``response.done`` has been sent."""
        if self.task is None or self.task.done():
            return
        self.cancel_reason = reason
        self.task.cancel()
        await asyncio.gather(self.task, return_exceptions=True)

    def _request(self, provider: Provider) -> ChatRequest:
        """The provider's request. Its messages are the session's instructions and items in conversation order,
        so each turn's prompt begins with the whole of the last one: a provider that keeps the model's state
        for a prompt it has read (the embedded model's saved prompt states) reads only the new turn, until
        ``truncation`` drops the oldest items to fit the model's context. Nothing else should reorder or
        rewrite earlier messages between turns."""
        items = self.session.context(self.input)
        tools, choice = chat_tools(self.tools, self.tool_choice)
        request = ChatRequest(model=self.session.model, messages=chat_messages(self.instructions, items), tools=tools,
                              tool_choice=choice, temperature=self.temperature,
                              max_tokens=None if self.max_tokens in (None, "inf") else int(self.max_tokens))
        if self.session.config.get("truncation", "auto") == "auto":
            truncate(request, items, self.instructions, provider)
        return request

    async def run(self) -> None:
        request: Optional[ChatRequest] = None
        provider = None
        try:
            await self.session.transcriptions_settled()
            self.emit("response.created", response=self.object())
            provider = self.session.provider()
            request = self._request(provider)
            finish = None
            provider_usage = None
            stream = provider.stream(request)
            try:
                async for delta in stream:
                    if delta.text:
                        await self._text(delta.text)
                    for call in delta.tool_calls:
                        self._call(call)
                    if delta.finish_reason:
                        finish = delta.finish_reason
                    if delta.usage is not None:
                        provider_usage = delta.usage
            finally:
                close = getattr(stream, "aclose", None)
                if close is not None:
                    await close()
            await self._close_open(final=True)
            if provider_usage is not None:  # with the audio of the last sentence, spoken just now
                self.usage = usage_object(provider_usage.prompt_tokens, provider_usage.completion_tokens
                                          + self._audio_tokens, self._audio_tokens)
            if finish == "length":
                self.status, self.status_details = "incomplete", {"type": "incomplete", "reason": "max_output_tokens"}
            else:
                self.status = "completed"
        except asyncio.CancelledError:
            self._close_quietly()
            self.status = "cancelled"
            self.status_details = {"type": "cancelled", "reason": self.cancel_reason}
        except AudioServerError as exc:  # speech on the audio server failed: the response fails, and says why
            self._close_quietly()
            self.status = "failed"
            self.status_details = {"type": "failed", "error": {"type": "server_error", "code": "audio_server_error",
                                                               "message": str(exc)}}
            self.session.error(APIError(str(exc), type="server_error", code="audio_server_error"), None)
        except ProviderError as exc:
            self._close_quietly()
            self.status = "failed"
            self.status_details = {"type": "failed", "error": {"type": "server_error", "code": exc.code,
                                                               "message": exc.message}}
        except Exception as exc:  # a fault here ends this response, never the session
            log.exception("realtime response %s failed", self.id)
            self._close_quietly()
            self.status = "failed"
            self.status_details = {"type": "failed", "error": {"type": "server_error", "code": "server_error",
                                                               "message": f"The response failed: {exc}"}}
        finally:
            if self.status == "in_progress":  # cancelled before it started
                self.status = "cancelled"
                self.status_details = {"type": "cancelled", "reason": self.cancel_reason}
            if self.usage is None:
                prompt = 0
                if request is not None and provider is not None:
                    try:
                        prompt = provider.count_tokens(request)
                    except Exception:
                        prompt = 0
                self.usage = usage_object(prompt, self._sent + self._audio_tokens, self._audio_tokens)
            self.session.response_ended(self)

    # ------------------------------------------------------------ items

    def _add_item(self, item: dict[str, Any]) -> int:
        index = len(self.output)
        self.output.append(item)
        self.emit("response.output_item.added", response_id=self.id, output_index=index, item=item)
        if self.in_conversation:
            previous = self.session.append_item(item)
            self.emit("conversation.item.created", previous_item_id=previous, item=item)
        return index

    def _open_message(self) -> _Open:
        item = message(new_id("item_"), "assistant", [], status="in_progress")
        index = self._add_item(item)
        part = audio_part("audio", "") if self.audio else text_part("text", "")
        self.emit("response.content_part.added", response_id=self.id, item_id=item["id"], output_index=index,
                  content_index=0, part=part)
        opened = _Open(item, index, part)
        item["content"].append(part)
        return opened

    def _where(self, opened: _Open) -> dict[str, Any]:
        return {"response_id": self.id, "item_id": opened.item["id"], "output_index": opened.index,
                "content_index": 0}

    async def _text(self, text: str) -> None:
        await self.session.room()  # a client that reads slowly slows the response down
        if self._open is not None and self._open.item["type"] != "message":
            await self._close_open()
        if self._open is None:
            self._open = self._open_message()
        opened = self._open
        opened.text += text
        self._sent += 1
        if self.audio:
            opened.part["transcript"] = opened.text  # type: ignore[index]
            self.emit("response.audio_transcript.delta", **self._where(opened), delta=text)
            opened.unspoken += text
            while True:
                end = _SENTENCE_END.search(opened.unspoken)
                cut = end.end() if end is not None else 0
                if not opened.spoke:  # the first piece: its first clause will do, if that comes first
                    clause = first_clause(opened.unspoken)
                    cut = min(cut, clause) if cut and clause else cut or clause
                if not cut:
                    break
                sentence, opened.unspoken = opened.unspoken[:cut], opened.unspoken[cut:]
                await self._speak(opened, sentence)
            while len(opened.unspoken) > MAX_SENTENCE_CHARS:  # no sentence end in sight: cut at a pause
                sentence, opened.unspoken = _cut(opened.unspoken)
                await self._speak(opened, sentence)
        else:
            opened.part["text"] = opened.text  # type: ignore[index]
            self.emit("response.text.delta", **self._where(opened), delta=text)

    async def _speak(self, opened: _Open, sentence: str) -> None:
        """Synthesize ``sentence`` and send its audio; remember where it lies for truncation."""
        if not sentence.strip():
            return
        opened.spoke = True
        kit = self.session.voice
        start = opened.audio_ms
        async for chunk in kit.voice.synthesize(sentence.strip(), voice=self.voice,  # type: ignore[union-attr]
                                               speed=float(self.session.config.get("speed") or 1.0)):
            if not chunk:
                continue
            opened.audio_ms += len(chunk) // PCM_BYTES_PER_MS
            self.audio_ms += len(chunk) // PCM_BYTES_PER_MS
            self._audio_tokens += max(1, len(chunk) // (PCM_BYTES_PER_MS * 50))  # about one token per 50 ms
            data = kit.from_pcm16_24k(chunk, self.output_format)
            await self.session.room()
            self.emit("response.audio.delta", **self._where(opened), delta=base64.b64encode(data).decode())
        self.session.spoken(opened.item["id"], sentence, start, opened.audio_ms)

    def _call(self, call: Any) -> None:
        if call.index in self._closed:
            return  # a late fragment of a call already closed
        opened = self._calls.get(call.index)
        if opened is None:
            if self._open is not None:
                self._close_sync(self._open, "completed")
            # openbeta's own call id, never the provider's (some number their calls per response:
            # ``call_0`` again and again); the history sent back upstream carries it on both sides.
            item = function_call(new_id("item_"), call.name or "", new_id("call_"), "", status="in_progress")
            opened = _Open(item, self._add_item(item))
            self._calls[call.index] = opened
            self._open = opened
        if call.name and not opened.item["name"]:
            opened.item["name"] = call.name
        if call.arguments:
            self._sent += 1
            opened.item["arguments"] += call.arguments
            self.emit("response.function_call_arguments.delta", response_id=self.id, item_id=opened.item["id"],
                      output_index=opened.index, call_id=opened.item["call_id"], delta=call.arguments)

    async def _close_open(self, final: bool = False) -> None:
        opened = self._open
        if opened is None:
            return
        await self.session.room()  # its done events carry the whole text: they wait like its deltas
        if opened.item["type"] == "message" and self.audio and opened.unspoken:
            rest, opened.unspoken = opened.unspoken, ""
            await self._speak(opened, rest)
        self._close_sync(opened, "completed")

    def _close_quietly(self) -> None:
        if self._open is not None:
            self._close_sync(self._open, "incomplete")

    def _close_sync(self, opened: _Open, status: str) -> None:
        """The ``*.done`` events of an open item, in order."""
        item = opened.item
        if item["type"] == "message":
            where = self._where(opened)
            if self.audio:
                self.emit("response.audio.done", **where)
                self.emit("response.audio_transcript.done", **where, transcript=opened.text)
            else:
                self.emit("response.text.done", **where, text=opened.text)
            self.emit("response.content_part.done", **where, part=opened.part)
        else:
            self.emit("response.function_call_arguments.done", response_id=self.id, item_id=item["id"],
                      output_index=opened.index, call_id=item["call_id"], name=item["name"],
                      arguments=item["arguments"])
        item["status"] = status
        self.emit("response.output_item.done", response_id=self.id, output_index=opened.index, item=item)
        if self.in_conversation:
            self.emit("conversation.item.done", previous_item_id=self.session.previous_of(item["id"]), item=item)
        self._open = None
        self._closed.update(index for index, call in self._calls.items() if call is opened)


__all__ = ["ResponseRun", "chat_messages", "chat_tools", "item_text"]
