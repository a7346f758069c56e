"""How a chat request becomes generations on a local model (blocking, one request).

* No tools (or ``tool_choice: none``): one generation, constrained by
  ``response_format`` when it asks for JSON.
* ``tool_choice: required`` or a named function: the call MUST come, so the name
  (when more than one is allowed) and then the arguments are generated under
  grammars built from the tools' JSON schemas.
* ``tool_choice: auto``: the model sees the tools and answers freely; if it opens
  a ``<tool_call>``, the call itself is finished under the same grammars. Text
  before it is the message content. (With a JSON ``response_format`` the reply
  follows the format and no call is made.)

One call per reply: ``parallel_tool_calls`` allows several, a local model makes one.
"""

from __future__ import annotations

import json
from typing import Callable

from ..ids import new_id
from .base import ChatRequest, Delta, FinishReason, ToolCallDelta, Usage
from .chat_template import TOOL_CALL_OPEN
from .llama_model import LlamaModel, Sampling
from .tool_grammar import arguments_schema, forced_names, functions, name_schema, response_schema, tools_offered

__all__ = ["LlamaModel", "answer", "prompt_for"]

DEFAULT_SAMPLING = Sampling()


def prompt_for(model: LlamaModel, request: ChatRequest) -> str:
    offered = list(functions(request).values()) if tools_offered(request) else []
    return model.render(request.messages, offered)


def answer(model: LlamaModel, request: ChatRequest, emit: Callable[[Delta], None],
           cancelled: Callable[[], bool]) -> None:
    """Generate the reply to ``request``, emitting deltas; the last one has finish reason and usage.

    A cancelled reply ends without that last delta.
    """
    prompt = prompt_for(model, request)
    prompt_tokens = len(model.tokenize(prompt))
    sampling = Sampling(
        temperature=DEFAULT_SAMPLING.temperature if request.temperature is None else request.temperature,
        top_p=DEFAULT_SAMPLING.top_p if request.top_p is None else request.top_p,
    )
    budget = request.max_tokens if request.max_tokens is not None else model.context_size
    used = 0

    def text(piece: str) -> None:
        emit(Delta(text=piece))

    def generate(prefix: str, on_text: Callable[[str], None], **options):
        nonlocal used
        result = model.generate(prefix, max_tokens=budget - used, sampling=sampling, emit=on_text,
                                cancelled=cancelled, **options)
        used += result.tokens
        return result

    names = forced_names(request)
    finish: FinishReason = "stop"
    call_prefix = prompt
    if names is None:
        schema = response_schema(request.response_format)
        stop = (TOOL_CALL_OPEN,) if tools_offered(request) and schema is None else ()
        reply = generate(prompt, text, schema=schema, stop=stop)
        if reply.reason == "stop":
            names = list(functions(request))
            call_prefix = prompt + reply.text
        elif reply.reason == "length":
            finish = "length"
    if names is not None and not cancelled():
        finish = _call(generate, request, call_prefix + TOOL_CALL_OPEN + "\n", names, emit)
    if cancelled():
        return  # nobody is listening, or the provider is closing: no final delta
    emit(Delta(finish_reason=finish, usage=Usage(prompt_tokens, used)))


def _call(generate, request: ChatRequest, prefix: str, names: list[str],
          emit: Callable[[Delta], None]) -> FinishReason:
    """Generate one function call after ``prefix``; emits its deltas."""
    prefix += '{"name": '
    if len(names) == 1:
        name = names[0]
    else:
        chosen = generate(prefix, lambda _piece: None, schema=name_schema(names))
        if chosen.reason in ("length", "cancelled"):
            return "length"
        name = json.loads(chosen.text)
    emit(Delta(tool_calls=[ToolCallDelta(index=0, id=new_id("call_"), name=name)]))
    prefix += json.dumps(name) + ', "arguments": '
    arguments = generate(prefix, lambda piece: emit(Delta(tool_calls=[ToolCallDelta(index=0, arguments=piece)])),
                         schema=arguments_schema(functions(request)[name]))
    return "length" if arguments.reason == "length" else "tool_calls"
