"""Tool calls under ``auto`` on local models, replayed from what the models wrote.

Qwen2.5-Coder-1.5B copies the doubled braces of its template's call example
(``{{"name": ...}}}``), which was read as text; Qwen2.5-Coder-0.5B calls the weather
tool for "What is 12 times 12?" with a city found nowhere in the conversation, and
the 1.5B calls a ``multiply`` function nobody offered. The replies below are theirs
(temperature 0, the assistant instructions of ``bench/model_quality.py``)."""

from __future__ import annotations

import json
from typing import Callable, Optional

import pytest

pytest.importorskip("llama_cpp")

from openbeta.server.providers import ChatRequest  # noqa: E402
from openbeta.server.providers.chat_template import ChatTemplate  # noqa: E402
from openbeta.server.providers.llama_model import Generation  # noqa: E402
from openbeta.server.providers.local_chat import CallSniffer, answer, grounded  # noqa: E402

WEATHER = {"type": "function", "function": {
    "name": "get_weather", "description": "Get the current weather in a city.",
    "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}}
SYSTEM = {"role": "system", "content": "Answer briefly. Use the tools when needed."}


class Replay:
    """A model double that writes ``reply`` when it sees tools, the arguments when a grammar constrains it,
    and ``plain`` when the tools are hidden, a few characters per token."""

    context_size = 4096

    def __init__(self, reply: str, arguments: str, plain: str) -> None:
        self.reply, self.arguments, self.plain = reply, arguments, plain
        self.prompts: list[str] = []

    def render(self, messages: list[dict], functions: list[dict]) -> str:
        return json.dumps({"messages": messages, "tools": [f["name"] for f in functions]})

    def tokenize(self, prompt: str) -> list[int]:
        return list(range(len(prompt.split())))

    def generate(self, prompt: str, *, max_tokens: int, sampling, emit: Callable[[str], None],
                 cancelled: Callable[[], bool], schema: Optional[dict] = None, stop: tuple[str, ...] = (),
                 loop_guard: bool = True) -> Generation:
        self.prompts.append(prompt)
        if schema is not None:
            text = self.arguments
        else:
            text = self.reply if json.loads(prompt)["tools"] else self.plain
        count = 0
        for start in range(0, len(text), 3):
            emit(text[start:start + 3])
            count += 1
            if cancelled():
                return Generation(text[:start + 3], count, "cancelled")
        return Generation(text, count, "eog")


def run(model: Replay, question: str, tool_choice="auto"):
    deltas = []
    request = ChatRequest(model="m", messages=[SYSTEM, {"role": "user", "content": question}], tools=[WEATHER],
                          tool_choice=tool_choice, temperature=0)
    answer(model, request, deltas.append, lambda: False, default_budget=200)
    text = "".join(d.text or "" for d in deltas)
    calls = [(c.name, c.arguments) for d in deltas for c in d.tool_calls or []]
    return text, calls, deltas[-1].finish_reason


def test_a_call_in_doubled_braces_is_a_call():
    model = Replay('{{"name": "get_weather", "arguments": {"city": "Paris"}}}', '{"city": "Paris"}', "unused")
    text, calls, finish = run(model, "What is the weather like in Paris today?")
    assert (text, finish) == ("", "tool_calls")
    assert calls[0][0] == "get_weather" and json.loads("".join(a for _, a in calls)) == {"city": "Paris"}


def test_a_call_with_a_made_up_city_is_dropped_for_an_answer_without_tools():
    model = Replay('{"name": "get_weather", "arguments": {"city": "London"}}', '{"city": "London"}',
                   "12 times 12 is 144.")
    assert run(model, "What is 12 times 12?") == ("12 times 12 is 144.", [], "stop")
    assert json.loads(model.prompts[-1])["tools"] == []


def test_usage_of_an_answer_that_replaced_a_dropped_call_counts_both_prompts():
    model = Replay('{"name": "get_weather", "arguments": {"city": "London"}}', '{"city": "London"}',
                   "12 times 12 is 144.")
    deltas = []
    request = ChatRequest(model="m", messages=[SYSTEM, {"role": "user", "content": "What is 12 times 12?"}],
                          tools=[WEATHER], tool_choice="auto", temperature=0)
    answer(model, request, deltas.append, lambda: False, default_budget=200)
    first, plain = model.prompts[0], model.prompts[-1]
    assert deltas[-1].usage.prompt_tokens == len(model.tokenize(first)) + len(model.tokenize(plain))


def test_a_call_to_a_function_nobody_offered_is_dropped_for_an_answer():
    model = Replay('{"name": "multiply", "arguments": {"a": 12, "b": 12}}', '{"city": "12"}', "144.")
    assert run(model, "What is 12 times 12?") == ("144.", [], "stop")


def test_a_required_call_is_kept_as_the_model_writes_it():
    model = Replay("unused", '{"city": "London"}', "unused")
    text, calls, finish = run(model, "What is 12 times 12?", tool_choice="required")
    assert finish == "tool_calls" and "".join(a for _, a in calls) == '{"city": "London"}'


@pytest.mark.parametrize("arguments, question, ok", [
    ('{"city": "London"}', "How many days are there in a week?", False),
    ('{"city": "New York"}', "How many days are there in a week?", False),
    ('{"city": "Paris"}', "What is the weather like in Paris today?", True),
    ('{"city": "berlin"}', "Is it raining in Berlin?", True),
    ('{"a": 12, "b": 12}', "What is 12 times 12?", True),
    ("{}", "Anything?", True),
])
def test_grounded(arguments, question, ok):
    request = ChatRequest(model="m", messages=[{"role": "user", "content": question}], tools=[WEATHER])
    assert grounded(request, arguments) is ok


@pytest.mark.parametrize("reply, name", [
    ('{{"name": "get_weather", "arguments": {"city": "Paris"}}}', "get_weather"),
    ('```json\n{"name": "multiply", "arguments": {}}\n```', "multiply"),
    ('{"name":"get_weather"', "get_weather"),
])
def test_the_sniffer_reads_the_name_the_model_writes(reply, name):
    shown: list[str] = []
    sniffer = CallSniffer(shown.append)
    for piece in reply:
        sniffer.feed(piece)
    assert (sniffer.decided, sniffer.name, shown) == ("call", name, [])


#: The tool section of the template in the Qwen2.5-Coder-1.5B GGUF, which writes its call example in doubled braces.
DOUBLED = (
    "{%- if tools %}<|im_start|>system\n# Tools\n<tools>{% for tool in tools %}\n{{ tool | tojson }}{% endfor %}\n"
    "</tools>\n\nFor each function call, return a json object with function name and arguments within "
    "<tool_call></tool_call> XML tags:\n<tool_call>\n"
    "{{ '{{\"name\": <function-name>, \"arguments\": <args-json-object>}}' }}\n</tool_call><|im_end|>\n{% endif %}"
    "{% for m in messages %}<|im_start|>{{ m.role }}\n{{ m.content }}<|im_end|>\n{% endfor %}"
    "{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}"
)


def test_a_template_showing_the_call_in_doubled_braces_gets_the_plain_tool_preamble():
    template = ChatTemplate(DOUBLED, bos_token="", eos_token="<|im_end|>")
    prompt = template.render([{"role": "user", "content": "Weather in Oslo?"}], [WEATHER["function"]])
    assert not template.native_tools and "{{" not in prompt and "For each function call" not in prompt
    assert '<tool_call>\n{"name": <function name>, "arguments": <arguments object>}\n</tool_call>' in prompt
    assert '"name": "get_weather"' in prompt
