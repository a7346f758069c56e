"""Prompt rendering for templates that know tools (Qwen's), and the loop guard."""

from __future__ import annotations

import pytest

pytest.importorskip("llama_cpp")

from openbeta.server.providers import ChatRequest  # noqa: E402
from openbeta.server.providers.chat_template import ChatTemplate  # noqa: E402
from openbeta.server.providers.llama_model import looping  # noqa: E402
from openbeta.server.providers.local_chat import QUESTION_NOTE, after_tools  # noqa: E402

#: The shape of Qwen2.5's template: it lists tools itself and wraps tool messages in <tool_response>.
QWEN_LIKE = (
    "{% if tools %}<|im_start|>system\n# Tools\n<tools>{% for t in tools %}\n{{ t | tojson }}{% endfor %}\n</tools>\n"
    "reply with <tool_call></tool_call><|im_end|>\n{% endif %}"
    "{% for m in messages %}{% if m.role == 'tool' %}<|im_start|>user\n<tool_response>\n{{ m.content }}\n"
    "</tool_response><|im_end|>\n{% else %}<|im_start|>{{ m.role }}\n{{ m.content }}<|im_end|>\n{% endif %}{% endfor %}"
    "{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}"
)
WEATHER = {"name": "get_weather", "parameters": {"type": "object", "properties": {"city": {"type": "string"}}}}
EXCHANGE = [
    {"role": "user", "content": "Weather in Oslo?"},
    {"role": "assistant", "content": None, "tool_calls": [
        {"id": "c1", "type": "function", "function": {"name": "get_weather", "arguments": '{"city": "Oslo"}'}}]},
    {"role": "tool", "tool_call_id": "c1", "content": "cold"},
]


def test_a_template_that_wraps_tool_results_gets_them_once():
    prompt = ChatTemplate(QWEN_LIKE, bos_token="", eos_token="<|im_end|>").render(EXCHANGE, [WEATHER])
    assert prompt.count("<tool_response>") == 1 and "<tool_response>\ncold\n</tool_response>" in prompt


def test_a_template_that_lists_tools_lists_them_in_its_own_words():
    prompt = ChatTemplate(QWEN_LIKE, bos_token="", eos_token="<|im_end|>").render(EXCHANGE[:1], [WEATHER])
    assert prompt.startswith("<|im_start|>system\n# Tools\n<tools>") and '"name": "get_weather"' in prompt
    assert "You can call functions" not in prompt  # not our own preamble as well


def test_after_tool_results_the_model_answers_from_them_as_text():
    request = after_tools(ChatRequest(model="m", messages=EXCHANGE, tools=[{"type": "function", "function": WEATHER}],
                                      tool_choice="auto"))
    assert request.tool_choice == "none" and [m["role"] for m in request.messages] == ["user", "user"]
    assert request.messages[1]["content"] == ('get_weather({"city": "Oslo"}) returned:\ncold\n\n'
                                              + QUESTION_NOTE.format(question="Weather in Oslo?"))
    untouched = ChatRequest(model="m", messages=EXCHANGE[:1])
    assert after_tools(untouched) is untouched


@pytest.mark.parametrize("text, loops", [
    ("The stripes are unique. " * 8, True),
    ("ha" * 100, True),
    ("| a | b |\n" * 20, True),
    ("Zebras have stripes. Each zebra's stripes are unique, like fingerprints. " * 2, False),
    ("-" * 100, False),  # a rule, under the minimum length
    ("1. one\n2. two\n3. three\n4. four\n5. five\n6. six\n7. seven\n8. eight\n9. nine\n", False),
])
def test_the_loop_guard(text, loops):
    assert looping(text) is loops
