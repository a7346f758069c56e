"""The beta flavour (``?beta=true``) through the official SDK's ``client.beta.responses`` against a live server
(scripted model provider), on SQLite and PostgreSQL: every operation answers objects the SDK's ``Beta*`` types
parse, and what the beta shapes add (multi-agent execution) is accepted when disabled and refused by name
otherwise."""

from __future__ import annotations

import json
import time
from typing import Any

import openai
import pytest
from openai.types.beta import BetaResponse

from responses_support import SCRIPTED, script
from sdk_clients import sdk_fixture

#: The beta resource is the official SDK's (openbeta's own SDK has no ``client.beta.responses``).
sdk = sdk_fixture(["openai"])

WEATHER = {"type": "function", "name": "get_weather", "description": "Weather in a city",
           "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}


def text(response: Any) -> str:
    """A response's answer (``BetaResponse`` has no ``output_text`` helper)."""
    return "".join(part.text for item in response.output if item.type == "message" for part in item.content
                   if part.type == "output_text")


def test_create_retrieve_input_items_delete(client):
    beta = client.beta.responses
    response = beta.create(model=SCRIPTED, input=script(text="Hello beta"), instructions="Be brief.",
                           betas=["responses_multi_agent=v1"], multi_agent={"enabled": False})
    assert isinstance(response, BetaResponse)
    assert response.status == "completed" and text(response) == "Hello beta"
    again = beta.retrieve(response.id)
    assert again.model_dump() == response.model_dump()
    # the same response read through the GA resource
    assert client.responses.retrieve(response.id).output_text == "Hello beta"
    items = beta.input_items.list(response.id)
    assert [(i.type, i.role) for i in items.data] == [("message", "user")]
    beta.delete(response.id)
    with pytest.raises(openai.NotFoundError):
        beta.retrieve(response.id)


def test_streamed_and_resumed(client):
    beta = client.beta.responses
    events = list(beta.create(model=SCRIPTED, input=script(text="one two three"), stream=True))
    kinds = [e.type for e in events]
    assert kinds[0] == "response.created" and kinds[-1] == "response.completed"
    assert [e.sequence_number for e in events] == list(range(len(events)))
    assert "".join(e.delta for e in events if e.type == "response.output_text.delta") == "one two three"
    final = events[-1].response
    later = list(beta.retrieve(final.id, stream=True, starting_after=2))
    assert [e.sequence_number for e in later] == list(range(3, len(events)))


def test_a_function_call_loop(client):
    beta = client.beta.responses
    asked = beta.create(model=SCRIPTED, input=script(tool_calls=[{"name": "get_weather", "arguments": {"city": "Oslo"}}],
                                                      after_tools="Cold in Oslo."), tools=[WEATHER])
    call = asked.output[-1]
    assert call.type == "function_call" and json.loads(call.arguments) == {"city": "Oslo"}
    answered = beta.create(model=SCRIPTED, previous_response_id=asked.id, tools=[WEATHER],
                           input=[{"type": "function_call_output", "call_id": call.call_id, "output": "-3 C"}])
    assert text(answered) == "Cold in Oslo."


def test_background_and_cancel(client):
    beta = client.beta.responses
    started = beta.create(model=SCRIPTED, input=script(text="w " * 200, delay=0.05), background=True)
    assert started.status in ("queued", "in_progress")
    cancelled = beta.cancel(started.id)
    assert cancelled.status in ("cancelled", "cancelling")
    deadline = time.monotonic() + 20
    while beta.retrieve(started.id).status != "cancelled":
        assert time.monotonic() < deadline
        time.sleep(0.05)


def test_input_tokens_and_compact(client):
    beta = client.beta.responses
    counted = beta.input_tokens.count(model=SCRIPTED, input="one two three")
    assert counted.input_tokens > 0
    compacted = beta.compact(model=SCRIPTED, input="Keep this.", instructions=script(text="Kept."))
    assert compacted.object == "response.compaction"
    assert [i.type for i in compacted.output] == ["message", "compaction"]


def test_multi_agent_is_refused_by_name(http):
    enabled = http.post("/v1/responses?beta=true", json={"model": SCRIPTED, "input": "hi",
                                                         "multi_agent": {"enabled": True}})
    assert enabled.status_code == 400
    assert enabled.json()["error"]["param"] == "multi_agent.enabled"
    assert enabled.json()["error"]["code"] == "unsupported_parameter"
    for i, item in enumerate([
            {"type": "agent_message", "id": "am_1", "author": "a", "recipient": "b", "content": []},
            {"type": "multi_agent_call", "call_id": "c", "action": "spawn", "arguments": "{}"},
            {"role": "user", "content": "hi", "agent": {"agent_name": "root"}}]):
        answer = http.post("/v1/responses?beta=true", json={"model": SCRIPTED, "input": [item]})
        assert answer.status_code == 400, item
        assert answer.json()["error"]["param"] == ("input[0].agent" if i == 2 else "input[0].type")
    counted = http.post("/v1/responses/input_tokens?beta=true", json={
        "model": SCRIPTED, "input": "hi", "multi_agent": {"enabled": True}})
    assert counted.status_code == 400
    # the GA flavour has no multi_agent parameter at all
    ga = http.post("/v1/responses", json={"model": SCRIPTED, "input": "hi", "multi_agent": {"enabled": False}})
    assert ga.status_code == 400 and ga.json()["error"]["param"] == "multi_agent"
