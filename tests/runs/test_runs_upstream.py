"""Runs through the upstream provider: a real ``llama_cpp.server``, and failing upstreams.

Every failure must end the run as ``failed`` with the right ``last_error.code``
and end its stream, never leave either hanging.
"""

from __future__ import annotations

import openai
import pytest
from runs_helpers import Recorder

TIMEOUT = 60


def upstream_client(start_server, base_url: str, **env: str) -> openai.OpenAI:
    server = start_server(OPENBETA_PROVIDER="upstream", OPENBETA_UPSTREAM_BASE_URL=base_url, **env)
    return openai.OpenAI(base_url=server.base_url, api_key="k", max_retries=0, timeout=TIMEOUT)


def new_thread(client: openai.OpenAI, text: str):
    assistant = client.beta.assistants.create(model="smollm2", instructions="Answer in one short sentence.")
    thread = client.beta.threads.create(messages=[{"role": "user", "content": text}])
    return assistant, thread


@pytest.mark.model
def test_runs_complete_on_llama_cpp_server(start_server, llama_server):
    client = upstream_client(start_server, llama_server)
    assistant, thread = new_thread(client, "What is the capital of France?")
    run = client.beta.threads.runs.create_and_poll(thread_id=thread.id, assistant_id=assistant.id,
                                                   max_completion_tokens=256, temperature=0, poll_interval_ms=100)
    assert run.status in ("completed", "incomplete"), run.last_error
    assert run.usage.prompt_tokens > 0 and run.usage.completion_tokens > 0
    reply = client.beta.threads.messages.list(thread.id, run_id=run.id).data[0]
    assert reply.role == "assistant" and reply.content[0].text.value.strip()

    client.beta.threads.messages.create(thread.id, role="user", content="And of Italy?")
    handler = Recorder()
    with client.beta.threads.runs.stream(thread_id=thread.id, assistant_id=assistant.id, max_completion_tokens=256,
                                         temperature=0, event_handler=handler) as stream:
        stream.until_done()
        final = stream.get_final_messages()
    assert handler.events[:3] == ["thread.run.created", "thread.run.queued", "thread.run.in_progress"]
    assert handler.events[-1] in ("thread.run.completed", "thread.run.incomplete")
    assert handler.text.strip() and final[0].content[0].text.value == handler.text


UNREACHABLE = "http://127.0.0.1:9/v1"  # the discard port: nothing listens there on a test machine


@pytest.mark.parametrize("where, code", [
    ("unreachable", "server_error"),
    ("429", "rate_limit_exceeded"),
    ("500", "server_error"),
    ("hang", "server_error"),  # no answer within the upstream timeout
    ("stall", "server_error"),  # one chunk, then silence past the upstream timeout
])
def test_failing_upstream_fails_the_run(start_server, loopback, where, code):
    base_url = UNREACHABLE if where == "unreachable" else loopback.url(where)
    client = upstream_client(start_server, base_url, OPENBETA_UPSTREAM_TIMEOUT="1")
    assistant, thread = new_thread(client, "Hello")

    run = client.beta.threads.runs.create_and_poll(thread_id=thread.id, assistant_id=assistant.id,
                                                   poll_interval_ms=100, timeout=TIMEOUT)
    assert run.status == "failed" and run.failed_at is not None
    assert run.last_error.code == code and run.last_error.message

    handler = Recorder()
    with client.beta.threads.runs.stream(thread_id=thread.id, assistant_id=assistant.id,
                                         event_handler=handler) as stream:
        stream.until_done()
        streamed = stream.current_run
    assert handler.events[-1] == "thread.run.failed"
    assert streamed.status == "failed" and streamed.last_error.code == code
    if where == "stall":  # the text that did arrive is kept, in an incomplete message
        assert "thread.message.incomplete" in handler.events
        message = client.beta.threads.messages.list(thread.id, run_id=streamed.id).data[0]
        assert message.status == "incomplete" and message.content[0].text.value == "Hel"
