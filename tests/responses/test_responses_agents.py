"""The OpenAI Agents SDK's ``Runner`` on ``OpenAIResponsesModel`` (an ``AsyncOpenAI`` client pointed at a live
server, scripted model provider), on SQLite and PostgreSQL: a function-tool loop, a handoff to a second agent,
streamed events, a structured ``output_type``, and the SDK's stateful modes (``previous_response_id`` and a
server conversation)."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from pydantic import BaseModel

agents = pytest.importorskip("agents")
from agents import Agent, ModelSettings, Runner, function_tool  # noqa: E402
from agents.models.openai_responses import OpenAIResponsesModel  # noqa: E402
from openai import AsyncOpenAI  # noqa: E402

from responses_support import script

agents.set_tracing_disabled(True)


def run(coro: Any) -> Any:
    return asyncio.run(coro)


@pytest.fixture
def fresh_client(live_server):
    """``fresh_client()`` -> an ``AsyncOpenAI`` client on the live server (one per event loop)."""
    return lambda: AsyncOpenAI(base_url=live_server.base_url, api_key="test-key", max_retries=0)


@pytest.fixture
def model(fresh_client):
    """``model()`` -> an ``OpenAIResponsesModel`` on the live server."""
    return lambda: OpenAIResponsesModel(model="scripted-model", openai_client=fresh_client())


def lookup_tool(asked: list[str]) -> Any:
    @function_tool
    def lookup(word: str) -> str:
        """Look a word up."""
        asked.append(word)
        return f"{word} has {len(word)} letters"
    return lookup


def test_function_tool_loop(model):
    asked: list[str] = []
    agent = Agent(name="Helper", instructions="Use lookup.", tools=[lookup_tool(asked)], model=model())
    prompt = script(tool_calls=[{"name": "lookup", "arguments": {"word": "openbeta"}}],
                    after_tools="It has eight letters.")
    result = run(Runner.run(agent, prompt))
    assert asked == ["openbeta"]
    assert result.final_output == "It has eight letters."
    kinds = [item.type for item in result.new_items]
    assert kinds == ["tool_call_item", "tool_call_output_item", "message_output_item"]
    assert result.new_items[1].output == "openbeta has 8 letters"
    # the second model call read the tool's output: two model responses, both stored
    assert len(result.raw_responses) == 2 and result.raw_responses[1].response_id.startswith("resp_")


def test_handoff_to_a_second_agent(model):
    asked: list[str] = []
    specialist = Agent(name="Specialist", instructions="Use lookup.", tools=[lookup_tool(asked)], model=model())
    triage = Agent(name="Triage", instructions="Hand off.", handoffs=[specialist], model=model())
    prompt = script(tool_calls=[{"name": "transfer_to_specialist", "arguments": {}}], reveal_after_tools=True)
    result = run(Runner.run(triage, prompt))
    assert result.last_agent is specialist
    kinds = [item.type for item in result.new_items]
    assert kinds == ["handoff_call_item", "handoff_output_item", "message_output_item"]
    # the second model call (the scripted model answers with the request it got) is the specialist's:
    # its instructions and its tools, with the handoff's call and output in the context
    asked_with = json.loads(result.final_output)
    assert asked_with["messages"][0] == {"role": "system", "content": "Use lookup."}
    assert asked_with["tools"] == ["lookup"]
    assert asked_with["messages"][-1]["role"] == "tool"
    assert json.loads(asked_with["messages"][-1]["content"]) == {"assistant": "Specialist"}


def test_streamed_events(model):
    asked: list[str] = []
    agent = Agent(name="Helper", instructions="Use lookup.", tools=[lookup_tool(asked)], model=model())
    prompt = script(tool_calls=[{"name": "lookup", "arguments": {"word": "sse"}}], after_tools="Three letters here.")

    async def go() -> tuple[Any, list[Any]]:
        result = Runner.run_streamed(agent, prompt)
        events = [event async for event in result.stream_events()]
        return result, events

    result, events = run(go())
    raw = [e.data.type for e in events if e.type == "raw_response_event"]
    items = [e.name for e in events if e.type == "run_item_stream_event"]
    assert raw.count("response.created") == 2 and raw.count("response.completed") == 2
    assert "response.function_call_arguments.delta" in raw
    deltas = [e.data.delta for e in events if e.type == "raw_response_event"
              and e.data.type == "response.output_text.delta"]
    assert "".join(deltas) == "Three letters here."
    assert items == ["tool_called", "tool_output", "message_output_created"]
    assert asked == ["sse"] and result.final_output == "Three letters here."


class Weather(BaseModel):
    city: str
    celsius: int


def test_structured_output_type(model, fresh_client):
    agent = Agent(name="Forecaster", instructions="Answer as JSON.", output_type=Weather, model=model())
    result = run(Runner.run(agent, script(text=json.dumps({"city": "Paris", "celsius": 21}))))
    assert result.final_output == Weather(city="Paris", celsius=21)
    stored = run(fresh_client().responses.retrieve(result.last_response_id))
    fmt = stored.text.format
    assert fmt.type == "json_schema" and fmt.strict is True
    assert fmt.schema_["properties"].keys() == {"city", "celsius"}


def test_the_sdk_settings_reach_the_model_and_the_response(model, fresh_client):
    """The settings the SDK sends are applied (the scripted model answers with the request it got) and
    echoed by the stored response."""
    settings = ModelSettings(temperature=0.2, top_p=0.9, parallel_tool_calls=False, tool_choice="auto",
                             truncation="auto", store=True, max_tokens=50, metadata={"app": "agents"},
                             include_usage=True, verbosity="low", extra_args={"prompt_cache_key": "agents-1"})
    asked: list[str] = []
    agent = Agent(name="Helper", instructions="Be brief.", tools=[lookup_tool(asked)], model=model(),
                  model_settings=settings)
    result = run(Runner.run(agent, script(reveal=True)))
    asked_with = json.loads(result.final_output)
    assert (asked_with["temperature"], asked_with["top_p"], asked_with["max_tokens"]) == (0.2, 0.9, 50)
    assert asked_with["parallel_tool_calls"] is False and asked_with["tools"] == ["lookup"]
    assert asked_with["messages"][0] == {"role": "system", "content": "Be brief."}
    stored = run(fresh_client().responses.retrieve(result.last_response_id))
    assert stored.metadata == {"app": "agents"} and stored.truncation == "auto"
    assert stored.prompt_cache_key == "agents-1" and stored.text.verbosity == "low"
    assert stored.max_output_tokens == 50 and stored.parallel_tool_calls is False


def test_previous_response_id_mode(model):
    asked: list[str] = []
    agent = Agent(name="Helper", instructions="Use lookup.", tools=[lookup_tool(asked)], model=model())
    prompt = script(tool_calls=[{"name": "lookup", "arguments": {"word": "chain"}}], after_tools="Chained.")
    result = run(Runner.run(agent, prompt, auto_previous_response_id=True))
    assert asked == ["chain"] and result.final_output == "Chained."
    assert result.last_response_id and result.last_response_id.startswith("resp_")


def test_conversation_mode(model, fresh_client):
    """``conversation_id``: the SDK sends only the new items; the server's conversation holds the rest."""
    asked: list[str] = []
    agent = Agent(name="Helper", instructions="Use lookup.", tools=[lookup_tool(asked)], model=model())
    prompt = script(tool_calls=[{"name": "lookup", "arguments": {"word": "kept"}}], after_tools="Kept.")

    async def go() -> tuple[Any, list[str]]:
        client = fresh_client()
        conversation = await client.conversations.create()
        result = await Runner.run(agent, prompt, conversation_id=conversation.id)
        page = await client.conversations.items.list(conversation.id, order="asc")
        return result, [item.type for item in page.data]

    result, kinds = run(go())
    assert asked == ["kept"] and result.final_output == "Kept."
    assert kinds == ["message", "function_call", "function_call_output", "message"]


def test_a_setting_the_server_does_not_do_is_refused_by_name(model):
    """``top_logprobs`` (no provider here returns log probabilities) is a 400 naming the parameter."""
    import openai

    agent = Agent(name="Helper", model=model(), model_settings=ModelSettings(top_logprobs=2))
    with pytest.raises(openai.BadRequestError) as caught:
        run(Runner.run(agent, "hello"))
    assert caught.value.status_code == 400 and caught.value.body["param"] == "top_logprobs"
    assert caught.value.body["code"] == "unsupported_parameter"
