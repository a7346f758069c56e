"""Runs through the upstream provider: a real ``llama_cpp.server``, and failing upstreams.

Every failure must end the run as ``failed`` with the right ``last_error.code``
and end its stream, never leave either hanging.
"""

from __future__ import annotations

import json

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


LOOKUP = {"type": "function", "function": {"name": "lookup", "parameters": {
    "type": "object", "properties": {"q": {"type": "string"}}, "required": ["q"]}}}


def test_tool_call_ids_are_openbeta_s_own(start_server, loopback):
    """An upstream that names every call ``call_0`` (ids numbered per response): each call openbeta reports
    has its own id, across the steps of a run and across runs, tool outputs are submitted by those ids, and
    the history sent back upstream pairs each result with its call under them."""
    client = upstream_client(start_server, loopback.url("reused-ids"), OPENBETA_EMBEDDINGS="none")
    assistant = client.beta.assistants.create(model="m", tools=[LOOKUP])
    thread = client.beta.threads.create(messages=[{"role": "user", "content": "twice: look it up"}])
    ids: list[str] = []
    run = client.beta.threads.runs.create_and_poll(thread_id=thread.id, assistant_id=assistant.id,
                                                   poll_interval_ms=50, timeout=TIMEOUT)
    for expected in ("twice: look it up", "twice: look it up"):  # two tool-call steps in one run
        assert run.status == "requires_action", run.last_error
        [call] = run.required_action.submit_tool_outputs.tool_calls
        assert json.loads(call.function.arguments)["q"] == expected
        ids.append(call.id)
        run = client.beta.threads.runs.submit_tool_outputs_and_poll(
            run_id=run.id, thread_id=thread.id, tool_outputs=[{"tool_call_id": call.id, "output": f"r{len(ids)}"}],
            poll_interval_ms=50, timeout=TIMEOUT)
    assert run.status == "completed", run.last_error
    reply = client.beta.threads.messages.list(thread.id, run_id=run.id).data[0]
    assert reply.content[0].text.value == "done: r2"
    steps = client.beta.threads.runs.steps.list(run.id, thread_id=thread.id, order="asc").data
    assert [c.id for s in steps if s.step_details.type == "tool_calls" for c in s.step_details.tool_calls] == ids
    sent = loopback.requests[-1]["body"]["messages"]
    assert [c["id"] for m in sent if m["role"] == "assistant" for c in m.get("tool_calls") or []] == ids
    assert [m["tool_call_id"] for m in sent if m["role"] == "tool"] == ids

    client.beta.threads.messages.create(thread.id, role="user", content="once more")
    again = client.beta.threads.runs.create_and_poll(thread_id=thread.id, assistant_id=assistant.id,
                                                     poll_interval_ms=50, timeout=TIMEOUT)
    assert again.status == "requires_action"
    ids.append(again.required_action.submit_tool_outputs.tool_calls[0].id)
    assert len(set(ids)) == 3 and all(i.startswith("call_") and i != "call_0" for i in ids)
    with pytest.raises(openai.BadRequestError):  # the provider's id names no call of the run
        client.beta.threads.runs.submit_tool_outputs(run_id=again.id, thread_id=thread.id,
                                                     tool_outputs=[{"tool_call_id": "call_0", "output": "x"}])
    done = client.beta.threads.runs.submit_tool_outputs_and_poll(
        run_id=again.id, thread_id=thread.id, tool_outputs=[{"tool_call_id": ids[-1], "output": "r3"}],
        poll_interval_ms=50, timeout=TIMEOUT)
    assert done.status == "completed"

    # a server tool's call (file_search) gets openbeta's id too
    store = client.vector_stores.create(name="words")
    client.vector_stores.files.upload_and_poll(vector_store_id=store.id,
                                               file=("words.txt", b"Lindbergh is the meeting room.\n"))
    searcher = client.beta.assistants.create(model="m", tools=[{"type": "file_search"}],
                                             tool_resources={"file_search": {"vector_store_ids": [store.id]}})
    searched = client.beta.threads.create_and_run_poll(
        assistant_id=searcher.id, thread={"messages": [{"role": "user", "content": "Lindbergh"}]},
        poll_interval_ms=50, timeout=TIMEOUT)
    assert searched.status == "completed", searched.last_error
    steps = client.beta.threads.runs.steps.list(searched.id, thread_id=searched.thread_id).data
    [search] = [c for s in steps if s.step_details.type == "tool_calls" for c in s.step_details.tool_calls]
    assert search.type == "file_search" and search.id.startswith("call_") and search.id not in ids + ["call_0"]
