"""How the local provider turns a request into generations, with a scripted model double.

The real model covers forced calls and formats (test_local.py); a 135M model rarely opens a
call on its own, so the ``auto`` path is driven here by a double that does.
"""

from __future__ import annotations

import json

import pytest

pytest.importorskip("llama_cpp")

from openbeta.server.providers import ChatRequest, Delta  # noqa: E402
from openbeta.server.providers.chat_template import TOOL_CALL_OPEN, plain_messages  # noqa: E402
from openbeta.server.providers.llama_model import Generation  # noqa: E402
from openbeta.server.providers.local_chat import answer  # noqa: E402

TOOLS = [{"type": "function", "function": {"name": n, "parameters": {"type": "object", "properties": {
    "city": {"type": "string"}}, "required": ["city"]}}} for n in ("weather", "time")]


class ScriptedModel:
    """Answers each ``generate`` call with the next scripted text, honouring stop strings."""

    context_size = 4096

    def __init__(self, *outputs: str) -> None:
        self.outputs = list(outputs)
        self.calls: list[dict] = []

    def render(self, messages, functions) -> str:
        return json.dumps(plain_messages(messages, functions))

    def tokenize(self, prompt: str) -> list[int]:
        return list(range(len(prompt.split())))

    def generate(self, prompt, *, max_tokens, sampling, emit, cancelled, schema=None, stop=(), loop_guard=True):
        """An output is a text, or ``(text, reason)`` to end with that reason (``length``, ``context``)."""
        self.calls.append({"prompt": prompt, "schema": schema, "stop": stop, "max_tokens": max_tokens,
                           "temperature": sampling.temperature})
        text, reason, stopped_by = self.outputs.pop(0), "eog", ""
        if isinstance(text, tuple):
            text, reason = text
        for s in stop:
            if s in text:
                text, reason, stopped_by = text[:text.index(s)], "stop", s
        emitted = []
        for i, piece in enumerate(text.split(" ")):
            emitted.append(piece if i == 0 else " " + piece)
            emit(emitted[-1])
            if cancelled():
                reason = "cancelled"
                break
        text = "".join(emitted)
        return Generation(text, len(text.split()), reason, stopped_by)


def run(model, default_budget=None, **options) -> list[Delta]:
    deltas: list[Delta] = []
    request = ChatRequest(model="m", messages=[{"role": "user", "content": "Weather in Oslo?"}], **options)
    answer(model, request, deltas.append, lambda: False, default_budget=default_budget)
    return deltas


def calls_of(deltas: list[Delta]) -> tuple[str, str]:
    fragments = [c for d in deltas for c in d.tool_calls]
    return [c.name for c in fragments if c.name][0], "".join(c.arguments for c in fragments)


@pytest.mark.parametrize("written", [
    '{"name": "time", "arguments": {"city": "Oslo"}}',
    '  { "name" : "time", "arguments": {"city": "Oslo"}}',
    '```json\n{"name": "time", "arguments": {"city": "Oslo"}}\n```',
], ids=["bare", "spaced", "fenced"])
def test_auto_call_written_without_the_tag_is_a_call(written):
    model = ScriptedModel(written, '{"city": "Oslo"}')
    deltas = run(model, tools=TOOLS, tool_choice="auto")
    assert "".join(d.text for d in deltas) == ""  # none of the call's text reaches the message
    assert calls_of(deltas) == ("time", '{"city": "Oslo"}') and deltas[-1].finish_reason == "tool_calls"
    # the name the model wrote, the arguments finished in the tagged form under the function's grammar
    assert model.calls[1]["prompt"].endswith('<tool_call>\n{"name": "time", "arguments": ')


@pytest.mark.parametrize("reply", ['{"city": "Oslo"} is what you asked about.', "```python\nprint(1)\n```",
                                   "Sure: it is cold."])
def test_auto_text_that_only_looks_like_a_call_at_first_is_text(reply):
    model = ScriptedModel(reply)
    deltas = run(model, tools=TOOLS, tool_choice="auto")
    assert "".join(d.text for d in deltas) == reply and deltas[-1].finish_reason == "stop"
    assert not [c for d in deltas for c in d.tool_calls] and len(model.calls) == 1


def test_a_reply_without_max_tokens_gets_the_default_budget():
    model = ScriptedModel(("on and on", "length"))
    deltas = run(model, default_budget=7)
    assert model.calls[0]["max_tokens"] == 7
    assert (deltas[-1].finish_reason, deltas[-1].length_cause) == ("length", "max_tokens")


def test_a_full_context_is_reported_as_such():
    model = ScriptedModel(("on and on", "context"))
    deltas = run(model, max_tokens=100)
    assert (deltas[-1].finish_reason, deltas[-1].length_cause) == ("length", "context")


def test_auto_text_reply_offers_tools_and_stops_at_a_call_marker():
    model = ScriptedModel("It is cold.")
    deltas = run(model, tools=TOOLS, tool_choice="auto")
    assert "".join(d.text for d in deltas) == "It is cold." and deltas[-1].finish_reason == "stop"
    assert model.calls[0]["stop"] == (TOOL_CALL_OPEN,) and '\\"name\\": \\"weather\\"' in model.calls[0]["prompt"]


def test_auto_call_after_the_tag_takes_the_name_the_model_writes():
    model = ScriptedModel(f"Let me check. {TOOL_CALL_OPEN} ignored", '{"name": "time", "arguments": {',
                          '{"city": "Oslo"}')
    deltas = run(model, tools=TOOLS, tool_choice="auto", max_tokens=50)
    assert "".join(d.text for d in deltas) == "Let me check. "
    calls = [c for d in deltas for c in d.tool_calls]
    assert calls[0].name == "time" and calls[0].id.startswith("call_")
    assert "".join(c.arguments for c in calls) == '{"city": "Oslo"}'
    final = deltas[-1]
    assert final.finish_reason == "tool_calls" and final.usage.completion_tokens == 3 + 2 + 2
    name_step, args_step = model.calls[1], model.calls[2]
    assert name_step["prompt"].endswith("Let me check. <tool_call>\n") and name_step["schema"] is None
    assert args_step["prompt"].endswith('Let me check. <tool_call>\n{"name": "time", "arguments": ')
    assert args_step["schema"] == TOOLS[1]["function"]["parameters"]
    assert args_step["max_tokens"] == 50 - 3 - 2  # one budget across the steps


def test_a_call_whose_name_does_not_come_gets_one_under_the_grammar():
    model = ScriptedModel(TOOL_CALL_OPEN, '{"name":', '"time"', '{"city": "Oslo"}')
    deltas = run(model, tools=TOOLS, tool_choice="auto")
    assert calls_of(deltas) == ("time", '{"city": "Oslo"}') and deltas[-1].finish_reason == "tool_calls"
    assert model.calls[2]["schema"] == {"type": "string", "enum": ["weather", "time"]}
    assert model.calls[2]["prompt"].endswith('<tool_call>\n{"name": ')


def test_none_hides_tools_and_json_format_is_a_schema():
    model = ScriptedModel("{}")
    run(model, tools=TOOLS, tool_choice="none", response_format={"type": "json_object"})
    assert model.calls[0]["stop"] == () and "weather" not in model.calls[0]["prompt"]
    assert model.calls[0]["schema"] == {"type": "object"}


def test_named_function_skips_the_name_step():
    model = ScriptedModel('{"city": "Oslo"}')
    deltas = run(model, tools=TOOLS, tool_choice={"type": "function", "function": {"name": "weather"}})
    assert [c.name for d in deltas for c in d.tool_calls if c.name] == ["weather"] and len(model.calls) == 1


STRICT = (
    "{% for m in messages %}{% if m['role'] not in ['user', 'assistant'] %}"
    "{{ raise_exception('Only user and assistant roles are supported') }}{% endif %}"
    "[{{ m['role'] }}] {{ m['content'] }}\n{% endfor %}{% if add_generation_prompt %}[assistant] {% endif %}"
)


def test_templates_without_tool_or_system_roles_still_see_everything():
    from openbeta.server.providers.chat_template import ChatTemplate

    template = ChatTemplate(STRICT, bos_token="", eos_token="</s>")
    messages = [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "Weather?"},
        {"role": "assistant", "content": None, "tool_calls": [
            {"id": "c", "type": "function", "function": {"name": "weather", "arguments": '{"city": "Oslo"}'}}]},
        {"role": "tool", "tool_call_id": "c", "content": "cold"},
    ]
    prompt = template.render(messages, [TOOLS[0]["function"]])
    assert prompt.startswith("[user] Be brief.\n\nYou can call functions.")
    assert '[assistant] <tool_call>\n{"name": "weather", "arguments": {"city": "Oslo"}}\n</tool_call>' in prompt
    assert "[user] <tool_response>\ncold\n</tool_response>" in prompt
    assert prompt.endswith("[assistant] ")


PYTHON = [{"type": "function", "function": {
    "name": "python", "description": "Run Python code. numpy is installed.",
    "parameters": {"type": "object", "properties": {"code": {"type": "string"}}, "required": ["code"]}}}]
FORCE_PYTHON = {"type": "function", "function": {"name": "python"}}


def test_code_is_written_in_a_fenced_block_and_becomes_json_arguments():
    code = 'x = 2 ** 64\nprint("x =", x)\n'
    model = ScriptedModel(code + "```\nignored")
    deltas = run(model, tools=PYTHON, tool_choice=FORCE_PYTHON)
    name, arguments = calls_of(deltas)
    assert name == "python" and json.loads(arguments) == {"code": code}
    assert deltas[-1].finish_reason == "tool_calls" and len(model.calls) == 1
    prompt = model.calls[0]["prompt"]
    # written as the assistant's fenced block, after the function's description (not a JSON string)
    assert prompt.endswith("```python\n") and "Code you write in a ```python block is run: Run Python code." in prompt
    assert model.calls[0]["stop"] == ("```",) and model.calls[0]["schema"] is None


def after_code(code: str, output: str) -> list[dict]:
    """A question, the python call made for it and the call's output."""
    call = {"id": "call_1", "type": "function", "function": {"name": "python", "arguments": json.dumps({"code": code})}}
    return [{"role": "user", "content": "What is 2 to the power of 64?"},
            {"role": "assistant", "content": None, "tool_calls": [call]},
            {"role": "tool", "tool_call_id": "call_1", "content": output}]


def answer_to(model: ScriptedModel, messages: list[dict], tool_choice) -> list[Delta]:
    deltas: list[Delta] = []
    answer(model, ChatRequest(model="m", messages=messages, tools=PYTHON, tool_choice=tool_choice), deltas.append,
           lambda: False)
    return deltas


def test_a_failed_call_forced_again_shows_the_code_its_error_and_the_task():
    model = ScriptedModel("print(2 ** 64)\n```")
    deltas = answer_to(model, after_code("print(2 ** 64", "SyntaxError: '(' was never closed"), FORCE_PYTHON)
    assert json.loads(calls_of(deltas)[1]) == {"code": "print(2 ** 64)\n"}
    prompt = json.loads(model.calls[0]["prompt"].removesuffix("```python\n"))
    shown = prompt[-1]["content"]
    assert "Ran:\n```python\nprint(2 ** 64\n```\nOutput:\nSyntaxError: '(' was never closed" in shown
    assert "fix the error above" in shown and shown.endswith("The task: What is 2 to the power of 64?")


def test_after_a_code_result_unforced_the_model_answers_with_the_tools_hidden():
    model = ScriptedModel("It is 18446744073709551616.")
    deltas = answer_to(model, after_code("print(2 ** 64)", "18446744073709551616"), "auto")
    assert "".join(d.text for d in deltas) == "It is 18446744073709551616."
    assert not [c for d in deltas for c in d.tool_calls]
    shown = json.loads(model.calls[0]["prompt"])[-1]["content"]
    assert "Output:\n18446744073709551616" in shown and "Question: What is 2 to the power of 64?" in shown
    assert '\\"name\\": \\"python\\"' not in model.calls[0]["prompt"]  # no tools listed


def test_a_reply_from_tool_results_samples_cooler_unless_the_request_sets_a_temperature():
    ran = {"id": "call_1", "type": "function", "function": {"name": "weather", "arguments": '{"city": "Oslo"}'}}
    after = [{"role": "user", "content": "Weather in Oslo?"}, {"role": "assistant", "content": None, "tool_calls": [ran]},
             {"role": "tool", "tool_call_id": "call_1", "content": "-3 degrees"}]
    for messages, temperature, expected in [(after, None, 0.2), (after, 0.7, 0.7),
                                             ([{"role": "user", "content": "Hi"}], None, 0.8)]:
        model = ScriptedModel("It is -3 degrees.")
        answer(model, ChatRequest(model="m", messages=messages, tools=TOOLS, temperature=temperature),
               lambda _delta: None, lambda: False)
        assert model.calls[0]["temperature"] == expected
