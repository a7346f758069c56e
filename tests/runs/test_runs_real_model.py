"""Runs end to end on the embedded model through the official SDK (marked ``model``)."""

from __future__ import annotations

import json

import openai
import pytest
from runs_helpers import WEATHER, Recorder

pytestmark = pytest.mark.model

POLL = {"poll_interval_ms": 100, "max_completion_tokens": 256, "temperature": 0}


@pytest.fixture(scope="module")
def smollm2_client(start_server) -> openai.OpenAI:
    server = start_server(OPENBETA_PROVIDER="local", OPENBETA_LOCAL_CONTEXT_SIZE="2048")
    return openai.OpenAI(base_url=server.base_url, api_key="k", max_retries=0, timeout=300)


@pytest.fixture(scope="module")
def assistant(smollm2_client):
    return smollm2_client.beta.assistants.create(model="smollm2", instructions="Answer in one short sentence.",
                                         tools=[WEATHER])


def ask(smollm2_client, text: str):
    return smollm2_client.beta.threads.create(messages=[{"role": "user", "content": text}])


def reply_text(smollm2_client, thread_id: str, run_id: str) -> str:
    message = smollm2_client.beta.threads.messages.list(thread_id, run_id=run_id).data[0]
    assert message.role == "assistant"
    return message.content[0].text.value


def test_a_reply_arrives_polling_and_streaming(smollm2_client, assistant):
    thread = ask(smollm2_client, "What is the capital of France?")
    run = smollm2_client.beta.threads.runs.create_and_poll(thread_id=thread.id, assistant_id=assistant.id,
                                                   tool_choice="none", **POLL)
    assert run.status in ("completed", "incomplete"), run.last_error
    assert run.usage.prompt_tokens > 0 and run.usage.completion_tokens > 0
    assert reply_text(smollm2_client, thread.id, run.id).strip()

    smollm2_client.beta.threads.messages.create(thread.id, role="user", content="And of Italy?")
    handler = Recorder()
    with smollm2_client.beta.threads.runs.stream(thread_id=thread.id, assistant_id=assistant.id, tool_choice="none",
                                         max_completion_tokens=256, event_handler=handler) as stream:
        stream.until_done()
        final = stream.get_final_messages()
        streamed_run = stream.get_final_run()
    assert handler.events[:3] == ["thread.run.created", "thread.run.queued", "thread.run.in_progress"]
    assert "thread.message.delta" in handler.events
    assert handler.events[-1] in ("thread.run.completed", "thread.run.incomplete")
    assert handler.text.strip() and final[0].content[0].text.value == handler.text
    assert reply_text(smollm2_client, thread.id, streamed_run.id) == handler.text


@pytest.mark.parametrize("tool_choice", [{"type": "function", "function": {"name": "get_weather"}}, "required"],
                         ids=["named", "required"])
def test_forced_tool_call_then_outputs_complete_the_run(smollm2_client, assistant, tool_choice):
    thread = ask(smollm2_client, "What is the weather like in Paris today?")
    run = smollm2_client.beta.threads.runs.create_and_poll(thread_id=thread.id, assistant_id=assistant.id,
                                                   tool_choice=tool_choice, **POLL)
    assert run.status == "requires_action", run.last_error
    calls = run.required_action.submit_tool_outputs.tool_calls
    assert len(calls) == 1 and calls[0].type == "function" and calls[0].function.name == "get_weather"
    arguments = json.loads(calls[0].function.arguments)
    assert isinstance(arguments, dict) and isinstance(arguments.get("city"), str)

    run = smollm2_client.beta.threads.runs.submit_tool_outputs_and_poll(
        run_id=run.id, thread_id=thread.id, poll_interval_ms=100,
        tool_outputs=[{"tool_call_id": calls[0].id, "output": "Sunny, 21 degrees Celsius."}])
    assert run.status in ("completed", "incomplete"), run.last_error
    steps = smollm2_client.beta.threads.runs.steps.list(run.id, thread_id=thread.id, order="asc").data
    assert [s.type for s in steps] == ["tool_calls", "message_creation"]
    assert steps[0].step_details.tool_calls[0].function.output == "Sunny, 21 degrees Celsius."
    assert reply_text(smollm2_client, thread.id, run.id).strip()


def test_submitting_outputs_streams_the_answer(smollm2_client, assistant):
    thread = ask(smollm2_client, "Weather in Rome?")
    run = smollm2_client.beta.threads.runs.create_and_poll(thread_id=thread.id, assistant_id=assistant.id,
                                                   tool_choice="required", **POLL)
    assert run.status == "requires_action", run.last_error
    call = run.required_action.submit_tool_outputs.tool_calls[0]
    handler = Recorder()
    with smollm2_client.beta.threads.runs.submit_tool_outputs_stream(
            run_id=run.id, thread_id=thread.id, event_handler=handler,
            tool_outputs=[{"tool_call_id": call.id, "output": "Rain, 12 degrees Celsius."}]) as stream:
        stream.until_done()
    assert handler.events[:2] == ["thread.run.step.completed", "thread.run.queued"]
    assert handler.events[-1] in ("thread.run.completed", "thread.run.incomplete")
    assert handler.text.strip() and reply_text(smollm2_client, thread.id, run.id) == handler.text


CITY_SCHEMA = {"type": "object", "properties": {"city": {"type": "string"}, "country": {"type": "string"}},
               "required": ["city", "country"], "additionalProperties": False}


@pytest.mark.parametrize("response_format", [
    {"type": "json_object"},
    {"type": "json_schema", "json_schema": {"name": "place", "schema": CITY_SCHEMA, "strict": True}},
], ids=["json_object", "json_schema"])
def test_response_format_gives_json(smollm2_client, response_format):
    assistant = smollm2_client.beta.assistants.create(
        model="smollm2", instructions="Reply with a JSON object with keys city and country.",
        response_format=response_format)
    thread = ask(smollm2_client, "Which city is the capital of Japan?")
    run = smollm2_client.beta.threads.runs.create_and_poll(thread_id=thread.id, assistant_id=assistant.id, **POLL)
    assert run.status == "completed", (run.status, run.last_error, run.incomplete_details)
    value = json.loads(reply_text(smollm2_client, thread.id, run.id))
    assert isinstance(value, dict)
    if response_format["type"] == "json_schema":
        import jsonschema

        jsonschema.validate(value, CITY_SCHEMA)
