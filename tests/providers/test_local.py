"""The embedded llama.cpp provider, end to end on SmolLM2-135M-Instruct."""

from __future__ import annotations

import asyncio
import json
import sys

import jsonschema
import pytest

from openbeta.server.providers import ChatRequest, Delta, ProviderError
from openbeta.server.providers.chat_template import TOOL_CALL_OPEN
from openbeta.server.providers.local import LocalProvider

WEATHER = {
    "type": "object",
    "properties": {"city": {"type": "string"}, "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]}},
    "required": ["city", "unit"],
    "additionalProperties": False,
}
ADD = {"type": "object", "properties": {"a": {"type": "integer"}, "b": {"type": "integer"}}, "required": ["a", "b"]}
TOOLS = [
    {"type": "function", "function": {"name": "get_weather", "description": "Current weather", "parameters": WEATHER}},
    {"type": "function", "function": {"name": "add", "description": "Add two integers", "parameters": ADD}},
]


def ask(content: str, **options) -> ChatRequest:
    options.setdefault("temperature", 0)
    return ChatRequest(model="smollm2", messages=[{"role": "user", "content": content}], **options)


async def collect(provider, request: ChatRequest) -> list[Delta]:
    return [delta async for delta in provider.stream(request)]


def tool_call(deltas: list[Delta]) -> tuple[str, str, str]:
    """(id, name, arguments) of the single call in ``deltas``."""
    fragments = [call for delta in deltas for call in delta.tool_calls]
    assert fragments and {c.index for c in fragments} == {0}
    ids = [c.id for c in fragments if c.id]
    names = [c.name for c in fragments if c.name]
    assert len(ids) == 1 and len(names) == 1, "id and name arrive once, on the first fragment"
    return ids[0], names[0], "".join(c.arguments for c in fragments)


pytestmark = pytest.mark.model


async def test_reply_streams_as_several_text_deltas_with_usage(local_provider):
    request = ask("Say hello to Ada in one short sentence.", max_tokens=24)
    deltas = await collect(local_provider, request)
    texts = [d.text for d in deltas if d.text]
    assert len(texts) >= 3
    assert "".join(texts).strip()
    final = deltas[-1]
    assert final.finish_reason in ("stop", "length") and final.usage is not None
    assert all(d.finish_reason is None and d.usage is None for d in deltas[:-1])
    assert final.usage.completion_tokens >= len(texts)
    assert final.usage.prompt_tokens == local_provider.count_tokens(request)


async def test_max_tokens_finishes_with_length(local_provider):
    deltas = await collect(local_provider, ask("Write a long story about the sea.", max_tokens=5))
    assert deltas[-1].finish_reason == "length"
    assert deltas[-1].usage.completion_tokens == 5


@pytest.mark.parametrize("choice, expected", [
    ("required", None),
    ({"type": "function", "function": {"name": "add"}}, "add"),
    ({"type": "function", "function": {"name": "get_weather"}}, "get_weather"),
])
async def test_forced_tool_choice_produces_a_schema_valid_call(local_provider, choice, expected):
    request = ask("What is the weather like in Paris today?", tools=TOOLS, tool_choice=choice, max_tokens=60)
    deltas = await collect(local_provider, request)
    call_id, name, arguments = tool_call(deltas)
    assert call_id.startswith("call_")
    assert name in ("get_weather", "add") and (expected is None or name == expected)
    jsonschema.validate(json.loads(arguments), WEATHER if name == "get_weather" else ADD)
    assert deltas[-1].finish_reason == "tool_calls"
    assert not "".join(d.text for d in deltas)


async def test_tool_results_in_history_render_and_answer(local_provider):
    messages = [
        {"role": "user", "content": "What is 2 + 3?"},
        {"role": "assistant", "content": None, "tool_calls": [
            {"id": "call_1", "type": "function", "function": {"name": "add", "arguments": '{"a": 2, "b": 3}'}}]},
        {"role": "tool", "tool_call_id": "call_1", "content": "5"},
    ]
    request = ChatRequest(model="smollm2", messages=messages, tools=TOOLS, tool_choice="none", max_tokens=12,
                          temperature=0)
    deltas = await collect(local_provider, request)
    assert "".join(d.text for d in deltas).strip()
    assert not any(d.tool_calls for d in deltas)
    # once tool results are in, the model answers: the tools are hidden even under "auto" ...
    after = local_provider.count_tokens(ChatRequest(**{**request.__dict__, "tool_choice": "auto"}))
    assert after == deltas[-1].usage.prompt_tokens
    # ... before them, "none" hides them and "auto" shows them
    asking = {**request.__dict__, "messages": messages[:1]}
    assert local_provider.count_tokens(ChatRequest(**{**asking, "tool_choice": "auto"})) > \
        local_provider.count_tokens(ChatRequest(**{**asking, "tool_choice": "none"}))


async def test_json_object_response_format_yields_valid_json(local_provider):
    request = ask('Reply with a JSON object with the key "capital" for the capital of France.',
                  response_format={"type": "json_object"}, max_tokens=60)
    deltas = await collect(local_provider, request)
    assert deltas[-1].finish_reason == "stop"
    assert isinstance(json.loads("".join(d.text for d in deltas)), dict)


async def test_json_schema_response_format_matches_the_schema(local_provider):
    schema = {"type": "object", "properties": {"name": {"type": "string", "maxLength": 20},
                                               "age": {"type": "integer"}},
              "required": ["name", "age"], "additionalProperties": False}
    request = ask("Describe a person called Ada.", max_tokens=60,
                  response_format={"type": "json_schema", "json_schema": {"name": "person", "schema": schema}})
    deltas = await collect(local_provider, request)
    assert deltas[-1].finish_reason == "stop"
    jsonschema.validate(json.loads("".join(d.text for d in deltas)), schema)


async def test_concurrent_streams_queue_and_both_complete(local_provider):
    order: list[str] = []

    async def run(tag: str, prompt: str) -> list[Delta]:
        deltas = []
        async for delta in local_provider.stream(ask(prompt, max_tokens=12)):
            order.append(tag)
            deltas.append(delta)
        return deltas

    first, second = await asyncio.gather(run("a", "Name a colour."), run("b", "Name an animal."))
    for deltas in (first, second):
        assert deltas[-1].finish_reason in ("stop", "length") and deltas[-1].usage.completion_tokens > 0
    # one generation at a time, first come first served: a's deltas all precede b's
    assert order == sorted(order)


async def test_a_consumer_that_stops_reading_stops_its_generation(local_provider, monkeypatch):
    model = await asyncio.get_running_loop().run_in_executor(local_provider._worker, local_provider.model)
    results = []
    generate = model.generate

    def recording(*args, **kwargs):
        result = generate(*args, **kwargs)
        results.append(result)
        return result

    monkeypatch.setattr(model, "generate", recording)
    stream = local_provider.stream(ask("Write a very long story about a lighthouse.", max_tokens=1500,
                                       temperature=0.8))
    assert (await anext(stream)).text is not None
    await stream.aclose()
    after = await collect(local_provider, ask("Say yes.", max_tokens=3))
    assert after[-1].usage.completion_tokens <= 3
    assert results[0].reason == "cancelled" and results[0].tokens < 1500


async def test_missing_model_file_is_a_provider_error(tmp_path):
    provider = LocalProvider(str(tmp_path / "absent.gguf"))
    with pytest.raises(ProviderError) as raised:  # a name no packaged model has runs the default: that file
        await collect(provider, ChatRequest(model="my-model", messages=[{"role": "user", "content": "hi"}]))
    assert "OPENBETA_LOCAL_MODEL_PATH" in raised.value.message and raised.value.code == "server_error"
    await provider.aclose()


async def test_without_llama_cpp_runs_fail_with_an_install_hint(monkeypatch, smollm2_path):
    monkeypatch.setitem(sys.modules, "llama_cpp", None)  # import llama_cpp now raises ImportError
    provider = LocalProvider(smollm2_path)
    with pytest.raises(ProviderError) as raised:
        await collect(provider, ask("hi"))
    assert "pip install 'openbeta[local]'" in raised.value.message
    with pytest.raises(ProviderError):
        provider.count_tokens(ask("hi"))
    await provider.aclose()


async def test_auto_tool_choice_gives_text_or_a_valid_call(local_provider):
    request = ask("What is the weather like in Paris today?", tools=TOOLS, tool_choice="auto", max_tokens=40)
    deltas = await collect(local_provider, request)
    final = deltas[-1]
    if any(d.tool_calls for d in deltas):
        _, name, arguments = tool_call(deltas)
        jsonschema.validate(json.loads(arguments), WEATHER if name == "get_weather" else ADD)
        assert final.finish_reason in ("tool_calls", "length")
    else:
        assert "".join(d.text for d in deltas).strip() and TOOL_CALL_OPEN not in "".join(d.text for d in deltas)
        assert final.finish_reason in ("stop", "length")


async def test_closing_stops_running_and_queued_generations(smollm2_path):
    provider = LocalProvider(smollm2_path, context_size=1024)
    long = ask("Write a very long story about a lighthouse.", max_tokens=1500, temperature=0.8)
    running, queued = provider.stream(long), provider.stream(ask("Say yes.", max_tokens=3))
    assert (await anext(running)).text is not None
    waiting = asyncio.ensure_future(collect(provider, ask("Say no.", max_tokens=3)))
    await asyncio.sleep(0.1)
    await provider.aclose()
    with pytest.raises(ProviderError, match="shutting down"):
        async for delta in running:
            assert delta.finish_reason is None  # a reply cut short never looks finished
    with pytest.raises(ProviderError, match="shutting down"):
        await waiting
    with pytest.raises(ProviderError, match="shutting down"):
        await anext(queued)
