"""Responses end to end on the embedded default model through the official SDK (marked ``model``): a plain
answer, streamed, a function call answered in the next response, a file_search answer on a vector store
(the local embedder), and the Agents SDK's tool loop."""

from __future__ import annotations

import json

import openai
import pytest

pytestmark = pytest.mark.model

WEATHER = {"type": "function", "name": "get_weather", "description": "The current weather in a city",
           "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}


@pytest.fixture(scope="module")
def local_server(start_server):
    return start_server(OPENBETA_PROVIDER="local")  # the default model: the first one installed


@pytest.fixture(scope="module")
def local_client(local_server) -> openai.OpenAI:
    return openai.OpenAI(base_url=local_server.base_url, api_key="k", max_retries=0, timeout=600)


def test_a_plain_answer_streamed(local_client):
    with local_client.responses.stream(model="qwen2.5-coder-0.5b", instructions="Answer in one short sentence.",
                                       input="What is the capital of France?", max_output_tokens=64,
                                       temperature=0) as stream:
        deltas = [e.delta for e in stream if e.type == "response.output_text.delta"]
        final = stream.get_final_response()
    assert final.status == "completed" and final.output_text.strip()
    assert "".join(deltas) == final.output_text
    assert final.usage.input_tokens > 0 and final.usage.output_tokens > 0
    assert local_client.responses.retrieve(final.id).output_text == final.output_text


def test_a_function_call_and_its_answer(local_client):
    asked = local_client.responses.create(model="qwen2.5-coder-0.5b", input="What is the weather in Paris?",
                                          tools=[WEATHER], tool_choice={"type": "function", "name": "get_weather"},
                                          temperature=0, max_output_tokens=128)
    assert asked.status == "completed", asked.error
    call = asked.output[-1]
    assert call.type == "function_call" and call.name == "get_weather"
    assert isinstance(json.loads(call.arguments), dict)
    answered = local_client.responses.create(
        model="qwen2.5-coder-0.5b", previous_response_id=asked.id, tools=[WEATHER], tool_choice="none",
        temperature=0, max_output_tokens=64,
        input=[{"type": "function_call_output", "call_id": call.call_id, "output": "Sunny, 24 degrees Celsius."}])
    assert answered.status in ("completed", "incomplete") and answered.output_text.strip()


def test_a_file_search_answer(local_client):
    """The model searches the store (forced) and answers from what it found; what it cites points at a file
    it was shown. The answer's words are the model's: that it names the fact is asserted, as the embedded
    default answers this one reliably (bench/model_quality.py measures how often it does)."""
    store = local_client.vector_stores.create(name="facts")
    for name, text in {"zebra-facts.txt": "Zebras are African horses. Each zebra's stripes are unique, like a "
                                          "fingerprint, and help confuse biting flies.",
                       "copper-facts.txt": "Copper is a reddish metal that conducts electricity well."}.items():
        local_client.vector_stores.files.upload_and_poll(vector_store_id=store.id,
                                                         file=(name, text.encode()), poll_interval_ms=200)
    response = local_client.responses.create(
        model="qwen2.5-coder-0.5b", instructions="Answer from the files, in one sentence.",
        input="What are zebra stripes like?", tools=[{"type": "file_search", "vector_store_ids": [store.id],
                                                      "max_num_results": 2}],
        tool_choice={"type": "file_search"}, include=["file_search_call.results"], temperature=0,
        max_output_tokens=128)
    assert response.status in ("completed", "incomplete"), response.error
    call = response.output[0]
    assert call.type == "file_search_call" and call.status == "completed" and call.queries
    assert call.results and call.results[0].filename == "zebra-facts.txt" and "stripes" in call.results[0].text
    message = response.output[-1]
    assert message.type == "message" and response.output_text.strip()
    assert any(word in response.output_text.lower() for word in ("unique", "fingerprint", "flies")), \
        response.output_text
    shown = {result.file_id for result in call.results}
    for note in message.content[0].annotations:
        assert note.type == "file_citation" and note.file_id in shown


def test_an_agents_sdk_function_tool_agent(local_server):
    """The Agents SDK's Runner on OpenAIResponsesModel: the model calls the tool (forced once; the SDK lets
    the model choose again after it), reads its output and answers."""
    import asyncio

    agents = pytest.importorskip("agents")
    from agents.models.openai_responses import OpenAIResponsesModel

    agents.set_tracing_disabled(True)
    cities: list[str] = []

    @agents.function_tool
    def get_weather(city: str) -> str:
        """The current weather in a city."""
        cities.append(city)
        return "Sunny, 24 degrees Celsius."

    async def go() -> object:
        client = openai.AsyncOpenAI(base_url=local_server.base_url, api_key="k", max_retries=0, timeout=600)
        agent = agents.Agent(
            name="Weather", instructions="Answer in one short sentence.", tools=[get_weather],
            model=OpenAIResponsesModel(model="qwen2.5-coder-0.5b", openai_client=client),
            model_settings=agents.ModelSettings(tool_choice="get_weather", temperature=0, max_tokens=128))
        return await agents.Runner.run(agent, "What is the weather in Paris?", max_turns=4)

    result = asyncio.run(go())
    assert len(cities) >= 1 and all(isinstance(city, str) for city in cities)
    kinds = [item.type for item in result.new_items]
    assert kinds[:2] == ["tool_call_item", "tool_call_output_item"] and kinds[-1] == "message_output_item"
    assert isinstance(result.final_output, str) and result.final_output.strip()
