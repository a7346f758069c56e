"""Three replicas on one PostgreSQL database: any replica serves any request."""

from __future__ import annotations

import json
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import openai
import pytest
from scaleout_helpers import TERMINAL, script, sdk, wait_for

FUNCTION = {"type": "function", "function": {"name": "lookup", "parameters": {"type": "object", "properties": {}}}}


def stream(url: str, body: dict, on_event=None) -> list[tuple[str, object]]:
    """POST ``body`` to ``url`` with ``stream: true``; the (event, data) pairs until the stream ends."""
    events: list[tuple[str, object]] = []
    buffer = ""
    with httpx.stream("POST", url, json={**body, "stream": True}, timeout=60) as response:
        assert response.status_code == 200, response.read()
        for text in response.iter_text():
            buffer += text
            while "\n\n" in buffer:
                block, buffer = buffer.split("\n\n", 1)
                if not block.startswith("event: "):
                    continue
                name, _, data = block[len("event: "):].partition("\ndata: ")
                value = data if name == "done" else json.loads(data)
                events.append((name, value))
                if on_event is not None:
                    on_event(name, value)
    return events


def test_runs_split_across_replicas_and_polled_from_others(trio):
    a, b, c = trio
    assistant = sdk(a).beta.assistants.create(model="m")
    runs = []
    for i, server in enumerate(trio * 2):
        client = sdk(server)
        thread = client.beta.threads.create(messages=[{"role": "user", "content": f"hello {i}"}])
        runs.append((thread.id, client.beta.threads.runs.create(thread_id=thread.id, assistant_id=assistant.id).id))
    for i, (thread_id, run_id) in enumerate(runs):
        other = sdk(trio[(i + 1) % 3])
        run = wait_for(other, thread_id, run_id, TERMINAL)
        assert run.status == "completed" and run.last_error is None
        messages = sdk(trio[(i + 2) % 3]).beta.threads.messages.list(thread_id, order="asc").data
        assert [m.role for m in messages] == ["user", "assistant"]
        assert messages[1].content[0].text.value == f"hello {i}"
    for i, (_, run_id) in enumerate(runs):  # each run was driven by the replica that took its request
        assert f"run_id={run_id}" in trio[i % 3].log()
        assert f"run_id={run_id}" not in trio[(i + 1) % 3].log()


def test_stream_on_one_replica_cancelled_from_another(trio):
    a, b, _ = trio
    assistant = sdk(a).beta.assistants.create(model="m")
    thread = sdk(a).beta.threads.create(messages=[{"role": "user", "content": script(
        text=" ".join(["word"] * 400), delay=0.02)}])
    started = threading.Event()
    seen: dict[str, str] = {}

    def on_event(name: str, data) -> None:
        if name == "thread.run.created":
            seen["run"] = data["id"]
        if name == "thread.message.delta":
            started.set()

    with ThreadPoolExecutor(1) as pool:
        events = pool.submit(stream, f"{a.base_url}/threads/{thread.id}/runs", {"assistant_id": assistant.id},
                             on_event)
        assert started.wait(20)
        cancelled = sdk(b).beta.threads.runs.cancel(seen["run"], thread_id=thread.id)
        assert cancelled.status == "cancelling"
        names = [name for name, _ in events.result(timeout=30)]
    assert names[-3:] == ["thread.run.cancelling", "thread.run.cancelled", "done"][-3:] or \
        names[-2:] == ["thread.run.cancelled", "done"], names[-6:]
    assert "thread.run.cancelling" in names and names.index("thread.run.cancelling") < names.index("thread.run.cancelled")
    run = sdk(b).beta.threads.runs.retrieve(seen["run"], thread_id=thread.id)
    assert run.status == "cancelled" and run.cancelled_at and run.completed_at is None


def test_tool_outputs_submitted_on_another_replica(trio):
    a, b, c = trio
    assistant = sdk(a).beta.assistants.create(model="m", tools=[FUNCTION])
    thread = sdk(a).beta.threads.create(messages=[{"role": "user", "content": script(
        tool_calls=[{"name": "lookup", "arguments": {"q": 1}}], after_tools="looked up: {marker}done")}])
    run = sdk(a).beta.threads.runs.create(thread_id=thread.id, assistant_id=assistant.id)
    run = wait_for(sdk(c), thread.id, run.id, {"requires_action"} | TERMINAL)
    assert run.status == "requires_action"
    call_id = run.required_action.submit_tool_outputs.tool_calls[0].id
    events = stream(f"{b.base_url}/threads/{thread.id}/runs/{run.id}/submit_tool_outputs",
                    {"tool_outputs": [{"tool_call_id": call_id, "output": "42"}]})
    names = [name for name, _ in events]
    assert names[-2:] == ["thread.run.completed", "done"], names
    text = "".join(d["delta"]["content"][0]["text"]["value"] for n, d in events if n == "thread.message.delta")
    assert text == "looked up: done"
    final = sdk(c).beta.threads.runs.retrieve(run.id, thread_id=thread.id)
    assert final.status == "completed"
    assert [m.role for m in sdk(a).beta.threads.messages.list(thread.id, order="asc").data] == ["user", "assistant"]


def test_concurrent_run_creates_on_one_thread_exactly_one_wins(trio):
    assistant = sdk(trio[0]).beta.assistants.create(model="m")
    # a run that stays active far longer than the creates take, even on a loaded machine
    thread = sdk(trio[1]).beta.threads.create(messages=[{"role": "user", "content": script(
        text=" ".join(["word"] * 300), delay=0.05)}])
    barrier = threading.Barrier(10)

    def create(i: int) -> int:
        with httpx.Client(base_url=trio[i % 3].base_url, timeout=30) as http:
            barrier.wait()
            return http.post(f"/threads/{thread.id}/runs", json={"assistant_id": assistant.id}).status_code

    with ThreadPoolExecutor(10) as pool:
        codes = list(pool.map(create, range(10)))
    assert sorted(codes) == [200] + [400] * 9, codes
    runs = sdk(trio[2]).beta.threads.runs.list(thread.id).data
    assert len(runs) == 1
    sdk(trio[2]).beta.threads.runs.cancel(runs[0].id, thread_id=thread.id)
    assert wait_for(sdk(trio[0]), thread.id, runs[0].id, TERMINAL).status == "cancelled"


def test_files_written_on_one_replica_are_read_on_another(trio):
    a, b, c = trio
    payload = b"shared contents \x00\x01" * 1000
    uploaded = sdk(a).files.create(file=("notes.txt", payload), purpose="assistants")
    assert sdk(b).files.content(uploaded.id).read() == payload
    store = sdk(c).vector_stores.create(name="shared", file_ids=[uploaded.id])
    deadline = time.monotonic() + 30
    while (store := sdk(a).vector_stores.retrieve(store.id)).file_counts.in_progress:
        assert time.monotonic() < deadline
        time.sleep(0.1)
    assert store.file_counts.completed == 1
    sdk(b).files.delete(uploaded.id)
    with pytest.raises(openai.NotFoundError):
        sdk(c).files.content(uploaded.id)


def test_readiness_and_metrics(trio):
    a = trio[0]
    ready = httpx.get(a.root_url + "/ready")
    assert ready.status_code == 200 and ready.json()["status"] == "ready"
    replicas = {httpx.get(s.root_url + "/ready").json()["replica"] for s in trio}
    assert len(replicas) == 3
    text = httpx.get(a.root_url + "/metrics").text
    for name in ("openbeta_http_requests_total", 'openbeta_runs{status="completed"}', "openbeta_queue_depth",
                 "openbeta_lease_takeovers_total", "openbeta_open_streams", "openbeta_provider_seconds"):
        assert name in text, name


def test_a_replica_starting_leaves_live_replicas_runs_alone(trio, replica):
    a = trio[0]
    assistant = sdk(a).beta.assistants.create(model="m")
    thread = sdk(a).beta.threads.create(messages=[{"role": "user", "content": script(
        text=" ".join(["word"] * 150), delay=0.02)}])
    run = sdk(a).beta.threads.runs.create(thread_id=thread.id, assistant_id=assistant.id)
    wait_for(sdk(a), thread.id, run.id, {"in_progress"})
    late = replica()  # starts while the run is in progress on a live replica
    done = wait_for(sdk(late), thread.id, run.id, TERMINAL)
    assert done.status == "completed" and done.last_error is None
    assert f"run_id={run.id}" not in late.log() and f"run {run.id}" not in late.log()  # no transition, no takeover
    messages = sdk(late).beta.threads.messages.list(thread.id, run_id=run.id).data
    assert len(messages) == 1 and messages[0].content[0].text.value == " ".join(["word"] * 150)
