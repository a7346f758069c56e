"""Runs through ``OpenBeta`` on the live server (scripted provider): polling, streaming, function calls.

These need the run engine on the server; where the server does not serve runs
yet they skip.
"""

from __future__ import annotations

import json

import pytest

from openbeta import AssistantEventHandler, AsyncOpenBeta, NotFoundError, OpenBeta

WEATHER = {"type": "function", "function": {"name": "get_weather", "description": "Weather in a city",
                                            "parameters": {"type": "object",
                                                           "properties": {"city": {"type": "string"}}}}}


def script(**directive) -> str:
    """A message the scripted provider follows (see ``server/providers/scripted.py``)."""
    return "SCRIPT: " + json.dumps(directive)


@pytest.fixture
def assistant(openbeta_client: OpenBeta):
    thread = openbeta_client.beta.threads.create()
    try:
        openbeta_client.beta.threads.runs.list(thread.id)
    except NotFoundError:
        pytest.skip("this server does not serve runs yet")
    return openbeta_client.beta.assistants.create(model="scripted-model", instructions="Be terse.", tools=[WEATHER])


def text_of(message) -> str:
    return "".join(block.text.value for block in message.content if block.type == "text")


def test_create_and_poll(openbeta_client: OpenBeta, assistant) -> None:
    thread = openbeta_client.beta.threads.create(messages=[{"role": "user", "content": script(text="Hi from the engine")}])
    run = openbeta_client.beta.threads.runs.create_and_poll(thread_id=thread.id, assistant_id=assistant.id,
                                                   poll_interval_ms=50)
    assert run.status == "completed" and run.usage is not None
    reply = openbeta_client.beta.threads.messages.list(thread.id, run_id=run.id).data[0]
    assert text_of(reply) == "Hi from the engine"
    steps = list(openbeta_client.beta.threads.runs.steps.list(run.id, thread_id=thread.id))
    assert [s.type for s in steps] == ["message_creation"]
    assert openbeta_client.beta.threads.runs.steps.retrieve(steps[0].id, thread_id=thread.id, run_id=run.id).id == steps[0].id


def test_stream_with_event_handler(openbeta_client: OpenBeta, assistant) -> None:
    thread = openbeta_client.beta.threads.create(messages=[{"role": "user", "content": script(text="one two three")}])
    texts: list[str] = []

    class Handler(AssistantEventHandler):
        def on_text_delta(self, delta, snapshot) -> None:
            texts.append(snapshot.value)

    with openbeta_client.beta.threads.runs.stream(thread_id=thread.id, assistant_id=assistant.id,
                                         event_handler=Handler()) as stream:
        stream.until_done()
        final = stream.get_final_messages()
        run = stream.get_final_run()
    assert run.status == "completed" and texts[-1] == "one two three"
    assert text_of(final[-1]) == "one two three"
    stored = openbeta_client.beta.threads.messages.retrieve(final[-1].id, thread_id=thread.id)
    assert text_of(stored) == "one two three"


def test_function_call_round_trip(openbeta_client: OpenBeta, assistant) -> None:
    thread = openbeta_client.beta.threads.create(messages=[
        {"role": "user", "content": script(tool_calls=[{"name": "get_weather", "arguments": {"city": "Paris"}}],
                                           after_tools="It is sunny")}])
    with openbeta_client.beta.threads.runs.stream(thread_id=thread.id, assistant_id=assistant.id) as stream:
        stream.until_done()
        run = stream.current_run
    assert run.status == "requires_action"
    calls = run.required_action.submit_tool_outputs.tool_calls
    assert json.loads(calls[0].function.arguments) == {"city": "Paris"}
    done = openbeta_client.beta.threads.runs.submit_tool_outputs_and_poll(
        tool_outputs=[{"tool_call_id": calls[0].id, "output": "sunny"}], run_id=run.id, thread_id=thread.id,
        poll_interval_ms=50)
    assert done.status == "completed"
    assert text_of(openbeta_client.beta.threads.messages.list(thread.id).data[0]) == "It is sunny"


async def test_async_create_and_run_stream(live_server, openbeta_client: OpenBeta, assistant) -> None:
    async with AsyncOpenBeta(base_url=live_server.base_url, api_key="k") as aclient:
        async with aclient.beta.threads.create_and_run_stream(
                assistant_id=assistant.id,
                thread={"messages": [{"role": "user", "content": script(text="async reply")}]}) as stream:
            text = "".join([t async for t in stream.text_deltas])
        assert text == "async reply"
        run = await aclient.beta.threads.create_and_run_poll(
            assistant_id=assistant.id, thread={"messages": [{"role": "user", "content": "echo me"}]},
            poll_interval_ms=50)
        assert run.status == "completed"
