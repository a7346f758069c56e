"""Where runs become chat requests: instructions, thread messages, this run's tool calls.

Order: the system instructions, then the thread's messages oldest first (earlier
assistant replies included; for a response, the thread's items of every type, see
:func:`.items.items_to_chat`), then what this run has done so far (its messages
and tool calls with their outputs). A forced ``tool_choice`` applies until the
run has called a tool. A server tool whose call has given the model what it
needs (file_search with results) is no longer offered: the next turn answers
from the results instead of searching again. On the embedded model, a run whose only
tool is file_search searches before it first answers (under ``auto``): small local
models decide badly when to search; and a call that failed in a way the model may fix (code that
raised an error) is made once more, with the error in view, before the model answers.
``truncation_strategy`` drops the oldest
thread messages: ``last_messages`` keeps the newest N; ``auto`` drops as many as
``max_prompt_tokens`` needs (by the provider's ``count_tokens``). A response with ``truncation: auto``
drops the oldest items as its model's context needs (when the provider knows its context size), leaving
room for the reply; a tool output goes with the call it answers.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Optional

from ..providers.base import ChatRequest, Provider, ProviderError, prompt_budget
from ..tools.registry import RETRY_KEY, ServerTools
from .items import items_to_chat


class PromptTooLong(Exception):
    """Even truncated, the prompt exceeds ``max_prompt_tokens``."""


def _text(blocks: list[dict[str, Any]]) -> str:
    return "".join(b["text"]["value"] for b in blocks if b.get("type") == "text")


def chat_content(message: dict[str, Any]) -> Any:
    """A thread message's content in chat format: a string, or parts when images are present."""
    blocks = message.get("content") or []
    notes = [f"[attached file: {a['file_id']}]" for a in message.get("attachments") or [] if a.get("file_id")]
    if all(b.get("type") == "text" for b in blocks):
        return "\n".join([_text(blocks), *notes]) if notes else _text(blocks)
    parts: list[dict[str, Any]] = []
    for block in blocks:
        kind = block.get("type")
        if kind == "text":
            parts.append({"type": "text", "text": block["text"]["value"]})
        elif kind == "image_url":
            parts.append({"type": "image_url", "image_url": dict(block["image_url"])})
        elif kind == "image_file":
            parts.append({"type": "text", "text": f"[image file: {block['image_file']['file_id']}]"})
    parts.extend({"type": "text", "text": note} for note in notes)
    return parts


def step_messages(steps: list[dict[str, Any]], messages: dict[str, dict[str, Any]],
                  tools: ServerTools) -> list[dict[str, Any]]:
    """This run's work so far, as chat messages."""
    out: list[dict[str, Any]] = []
    for step in steps:
        details = step["step_details"]
        if details["type"] == "message_creation":
            message = messages.get(details["message_creation"]["message_id"])
            if message and message.get("content"):
                out.append({"role": "assistant", "content": _text(message["content"])})
            continue
        calls = [(c["id"], seen) for c in details["tool_calls"] if (seen := tools.replay(c))]
        if not calls:
            continue
        out.append({"role": "assistant", "content": None, "tool_calls": [
            {"id": call_id, "type": "function", "function": {"name": name, "arguments": arguments}}
            for call_id, (name, arguments, _) in calls]})
        out.extend({"role": "tool", "tool_call_id": call_id, "content": output}
                   for call_id, (_, _, output) in calls)
    return out


def response_format(value: Any) -> Optional[dict[str, Any]]:
    if isinstance(value, dict) and value.get("type") in ("json_object", "json_schema"):
        return value
    return None


def search_first(value: Any, steps: list[dict[str, Any]], run_tools: list[dict[str, Any]]) -> Any:
    """``auto`` becomes a forced file_search while the run has called no tool and file_search is its only tool."""
    if value in (None, "auto") and [t["type"] for t in run_tools] == ["file_search"] and \
            not any(s["step_details"]["type"] == "tool_calls" for s in steps):
        return {"type": "file_search"}
    return value


def retry(steps: list[dict[str, Any]], tools: ServerTools, run_tools: list[dict[str, Any]]) -> Optional[dict[str, Any]]:
    """The forced choice that asks again for a server tool whose call just failed in a way the model may
    fix (:data:`RETRY_KEY`: code that raised an error), once a run; ``None`` otherwise."""
    calls = [c for s in steps if s["step_details"]["type"] == "tool_calls" for c in s["step_details"]["tool_calls"]]
    last = steps[-1]["step_details"] if steps else {}
    if last.get("type") != "tool_calls" or not any(c.get(RETRY_KEY) for c in last["tool_calls"]) or \
            sum(1 for c in calls if c.get(RETRY_KEY)) > 1:
        return None
    kind = next(c["type"] for c in last["tool_calls"] if c.get(RETRY_KEY))
    return {"type": "function", "function": {"name": tools.function_name(run_tools, kind)}}


def tool_choice(value: Any, steps: list[dict[str, Any]], tools: ServerTools, run_tools: list[dict[str, Any]]) -> Any:
    """The chat ``tool_choice``; a forced one (``required`` or named) holds only until a tool was called.

    ``required`` means "call a tool before responding to the user": once this run
    has called tools, the model answers freely (``auto``) instead of calling again forever.
    Naming a server tool (``{"type": "file_search"}``) forces the function the model sees for it.
    """
    forced = value == "required" or isinstance(value, dict)
    if forced and any(s["step_details"]["type"] == "tool_calls" for s in steps):
        return "auto"
    if isinstance(value, dict):
        if value.get("type") == "function":
            return {"type": "function", "function": {"name": value["function"]["name"]}}
        return {"type": "function", "function": {"name": tools.function_name(run_tools, value["type"])}}
    return value


@dataclass
class Context:
    run: dict[str, Any]
    thread_messages: list[dict[str, Any]]
    steps: list[dict[str, Any]]

    def build(self, provider: Provider, tools: ServerTools, max_tokens: Optional[int]) -> ChatRequest:
        run = self.run
        own = {m["id"]: m for m in self.thread_messages if m.get("run_id") == run["id"]}
        earlier = [m for m in self.thread_messages if m.get("run_id") != run["id"]]
        if run.get("_history") == "items":  # a response: the thread's items, whatever their type
            history = items_to_chat(earlier, tools.replay)
        else:
            history = [{"role": m["role"], "content": chat_content(m)} for m in earlier]
        system = [{"role": "system", "content": run["instructions"]}] if run.get("instructions") else []
        tail = step_messages(self.steps, own, tools)
        strategy = run.get("truncation_strategy") or {"type": "auto"}
        if strategy.get("type") == "last_messages" and strategy.get("last_messages"):
            history = history[-strategy["last_messages"]:]
        hidden = tools.satisfied(self.steps)
        offered = tools.definitions(run["tools"], hidden=hidden)
        choice = run.get("tool_choice")
        again = None
        if provider.name == "local":
            choice = search_first(choice, self.steps, run["tools"])
            again = retry(self.steps, tools, run["tools"])
        request = ChatRequest(
            model=run["model"], messages=system + history + tail, tools=offered,
            tool_choice=again or (None if hidden and not offered else
                                  tool_choice(choice, self.steps, tools, run["tools"])),
            parallel_tool_calls=run.get("parallel_tool_calls", True),
            temperature=run.get("temperature"), top_p=run.get("top_p"), max_tokens=max_tokens,
            response_format=response_format(run.get("response_format")))
        limit = run.get("max_prompt_tokens")
        fits = "max_prompt_tokens"
        if limit is None and (run.get("_response") or {}).get("truncation") == "auto" and provider.context_size:
            limit, fits = prompt_budget(provider.context_size, max_tokens), "the model's context"
        if limit is None:
            return request
        while provider.count_tokens(request) > limit:
            if strategy.get("type") != "auto" or len(history) <= 1:
                if fits != "max_prompt_tokens":  # a response fails as the model would, had it been asked
                    raise ProviderError(f"Even with the oldest items dropped (truncation: auto), the prompt needs "
                                        f"more than the {limit} tokens the model's context leaves it.",
                                        code="invalid_prompt")
                raise PromptTooLong(f"The prompt needs more than {fits} ({limit}) tokens.")
            history = history[1:]
            while len(history) > 1 and history[0]["role"] == "tool":  # an output goes with its call
                history = history[1:]
            request.messages = system + history + tail
        return request
