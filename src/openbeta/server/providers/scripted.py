"""A deterministic provider for protocol tests, driven by what the test sends.

Without a directive it echoes the last user message. A directive is a JSON
object after ``SCRIPT:`` in the last user message (or, failing that, in the
system instructions)::

    SCRIPT: {"text": "Hello there", "delay": 0.05}

Keys (all optional):

- ``text``: the reply, streamed one word (with its trailing space) per delta.
- ``tool_calls``: ``[{"name": "f", "arguments": {...} | "raw json"}, ...]``: call
  functions (streamed as chat-completion fragments, without ids); the finish
  reason is ``tool_calls``. Several entries are parallel calls.
- ``after_tools``: the reply once tool results are the newest messages; default:
  ``Tool outputs: <output>; <output>``. ``{marker}`` in it stands for the first
  citation marker (``【m:n†name】``) in those results, as a model citing them would copy it.
- ``usage``: ``{"prompt_tokens": n, "completion_tokens": m}`` to report instead of
  the counts (prompt: words in every message; completion: deltas sent).
- ``error``: ``{"message": "...", "code": "server_error"}``: raise
  :class:`ProviderError` after the text (if any) is streamed.
- ``delay``: seconds to sleep before each delta (slow streams for cancel tests).
- ``finish``: the finish reason to report instead (``"length"`` after tool calls:
  a model cut off while calling tools); ``length_cause``: ``"context"`` with it, a
  model whose context window filled up.
- ``reveal``: reply with the request itself as JSON (model, messages, tools,
  sampling options) so tests can see the context a run built; ``reveal_after_tools``:
  the same, once tool results are the newest messages.

``max_tokens`` cuts the reply to that many words with finish reason ``length``.
``tool_choice``: ``none`` suppresses tool calls; ``required`` or a named function
without a ``tool_calls`` directive calls that (or the first) function with ``{}``.
A ``json_object`` response format without a directive answers ``{"echo": "<last user text>"}``; a
``json_schema`` one an object of the schema's properties, each string the last user text (numbers 0,
booleans false, arrays and objects empty), or that same ``echo`` object when the schema names none.
"""

from __future__ import annotations

import asyncio
import json
import re
from typing import Any, AsyncIterator, Optional

from .base import ChatRequest, Delta, ProviderError, ToolCallDelta, Usage

MARKER = "SCRIPT:"
_WORDS = re.compile(r"\S+\s*|\s+")
_CITATION = re.compile(r"【[^】\n]*】")


def message_text(message: dict[str, Any]) -> str:
    content = message.get("content") or ""
    if isinstance(content, str):
        return content
    return "".join(part.get("text", "") for part in content if part.get("type") == "text")


def _directive(text: str) -> Optional[dict[str, Any]]:
    if MARKER not in text:
        return None
    raw = text.split(MARKER, 1)[1].strip()
    try:
        value, _ = json.JSONDecoder().raw_decode(raw)
    except ValueError as exc:
        raise ProviderError(f"scripted provider: bad directive: {exc}", code="invalid_prompt") from None
    return value if isinstance(value, dict) else None


def _last(messages: list[dict[str, Any]], role: str) -> Optional[dict[str, Any]]:
    return next((m for m in reversed(messages) if m.get("role") == role), None)


def _function_names(request: ChatRequest) -> list[str]:
    return [t["function"]["name"] for t in request.tools if t.get("type") == "function"]


class ScriptedProvider:
    name = "scripted"
    #: As the embedded model's default context (tokens are counted as words here).
    context_size: Optional[int] = 8192

    def count_tokens(self, request: ChatRequest) -> int:
        return sum(len(message_text(m).split()) + 1 for m in request.messages)

    async def models(self) -> list[str]:
        return ["scripted"]  # every name answers the same way

    def _script(self, request: ChatRequest) -> dict[str, Any]:
        user = _last(request.messages, "user")
        system = _last(request.messages, "system")
        script = (_directive(message_text(user)) if user else None) or \
            (_directive(message_text(system)) if system else None) or {}
        return dict(script)

    def _plan(self, request: ChatRequest) -> tuple[str, list[dict[str, Any]], dict[str, Any]]:
        """What to answer: (text, tool calls, the directive)."""
        script = self._script(request)
        if script.get("reveal"):
            return json.dumps(self._reveal(request)), [], script
        messages = request.messages
        if messages and messages[-1].get("role") == "tool":
            if script.get("reveal_after_tools"):
                return json.dumps(self._reveal(request)), [], script
            outputs = []
            for message in reversed(messages):
                if message.get("role") != "tool":
                    break
                outputs.insert(0, message_text(message))
            reply = script.get("after_tools", "Tool outputs: " + "; ".join(outputs))
            found = _CITATION.search("\n".join(outputs))
            return reply.replace("{marker}", found.group(0) if found else ""), [], script
        calls = list(script.get("tool_calls") or [])
        names = _function_names(request)
        choice = request.tool_choice
        if choice == "none":
            calls = []
        elif isinstance(choice, dict) and not calls:
            calls = [{"name": choice.get("function", {}).get("name"), "arguments": {}}]
        elif choice == "required" and not calls and names:
            calls = [{"name": names[0], "arguments": {}}]
        if calls and not request.parallel_tool_calls:
            calls = calls[:1]
        user = _last(messages, "user")
        text = script.get("text")
        if text is None:
            said = message_text(user) if user else ""
            fmt = (request.response_format or {}).get("type")
            text = json.dumps(_shaped(request.response_format, said)) if fmt in ("json_object", "json_schema") \
                else said
        return ("" if calls and "text" not in script else text), calls, script

    @staticmethod
    def _reveal(request: ChatRequest) -> dict[str, Any]:
        return {
            "model": request.model, "messages": request.messages,
            "tools": _function_names(request), "tool_choice": request.tool_choice,
            "parallel_tool_calls": request.parallel_tool_calls, "temperature": request.temperature,
            "top_p": request.top_p, "max_tokens": request.max_tokens,
            "response_format": request.response_format,
        }

    async def stream(self, request: ChatRequest) -> AsyncIterator[Delta]:
        text, calls, script = self._plan(request)
        delay = float(script.get("delay") or 0)
        words = _WORDS.findall(text)
        finish = "tool_calls" if calls else "stop"
        if request.max_tokens is not None and len(words) > request.max_tokens:
            words, calls, finish = words[: request.max_tokens], [], "length"
        sent = 0
        for word in words:
            if delay:
                await asyncio.sleep(delay)
            sent += 1
            yield Delta(text=word)
        if script.get("error"):
            error = script["error"]
            raise ProviderError(error.get("message", "scripted failure"), code=error.get("code", "server_error"))
        for index, call in enumerate(calls):
            args = call.get("arguments", {})
            args = args if isinstance(args, str) else json.dumps(args)
            if delay:
                await asyncio.sleep(delay)
            yield Delta(tool_calls=[ToolCallDelta(index=index, name=call["name"])])
            for start in range(0, len(args), 8):
                sent += 1
                yield Delta(tool_calls=[ToolCallDelta(index=index, arguments=args[start:start + 8])])
        usage = script.get("usage") or {}
        yield Delta(finish_reason=script.get("finish") or finish,  # type: ignore[arg-type]
                    length_cause=script.get("length_cause"),
                    usage=Usage(prompt_tokens=usage.get("prompt_tokens", self.count_tokens(request)),
                                completion_tokens=usage.get("completion_tokens", sent)))

    async def aclose(self) -> None:
        return None


_EMPTY = {"number": 0, "integer": 0, "boolean": False, "array": [], "object": {}, "null": None}


def _shaped(response_format: Any, said: str) -> dict[str, Any]:
    """The answer to a JSON response format: the schema's properties filled in (see the module's doc)."""
    schema = ((response_format or {}).get("json_schema") or {}).get("schema") or {}
    properties = schema.get("properties") if isinstance(schema, dict) else None
    if not isinstance(properties, dict) or not properties:
        return {"echo": said}
    kinds = {name: spec.get("type", "string") if isinstance(spec, dict) else "string"
             for name, spec in properties.items()}
    return {name: said if kind == "string" else _EMPTY.get(kind) for name, kind in kinds.items()}
