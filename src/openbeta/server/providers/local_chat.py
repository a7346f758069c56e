"""How a chat request becomes generations on a local model (blocking, one request).

* No tools (or ``tool_choice: none``): one generation, constrained by
  ``response_format`` when it asks for JSON.
* ``tool_choice: required`` or a named function: the call MUST come, so the name
  (when more than one is allowed) and then the arguments are generated under
  grammars built from the tools' JSON schemas.
* ``tool_choice: auto``: the model sees the tools and answers freely; if it opens
  a ``<tool_call>``, or begins its reply with a call written without the tag (bare
  JSON ``{"name": ...`` or ``{{"name": ...``, or a fenced json block), the name it
  writes is read and the arguments are finished under the function's grammar. Text
  before a tag is the message content. (With a JSON ``response_format`` the reply
  follows the format and no call is made.) Small models call tools where none is
  needed, so under ``auto`` a call is kept only when it is plausible: the function
  it names is offered, and its argument values share at least one word with what
  the model was given (the messages, the tool definitions); a call to a made-up
  function or with made-up arguments ("London" for "What is 12 times 12?") is
  dropped and the model answers in text with the tools hidden.

One call per reply: ``parallel_tool_calls`` allows several, a local model makes one.
One round of calls per answer: once tool results are the newest messages, the model
answers from them with the tools hidden, and the calls and results are shown to it
as plain text (small models otherwise repeat the call they see instead of answering).
A reply without ``max_tokens`` gets ``default_budget`` tokens; the context window
filling up is reported as such (``length_cause="context"``); a reply that repeats
itself is stopped by the loop guard and ends as it stands.
"""

from __future__ import annotations

import json
import re
from dataclasses import replace
from typing import Any, Callable, Optional

from ..ids import new_id
from .base import ChatRequest, Delta, FinishReason, ToolCallDelta, Usage
from .chat_template import TOOL_CALL_OPEN, content_text
from .llama_model import Generation, LlamaModel, Sampling
from .prompt_cache import PromptCache
from .tool_grammar import arguments_schema, forced_names, functions, name_schema, response_schema, tools_offered

__all__ = ["LlamaModel", "PromptCache", "answer", "prompt_for"]

DEFAULT_SAMPLING = Sampling()
#: A reply written from tool results, when the request sets no temperature: it must carry the results'
#: values exactly, and at the default temperature the 0.5B model restated 2**64 wrongly in 2 of 10 answers
#: to the README's code example (bench/README.md).
RESULTS_SAMPLING = Sampling(temperature=0.2)
#: How a reply that is a tool call without the tag begins (whitespace removed). Qwen2.5's template shows
#: the call as ``{{"name": ...}}``, and models copy it.
CALL_OPENERS = tuple(lead + brace + '"name":' for lead in ("", "```json", "```") for brace in ("{", "{{")) \
    + (TOOL_CALL_OPEN,)
#: The function name a call begins with, once written out.
CALL_NAME = re.compile(r'\s*(?:```(?:json)?\s*)?\{\{?\s*"name"\s*:\s*"((?:[^"\\]|\\.)*)"')
#: A call whose name is not out after this many characters is given one by the grammar.
NAME_WITHIN = 200
WORD = re.compile(r"\w+")


class CallSniffer:
    """Holds back the start of a reply while it may still be a tool call written without the tag.

    ``decided`` becomes ``"call"`` (the held text is dropped; the call is generated
    under grammars instead) or ``"text"`` (the held text is passed on, and all after it).
    After ``"call"`` it reads on until the function's name is written: ``name`` is
    that name (``""`` when none came within ``NAME_WITHIN`` characters), and ``done``
    says generation may stop.
    """

    def __init__(self, emit: Callable[[str], None], decided: Optional[str] = None) -> None:
        self.emit = emit
        self.held = ""
        self.decided = decided
        self.name: Optional[str] = None

    @property
    def done(self) -> bool:
        return self.decided == "call" and self.name is not None

    def feed(self, piece: str) -> None:
        if self.decided == "text":
            self.emit(piece)
            return
        self.held += piece
        if self.decided is None:
            squeezed = "".join(self.held.split())
            if any(squeezed.startswith(opener) for opener in CALL_OPENERS):
                self.decided = "call"
            elif squeezed and not any(opener.startswith(squeezed) for opener in CALL_OPENERS):
                self.decided = "text"
                self.emit(self.held)
                self.held = ""
                return
        if self.decided == "call" and self.name is None:
            found = CALL_NAME.match(self.held)
            if found:
                try:
                    self.name = json.loads(f'"{found.group(1)}"')
                except ValueError:
                    self.name = ""
            elif len(self.held) > NAME_WITHIN:
                self.name = ""

    def flush(self) -> None:
        if self.decided != "call" and self.held:
            self.emit(self.held)
            self.held = ""


def _values(value: Any) -> list[str]:
    """The string and number leaves of a JSON value (not its keys)."""
    if isinstance(value, dict):
        return [leaf for item in value.values() for leaf in _values(item)]
    if isinstance(value, list):
        return [leaf for item in value for leaf in _values(item)]
    if isinstance(value, bool) or value is None:
        return []
    return [str(value)]


def grounded(request: ChatRequest, arguments: str) -> bool:
    """Whether a call's argument values share a word with what the model was given (its messages and
    the tool definitions); a call without values to check counts as grounded."""
    try:
        words = {w for leaf in _values(json.loads(arguments or "{}")) for w in WORD.findall(leaf.lower())}
    except ValueError:
        return True
    if not words:
        return True
    given = " ".join([content_text(m.get("content")) for m in request.messages] + [json.dumps(request.tools)])
    return not words.isdisjoint(WORD.findall(given.lower()))


RESULTS_NOTE = "Answer the question above from these tool results."
RETRY_NOTE = "That did not work: fix the error above and try again.\nThe task: {question}"
#: After the results, the question again: small models answer what they read last, and without "with their
#: numbers" they answer a yes/no question with a bare "Yes." (bench/README.md).
QUESTION_NOTE = ("Question: {question}\nAnswer it in one or two sentences of your own, with the facts these results "
                 "give (numbers, names).")


def code_of_call(arguments: str) -> Optional[str]:
    """The code of a call to a code function (arguments ``{"code": "..."}``), else ``None``."""
    try:
        data = json.loads(arguments or "{}")
    except ValueError:
        return None
    return data["code"] if isinstance(data, dict) and list(data) == ["code"] and isinstance(data["code"], str) \
        else None


def result_text(call: dict[str, Any], output: str) -> str:
    """A call and its result as the model reads them back: code as code, other calls as ``name(arguments)``."""
    code = code_of_call(call.get("arguments") or "")
    if code is not None:
        return f"Ran:\n```{fence_language(call.get('name', ''))}\n{code.rstrip()}\n```\nOutput:\n{output}"
    return f"{call.get('name', 'tool')}({call.get('arguments') or '{}'}) returned:\n{output}"


def after_tools(request: ChatRequest) -> ChatRequest:
    """The request as the model sees it: once tool results are the newest messages, each call with
    its result becomes plain text in a user message, and the tools are hidden; unless a call is
    forced (a retry after a failed one: see runs/context.py), which keeps them and asks for it again."""
    messages = request.messages
    if not messages or messages[-1].get("role") != "tool":
        return request
    calls = {c.get("id"): c.get("function") or {} for m in messages for c in m.get("tool_calls") or []}
    out: list[dict] = []
    results: list[str] = []
    asked = [content_text(m.get("content")).strip() for m in messages if m.get("role") == "user"]
    question = asked[-1] if asked else ""
    retry = forced_names(request) is not None
    if retry:
        note = RETRY_NOTE.format(question=question) if question else RETRY_NOTE.split("\n")[0]
    else:
        note = QUESTION_NOTE.format(question=question) if question else RESULTS_NOTE
    for message in messages:
        if message.get("role") == "assistant" and message.get("tool_calls"):
            if message.get("content"):
                out.append({"role": "assistant", "content": message["content"]})
            continue
        if message.get("role") == "tool":
            results.append(result_text(calls.get(message.get("tool_call_id"), {}),
                                       content_text(message.get("content"))))
            continue
        if results:
            out.append({"role": "user", "content": "\n\n".join(results + [RESULTS_NOTE])})
            results = []
        out.append(message)
    out.append({"role": "user", "content": "\n\n".join(results + [note])})
    return replace(request, messages=out) if retry else replace(request, messages=out, tool_choice="none")


def prompt_for(model: LlamaModel, request: ChatRequest) -> str:
    request = after_tools(request)
    offered = list(functions(request).values()) if tools_offered(request) else []
    return model.render(request.messages, offered)


def answer(model: LlamaModel, request: ChatRequest, emit: Callable[[Delta], None],
           cancelled: Callable[[], bool], default_budget: Optional[int] = None) -> None:
    """Generate the reply to ``request``, emitting deltas; the last one has finish reason and usage.

    A cancelled reply ends without that last delta.
    """
    default = RESULTS_SAMPLING if request.messages and request.messages[-1].get("role") == "tool" \
        else DEFAULT_SAMPLING
    request = after_tools(request)
    prompt = prompt_for(model, request)
    prompt_tokens = len(model.tokenize(prompt))
    sampling = Sampling(
        temperature=default.temperature if request.temperature is None else request.temperature,
        top_p=default.top_p if request.top_p is None else request.top_p,
    )
    if request.max_tokens is not None:
        budget = request.max_tokens
    else:
        budget = default_budget or model.context_size
    used = 0
    cut: list[Generation] = []  # generations that ran out of room

    said: list[str] = []

    def text(piece: str) -> None:
        said.append(piece)
        emit(Delta(text=piece))

    def generate(prefix: str, on_text: Callable[[str], None], stop_early: Callable[[], bool] = cancelled,
                 **options) -> Generation:
        nonlocal used
        result = model.generate(prefix, max_tokens=budget - used, sampling=sampling, emit=on_text,
                                cancelled=stop_early, **options)
        used += result.tokens
        if result.reason in ("length", "context"):
            cut.append(result)
        return result

    names = forced_names(request)
    finish: FinishReason = "stop"
    call_prefix = prompt
    chosen_freely = False  # the model chose to call (under auto): the call is checked before it is kept
    if names is None:
        schema = response_schema(request.response_format)
        calls = tools_offered(request) and schema is None
        sniffer = CallSniffer(text)
        reply = generate(prompt, sniffer.feed if calls else text, schema=schema,
                         stop=(TOOL_CALL_OPEN,) if calls else (), loop_guard=schema is None,
                         stop_early=lambda: cancelled() or sniffer.done)
        if calls and not (sniffer.decided == "call" or cancelled()):
            sniffer.flush()
            if reply.reason == "stop" and reply.stopped_by == TOOL_CALL_OPEN and not cut:
                # read the name the model writes after the tag
                call_prefix = prompt + reply.text
                sniffer = CallSniffer(lambda _piece: None, decided="call")
                generate(call_prefix + TOOL_CALL_OPEN + "\n", sniffer.feed, loop_guard=False,
                         stop_early=lambda: cancelled() or sniffer.done)
        elif not calls:
            sniffer.flush()
        if calls and sniffer.decided == "call" and not cancelled():
            chosen_freely = True
            offered = list(functions(request))
            names = [sniffer.name] if sniffer.name in offered else offered if not sniffer.name else []
    made_up = chosen_freely and not names
    if names and not cancelled() and not cut:
        call_id = new_id("call_")

        def announce(name: str) -> None:
            emit(Delta(tool_calls=[ToolCallDelta(index=0, id=call_id, name=name)]))

        def argument(piece: str) -> None:
            emit(Delta(tool_calls=[ToolCallDelta(index=0, arguments=piece)]))

        # a forced call streams as it is written; one the model chose is checked first, then sent whole
        streamed = not chosen_freely
        finish, name, pieces = _call(generate, request, call_prefix + TOOL_CALL_OPEN + "\n", names,
                                     lambda messages: model.render(messages, []),
                                     announce if streamed else None, argument if streamed else None)
        made_up = chosen_freely and name is not None and not grounded(request, "".join(pieces))
        if name is not None and not made_up and not streamed:
            announce(name)
            for piece in pieces:
                argument(piece)
    if made_up and not cancelled() and not cut:
        # a call to a function not offered, or with values found nowhere in the conversation: answer instead,
        # with the tools hidden (shown the tools, with the call barred, both Qwen models wrote about calling
        # them instead of answering: bench/README.md); the prompt shares the instructions with the first
        finish = "stop"
        if not "".join(said).strip():
            plain = prompt_for(model, replace(request, tools=[], tool_choice="none"))
            prompt_tokens += len(model.tokenize(plain))  # a second prompt
            generate(plain, text)
    if cancelled():
        return  # nobody is listening, or the provider is closing: no final delta
    if cut:
        finish = "length"
    emit(Delta(finish_reason=finish, usage=Usage(prompt_tokens, used),
               length_cause=("context" if cut[-1].reason == "context" else "max_tokens") if cut else None))


def takes_code(function: dict[str, Any]) -> bool:
    """Whether a function's only argument is a string named ``code`` (the code_interpreter's ``python``)."""
    properties = arguments_schema(function).get("properties") or {}
    return list(properties) == ["code"] and (properties["code"] or {}).get("type") == "string"


def fence_language(name: str) -> str:
    return "python" if "python" in name.lower() else ""


def code_messages(request: ChatRequest, function: dict[str, Any]) -> list[dict[str, Any]]:
    """The messages a code call is written after: the conversation, with the function's description
    (what the code may use) in the system message instead of the tool list."""
    about = f"Code you write in a ```{fence_language(function.get('name', ''))} block is run: " \
            f"{function.get('description') or ''}".strip()
    messages = [dict(m) for m in request.messages]
    if messages and messages[0].get("role") in ("system", "developer"):
        messages[0]["content"] = f"{content_text(messages[0].get('content'))}\n\n{about}"
    else:
        messages.insert(0, {"role": "system", "content": about})
    return messages


def _call(generate, request: ChatRequest, prefix: str, names: list[str],
          render: Callable[[list[dict[str, Any]]], str],
          announce: Optional[Callable[[str], None]] = None,
          argument: Optional[Callable[[str], None]] = None) -> tuple[FinishReason, Optional[str], list[str]]:
    """Generate one function call after ``prefix``: (finish reason, name, argument pieces). With
    ``announce`` and ``argument``, the name and each piece are passed on as they are known.

    A function whose only argument is ``code`` gets its code written the way models write code best, in a
    fenced block of the assistant's reply (JSON-escaped code is often a syntax error from a small model);
    its arguments are that code, as JSON."""
    prefix += '{"name": '
    if len(names) == 1:
        name = names[0]
    else:
        chosen = generate(prefix, lambda _piece: None, schema=name_schema(names), loop_guard=False)
        if chosen.reason in ("length", "context", "cancelled"):
            return "length", None, []
        name = json.loads(chosen.text)
    if announce is not None:
        announce(name)
    pieces: list[str] = []

    def keep(piece: str) -> None:
        pieces.append(piece)
        if argument is not None:
            argument(piece)

    function = functions(request)[name]
    if takes_code(function):
        fence = "```" + fence_language(name)
        keep('{"code": "')
        written = generate(render(code_messages(request, function)) + fence + "\n",
                           lambda piece: keep(json.dumps(piece)[1:-1]), stop=("```",))
        keep('"}')
        return ("length" if written.reason in ("length", "context") else "tool_calls"), name, pieces
    prefix += json.dumps(name) + ', "arguments": '
    arguments = generate(prefix, keep, schema=arguments_schema(function), loop_guard=False)
    return ("length" if arguments.reason in ("length", "context") else "tool_calls"), name, pieces
