"""The OpenAI-compatible upstream provider: a real llama.cpp server, and a loopback server for failures."""

from __future__ import annotations

import json

import pytest

from openbeta.server.providers import ChatRequest, Delta, ProviderError
from openbeta.server.providers.upstream import UpstreamProvider

LOOKUP = [{"type": "function", "function": {"name": "lookup", "parameters": {
    "type": "object", "properties": {"q": {"type": "string"}}, "required": ["q"]}}}]


def ask(content: str, model: str = "gpt-4o-mini", **options) -> ChatRequest:
    return ChatRequest(model=model, messages=[{"role": "user", "content": content}], **options)


async def collect(provider, request: ChatRequest) -> list[Delta]:
    return [delta async for delta in provider.stream(request)]


@pytest.fixture
async def provider_for(loopback):
    made: list[UpstreamProvider] = []

    def make(mode: str, **options) -> UpstreamProvider:
        provider = UpstreamProvider(loopback.url(mode), **options)
        made.append(provider)
        return provider

    yield make
    for provider in made:
        await provider.aclose()


@pytest.mark.model
async def test_streams_text_and_usage_from_a_llama_cpp_server(llama_server):
    provider = UpstreamProvider(llama_server)
    request = ask("Say hello to Ada.", model="smollm2", max_tokens=16, temperature=0)
    deltas = await collect(provider, request)
    texts = [d.text for d in deltas if d.text]
    assert len(texts) >= 3 and "".join(texts).strip()
    final = deltas[-1]
    assert final.finish_reason in ("stop", "length") and final.usage is not None
    # llama.cpp's server sends no usage chunk: usage is counted here, with a real tokenizer
    assert final.usage.prompt_tokens == provider.count_tokens(request) > 0
    assert 0 < final.usage.completion_tokens <= 2 * 16
    await provider.aclose()


@pytest.mark.model
async def test_named_tool_choice_passes_through_to_a_llama_cpp_server(llama_server):
    provider = UpstreamProvider(llama_server)
    request = ask("Look up the weather in Paris.", model="smollm2", tools=LOOKUP, max_tokens=40, temperature=0,
                  tool_choice={"type": "function", "function": {"name": "lookup"}})
    deltas = await collect(provider, request)
    calls = [call for delta in deltas for call in delta.tool_calls]
    assert [c.name for c in calls if c.name] == ["lookup"] and len([c for c in calls if c.id]) == 1
    assert "q" in json.loads("".join(c.arguments for c in calls))
    assert deltas[-1].finish_reason == "tool_calls"
    await provider.aclose()


async def test_request_body_passes_options_through_and_maps_the_model(loopback, provider_for):
    provider = provider_for("ok", api_key="sk-up", model_map={"gpt-4o-mini": "local-model"})
    request = ask("hi", tools=LOOKUP, tool_choice="required", parallel_tool_calls=False, temperature=0.3,
                  top_p=0.9, max_tokens=42, response_format={"type": "json_object"})
    deltas = await collect(provider, request)
    sent = loopback.requests[-1]
    assert sent["path"].endswith("/v1/chat/completions")
    assert sent["headers"]["Authorization"] == "Bearer sk-up"
    assert sent["body"] == {
        "model": "local-model", "messages": request.messages, "stream": True,
        "stream_options": {"include_usage": True}, "tools": LOOKUP, "tool_choice": "required",
        "parallel_tool_calls": False, "temperature": 0.3, "top_p": 0.9, "max_tokens": 42,
        "response_format": {"type": "json_object"},
    }
    assert "".join(d.text for d in deltas) == "Hello"
    calls = [call for delta in deltas for call in delta.tool_calls]
    assert [(c.id, c.name) for c in calls if c.id or c.name] == [("call_1", "lookup")]
    assert "".join(c.arguments for c in calls) == '{"q": "x"}'
    final = deltas[-1]
    assert final.finish_reason == "tool_calls"
    assert (final.usage.prompt_tokens, final.usage.completion_tokens) == (11, 7)  # the upstream's own count


async def test_unset_options_are_left_out(loopback, provider_for):
    await collect(provider_for("ok"), ask("hi"))
    sent = loopback.requests[-1]
    assert set(sent["body"]) == {"model", "messages", "stream", "stream_options"}
    assert sent["body"]["model"] == "gpt-4o-mini" and "Authorization" not in sent["headers"]


@pytest.mark.parametrize("mode, code, words", [
    ("429", "rate_limit_exceeded", "Rate limit reached"),
    ("500", "server_error", "The engine exploded"),
    ("error-event", "server_error", "upstream overloaded"),
    ("cut", "server_error", "closed the stream"),
    ("cut-chunked", "server_error", "incomplete chunked read"),
])
async def test_failures_map_to_provider_errors(provider_for, mode, code, words):
    with pytest.raises(ProviderError) as raised:
        await collect(provider_for(mode), ask("hi"))
    assert raised.value.code == code and words in raised.value.message


@pytest.mark.parametrize("mode", ["hang", "stall"])
async def test_a_silent_upstream_times_out(provider_for, mode):
    provider = provider_for(mode, timeout=0.5)
    seen: list[Delta] = []
    with pytest.raises(ProviderError) as raised:
        async for delta in provider.stream(ask("hi")):
            seen.append(delta)
    assert raised.value.code == "server_error" and "timed out" in raised.value.message
    assert [d.text for d in seen] == (["Hel"] if mode == "stall" else [])


async def test_unreachable_upstream_is_a_server_error():
    provider = UpstreamProvider("http://127.0.0.1:9/v1", timeout=2)
    with pytest.raises(ProviderError) as raised:
        await collect(provider, ask("hi"))
    assert raised.value.code == "server_error"
    await provider.aclose()


def test_count_tokens_uses_the_models_encoding():
    provider = UpstreamProvider("http://127.0.0.1:9/v1", model_map={"mine": "gpt-3.5-turbo"})
    short, longer = ask("hello world"), ask(" ".join(["hello world"] * 51))
    assert provider.count_tokens(short) == 9  # OpenAI's count for this message
    assert provider.count_tokens(longer) - provider.count_tokens(short) == 100  # " hello", " world" x 50
    # gpt-4o (o200k_base) and gpt-3.5-turbo (cl100k_base) split this text differently
    text = "Straße, 東京, and ünïcödé tokenization"
    assert provider.count_tokens(ask(text, model="mine")) != provider.count_tokens(ask(text, model="gpt-4o"))
    assert provider.count_tokens(ask(text, model="some-local-model")) == provider.count_tokens(ask(text, model="gpt-4o"))
    dated = ask(text, model="gpt-3.5-turbo-0125-custom")
    assert provider.count_tokens(dated) == provider.count_tokens(ask(text, model="mine"))
    with_tools = ask("hello world", tools=LOOKUP)
    assert provider.count_tokens(with_tools) > provider.count_tokens(short)


async def test_requests_beyond_the_concurrency_limit_wait_their_turn(provider_for, monkeypatch):
    import asyncio

    from openbeta.server.providers import upstream

    monkeypatch.setattr(upstream, "MAX_CONCURRENT", 3)
    provider = provider_for("ok")
    results = await asyncio.gather(*[collect(provider, ask("hi")) for _ in range(20)])
    assert all("".join(d.text for d in deltas) == "Hello" and deltas[-1].finish_reason == "tool_calls"
               for deltas in results)
    assert provider._slots._value == 3  # every slot given back
