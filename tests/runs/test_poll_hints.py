"""``openai-poll-after-ms``: the header the official SDKs' polling helpers sleep by, on runs, vector store files
and file batches while they move, and absent once they have settled. Read through the official Python SDK's
raw responses (the Node SDK's helpers are driven in ``tests/node/test_node_sdk.py``)."""

from __future__ import annotations

import time
from typing import Any

import openai
import pytest

from openbeta.server.services.polling import MAX_POLL_MS, MIN_POLL_MS, poll_after_ms
from runs_helpers import script, wait_for

HEADER = "openai-poll-after-ms"
#: Work that has just started (timestamps are whole seconds, so its age reads as up to a second more).
FRESH = range(MIN_POLL_MS, 501)


@pytest.fixture(scope="module")
def hinting(start_server) -> openai.OpenAI:
    server = start_server(OPENBETA_PROVIDER="scripted", OPENBETA_EMBEDDINGS="none")
    return openai.OpenAI(base_url=server.base_url, api_key="k", max_retries=0)


def hint(raw: Any) -> int | None:
    value = raw.headers.get(HEADER)
    return None if value is None else int(value)


def test_the_hint_follows_the_state_and_age_of_the_work() -> None:
    t = 1_000_000.0
    run = {"object": "thread.run", "created_at": int(t) - 30}
    assert poll_after_ms({**run, "status": "queued"}, t) == MIN_POLL_MS
    assert poll_after_ms({**run, "status": "cancelling"}, t) == MIN_POLL_MS
    assert poll_after_ms({**run, "status": "in_progress", "started_at": int(t)}, t) == MIN_POLL_MS
    assert poll_after_ms({**run, "status": "in_progress", "started_at": int(t) - 2}, t) == 500
    assert poll_after_ms({**run, "status": "in_progress", "started_at": int(t) - 600}, t) == MAX_POLL_MS
    for settled in ("requires_action", "completed", "failed", "cancelled", "expired", "incomplete"):
        assert poll_after_ms({**run, "status": settled}, t) is None
    file = {"object": "vector_store.file", "created_at": int(t) - 4}
    assert poll_after_ms({**file, "status": "in_progress"}, t) == 1000
    assert poll_after_ms({**file, "status": "completed"}, t) is None
    batch = {"object": "vector_store.files_batch", "created_at": int(t)}
    assert poll_after_ms({**batch, "status": "in_progress"}, t) == MIN_POLL_MS
    assert poll_after_ms({**batch, "status": "cancelled"}, t) is None
    assert poll_after_ms({"object": "assistant", "status": "in_progress"}, t) is None


def test_runs_carry_the_hint_while_they_move(hinting) -> None:
    runs = hinting.beta.threads.runs
    assistant = hinting.beta.assistants.create(model="scripted-model")
    slow = script(text=" ".join(["word"] * 60), delay=0.1)  # about 6 s of streaming
    thread = hinting.beta.threads.create(messages=[{"role": "user", "content": slow}])
    created = runs.with_raw_response.create(thread_id=thread.id, assistant_id=assistant.id)
    run = created.parse()
    assert run.status == "queued" and hint(created) == MIN_POLL_MS
    wait_for(hinting, thread.id, run.id, {"in_progress"})
    early = runs.with_raw_response.retrieve(run.id, thread_id=thread.id)
    assert early.parse().status == "in_progress" and hint(early) in FRESH
    time.sleep(2.5)
    later = runs.with_raw_response.retrieve(run.id, thread_id=thread.id)
    assert later.parse().status == "in_progress"
    assert 500 <= hint(later) <= MAX_POLL_MS and hint(later) > hint(early)  # longer work: a longer wait
    cancel = runs.with_raw_response.cancel(run.id, thread_id=thread.id)
    assert cancel.parse().status == "cancelling" and hint(cancel) == MIN_POLL_MS
    wait_for(hinting, thread.id, run.id, {"cancelled"})
    assert hint(runs.with_raw_response.retrieve(run.id, thread_id=thread.id)) is None

    weather = {"type": "function", "function": {"name": "get_weather", "parameters": {"type": "object"}}}
    calling = hinting.beta.threads.create(messages=[{"role": "user", "content": script(
        tool_calls=[{"name": "get_weather", "arguments": {}}])}])
    waiting = runs.create_and_poll(thread_id=calling.id, assistant_id=assistant.id, tools=[weather],
                                   poll_interval_ms=50)
    assert waiting.status == "requires_action"
    assert hint(runs.with_raw_response.retrieve(waiting.id, thread_id=calling.id)) is None  # the client's turn
    [call] = waiting.required_action.submit_tool_outputs.tool_calls
    submitted = runs.with_raw_response.submit_tool_outputs(waiting.id, thread_id=calling.id,
                                                           tool_outputs=[{"tool_call_id": call.id, "output": "x"}])
    assert submitted.parse().status == "queued" and hint(submitted) == MIN_POLL_MS
    done = wait_for(hinting, calling.id, waiting.id, {"completed"})
    assert hint(runs.with_raw_response.retrieve(done.id, thread_id=calling.id)) is None

    thread_run = hinting.beta.threads.with_raw_response.create_and_run(
        assistant_id=assistant.id, thread={"messages": [{"role": "user", "content": "hi"}]})
    assert thread_run.parse().status == "queued" and hint(thread_run) == MIN_POLL_MS


def test_vector_store_files_and_batches_carry_the_hint_while_ingesting(hinting) -> None:
    store = hinting.vector_stores.create(name="hints")
    uploaded = [hinting.files.create(file=(f"n{i}.txt", f"note number {i}\n".encode()), purpose="assistants")
                for i in range(3)]
    added = hinting.vector_stores.files.with_raw_response.create(vector_store_id=store.id, file_id=uploaded[0].id)
    assert added.parse().status == "in_progress" and hint(added) in FRESH
    file = hinting.vector_stores.files.poll(uploaded[0].id, vector_store_id=store.id, poll_interval_ms=50)
    assert file.status == "completed"
    assert hint(hinting.vector_stores.files.with_raw_response.retrieve(
        uploaded[0].id, vector_store_id=store.id)) is None

    batch = hinting.vector_stores.file_batches.with_raw_response.create(
        vector_store_id=store.id, file_ids=[f.id for f in uploaded[1:]])
    assert batch.parse().status == "in_progress" and hint(batch) in FRESH
    done = hinting.vector_stores.file_batches.poll(batch.parse().id, vector_store_id=store.id, poll_interval_ms=50)
    assert done.status == "completed"
    assert hint(hinting.vector_stores.file_batches.with_raw_response.retrieve(
        done.id, vector_store_id=store.id)) is None
