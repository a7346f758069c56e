"""Where runs become chat requests: ordering, truncation, this run's tool calls."""

from __future__ import annotations

import pytest

from openbeta.server.providers.scripted import ScriptedProvider
from openbeta.server.runs.context import Context, PromptTooLong
from openbeta.server.api.sse import sse
from openbeta.server.tools.registry import ServerTools


def message(i: int, role: str = "user", run_id=None, text=None):
    return {"id": f"msg_{i}", "role": role, "run_id": run_id, "attachments": [],
            "content": [{"type": "text", "text": {"value": text or f"m{i} " * 10, "annotations": []}}]}


def run(**extra):
    body = {"id": "run_1", "model": "m", "instructions": "sys", "tools": [], "tool_choice": "auto",
            "parallel_tool_calls": True, "temperature": 1.0, "top_p": 1.0, "response_format": "auto",
            "truncation_strategy": {"type": "auto", "last_messages": None}, "max_prompt_tokens": None}
    body.update(extra)
    return body


def build(run_body, messages, steps=()):
    return Context(run_body, messages, list(steps)).build(ScriptedProvider(), ServerTools(), None)


def test_order_and_last_messages():
    messages = [message(i, "user" if i % 2 else "assistant") for i in range(1, 6)]
    request = build(run(), messages)
    assert [m["role"] for m in request.messages] == ["system", "user", "assistant", "user", "assistant", "user"]
    request = build(run(truncation_strategy={"type": "last_messages", "last_messages": 2}), messages)
    assert [m["content"] for m in request.messages[1:]] == [messages[3]["content"][0]["text"]["value"],
                                                            messages[4]["content"][0]["text"]["value"]]


def test_auto_truncation_drops_oldest_until_it_fits():
    messages = [message(i) for i in range(10)]
    request = build(run(max_prompt_tokens=40), messages)
    assert ScriptedProvider().count_tokens(request) <= 40
    assert request.messages[-1]["content"].startswith("m9")
    with pytest.raises(PromptTooLong):
        build(run(max_prompt_tokens=5), messages)


def test_this_runs_tool_calls_follow_the_thread():
    own = message(9, "assistant", run_id="run_1", text="let me check")
    steps = [
        {"step_details": {"type": "message_creation", "message_creation": {"message_id": "msg_9"}}},
        {"step_details": {"type": "tool_calls", "tool_calls": [
            {"id": "call_a", "type": "function", "function": {"name": "f", "arguments": "{}", "output": "1"}}]}},
    ]
    request = build(run(), [message(1), own], steps)
    assert request.messages[2:] == [
        {"role": "assistant", "content": "let me check"},
        {"role": "assistant", "content": None,
         "tool_calls": [{"id": "call_a", "type": "function", "function": {"name": "f", "arguments": "{}"}}]},
        {"role": "tool", "tool_call_id": "call_a", "content": "1"},
    ]


@pytest.mark.parametrize("choice", ["required", {"type": "function", "function": {"name": "f"}}])
def test_a_forced_tool_choice_holds_until_a_tool_was_called(choice):
    assert build(run(tool_choice=choice), [message(1)]).tool_choice == choice
    called = {"step_details": {"type": "tool_calls", "tool_calls": [
        {"id": "call_a", "type": "function", "function": {"name": "f", "arguments": "{}", "output": "1"}}]}}
    assert build(run(tool_choice=choice), [message(1)], [called]).tool_choice == "auto"
    assert build(run(tool_choice="none"), [message(1)], [called]).tool_choice == "none"


def test_sse_lines():
    assert sse("done", "[DONE]") == "event: done\ndata: [DONE]\n\n"
    assert sse("thread.run.queued", {"a": 1}) == 'event: thread.run.queued\ndata: {"a":1}\n\n'
