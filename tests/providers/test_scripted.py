"""The scripted provider: deterministic answers driven by directives."""

from __future__ import annotations

import json

import pytest

from openbeta.server.providers.base import ChatRequest, ProviderError
from openbeta.server.providers.scripted import ScriptedProvider

FN = {"type": "function", "function": {"name": "lookup", "parameters": {"type": "object"}}}


async def collect(request: ChatRequest):
    deltas = [d async for d in ScriptedProvider().stream(request)]
    text = "".join(d.text for d in deltas)
    calls: dict[int, dict] = {}
    for d in deltas:
        for c in d.tool_calls:
            call = calls.setdefault(c.index, {"name": None, "arguments": ""})
            call["name"] = c.name or call["name"]
            call["arguments"] += c.arguments
    return text, list(calls.values()), deltas[-1]


def user(text: str) -> ChatRequest:
    return ChatRequest(model="m", messages=[{"role": "system", "content": "sys"}, {"role": "user", "content": text}],
                       tools=[FN])


async def test_echo_by_default_with_usage():
    text, calls, last = await collect(user("echo this please"))
    assert (text, calls, last.finish_reason) == ("echo this please", [], "stop")
    assert last.usage.completion_tokens == 3 and last.usage.prompt_tokens == ScriptedProvider().count_tokens(user("echo this please"))


async def test_tool_calls_stream_as_fragments():
    request = user('SCRIPT: {"tool_calls": [{"name": "lookup", "arguments": {"q": "a long query string"}}, '
                   '{"name": "lookup", "arguments": "{}"}]}')
    text, calls, last = await collect(request)
    assert text == "" and last.finish_reason == "tool_calls"
    assert calls == [{"name": "lookup", "arguments": json.dumps({"q": "a long query string"})},
                     {"name": "lookup", "arguments": "{}"}]
    request.parallel_tool_calls = False
    assert len((await collect(request))[1]) == 1


async def test_max_tokens_and_tool_results_and_errors():
    request = user('SCRIPT: {"text": "one two three four"}')
    request.max_tokens = 2
    text, _, last = await collect(request)
    assert (text, last.finish_reason) == ("one two ", "length")
    request = user("x")
    request.messages += [{"role": "assistant", "content": None, "tool_calls": []},
                         {"role": "tool", "tool_call_id": "c1", "content": "42"},
                         {"role": "tool", "tool_call_id": "c2", "content": "43"}]
    assert (await collect(request))[0] == "Tool outputs: 42; 43"
    with pytest.raises(ProviderError) as err:
        await collect(user('SCRIPT: {"error": {"message": "nope", "code": "rate_limit_exceeded"}}'))
    assert err.value.code == "rate_limit_exceeded"
    with pytest.raises(ProviderError):
        await collect(user("SCRIPT: {not json"))


async def test_tool_choice_and_directive_in_instructions():
    request = ChatRequest(model="m", messages=[{"role": "system", "content": 'SCRIPT: {"text": "from system"}'},
                                               {"role": "user", "content": "hi"}], tools=[FN])
    assert (await collect(request))[0] == "from system"
    request.tool_choice = "required"
    assert (await collect(request))[1] == [{"name": "lookup", "arguments": "{}"}]
    none = user('SCRIPT: {"tool_calls": [{"name": "lookup"}], "text": "t"}')
    none.tool_choice = "none"
    assert (await collect(none))[:2] == ("t", [])
