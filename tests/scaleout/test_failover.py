"""Losing a replica: SIGKILL mid-run and mid-ingestion (survivors take the work over once the lease
lapses), SIGTERM (the work is handed back at once), and ``--workers`` on one machine."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from scaleout_helpers import TERMINAL, script, sdk, wait_for



def slow_run(server, words: int = 60, delay: float = 0.04, **extra):
    """A run on ``server`` streaming ``words`` words, once its first message step is stored."""
    client = sdk(server)
    assistant = client.beta.assistants.create(model="m")
    text = " ".join(f"w{i}" for i in range(words))
    thread = client.beta.threads.create(messages=[{"role": "user", "content": script(text=text, delay=delay, **extra)}])
    run = client.beta.threads.runs.create(thread_id=thread.id, assistant_id=assistant.id)
    deadline = time.monotonic() + 20
    while not client.beta.threads.runs.steps.list(run.id, thread_id=thread.id).data:
        assert time.monotonic() < deadline
        time.sleep(0.02)
    time.sleep(0.3)  # some text streamed
    return thread.id, run.id, text


def check_one_whole_answer(client, thread_id: str, run_id: str, text: str) -> None:
    messages = client.beta.threads.messages.list(thread_id, run_id=run_id).data
    assert len(messages) == 1, messages  # the cut message was dropped, none duplicated
    assert messages[0].status == "completed" and messages[0].content[0].text.value == text
    steps = client.beta.threads.runs.steps.list(run_id, thread_id=thread_id).data
    assert [(s.type, s.status) for s in steps] == [("message_creation", "completed")]


@pytest.fixture(scope="module")
def survivors(replica):
    """Two replicas that outlive this module's victims."""
    with ThreadPoolExecutor(2) as pool:
        return list(pool.map(lambda _: replica(), range(2)))


def test_sigkill_mid_run_survivors_resume_it(replica, survivors):
    victim = replica()
    thread_id, run_id, text = slow_run(victim)
    victim.process.send_signal(signal.SIGKILL)
    victim.process.wait()
    killed = time.monotonic()
    client = sdk(survivors[0])
    run = wait_for(client, thread_id, run_id, TERMINAL, timeout=40)
    assert run.status == "completed" and run.last_error is None and run.failed_at is None
    check_one_whole_answer(client, thread_id, run_id, text)
    took_over = [s for s in survivors if f"run {run_id} taken over from replica" in s.log()]
    assert len(took_over) == 1  # exactly one survivor claimed it
    print(f"taken over and finished {time.monotonic() - killed:.1f}s after the kill")


def test_sigterm_hands_the_run_back_at_once(replica, survivors):
    survivor = survivors[0]
    victim = replica(OPENBETA_SHUTDOWN_TIMEOUT="0", OPENBETA_LOG_FORMAT="json")
    thread_id, run_id, text = slow_run(victim, words=200, delay=0.02)
    victim.process.send_signal(signal.SIGTERM)
    assert victim.process.wait(timeout=20) in (0, -signal.SIGTERM)
    logged = [json.loads(line) for line in victim.log().splitlines() if line.startswith("{")]
    assert any(entry["message"] == "handed back 1 run lease(s)" for entry in logged)
    assert all({"time", "level", "logger", "message"} <= set(entry) for entry in logged)
    client = sdk(survivor)
    run = wait_for(client, thread_id, run_id, TERMINAL, timeout=40)
    assert run.status == "completed"
    check_one_whole_answer(client, thread_id, run_id, text)


def test_sigkill_mid_ingestion_survivor_finishes_it(replica, survivors, cluster_env):
    from sqlalchemy import create_engine, select

    from openbeta.server.settings import Settings
    from openbeta.server.store.tables import VectorStoreFileRow

    survivor = survivors[1]
    victim = replica()
    victim_id = httpx.get(victim.root_url + "/ready").json()["replica"]
    client = sdk(victim)
    lines = "\n".join(f"Line {i}: the quick brown fox {i * 7919 % 104729} jumps over the lazy dog." for i in range(20_000))
    uploaded = client.files.create(file=("big.txt", lines.encode()), purpose="assistants")
    store = client.vector_stores.create(name="big")
    client.vector_stores.files.create(vector_store_id=store.id, file_id=uploaded.id)
    engine = create_engine(Settings.resolve_url(cluster_env["OPENBETA_DATABASE_URL"]))
    try:
        deadline = time.monotonic() + 10
        while True:  # the victim (told first) claims the file; then it is killed while ingesting it
            with engine.connect() as conn:
                owner = conn.execute(select(VectorStoreFileRow.owner).where(VectorStoreFileRow.id == uploaded.id)).scalar()
            if owner is not None:
                break
            assert time.monotonic() < deadline
            time.sleep(0.02)
    finally:
        engine.dispose()
    assert owner == victim_id
    victim.process.send_signal(signal.SIGKILL)
    victim.process.wait()
    other = sdk(survivor)
    deadline = time.monotonic() + 90
    while (vs_file := other.vector_stores.files.retrieve(uploaded.id, vector_store_id=store.id)).status == "in_progress":
        assert time.monotonic() < deadline
        time.sleep(0.2)
    assert vs_file.status == "completed", vs_file
    assert vs_file.last_error is None
    found = other.vector_stores.search(store.id, query="Line 1: the quick brown fox 7919").data
    assert found and "Line 1:" in "".join(c.text for r in found for c in r.content)


def test_workers_on_postgresql(cluster_env, tmp_path, shared):
    server = shared.launch(tmp_path / "workers", {**cluster_env, "OPENBETA_WORKERS": "2"})
    try:
        replicas = set()
        deadline = time.monotonic() + 20
        while len(replicas) < 2 and time.monotonic() < deadline:
            with httpx.Client() as http:  # a new connection each time: the workers share the socket
                replicas.add(http.get(server.root_url + "/ready").json()["replica"])
        assert len(replicas) == 2, replicas
        client = sdk(server)
        assistant = client.beta.assistants.create(model="m")
        run = client.beta.threads.create_and_run_poll(assistant_id=assistant.id, thread={
            "messages": [{"role": "user", "content": "two workers"}]}, poll_interval_ms=50)
        assert run.status == "completed"
    finally:
        server.stop()


def test_sqlite_refuses_more_workers(tmp_path, shared):
    import os

    env = {k: v for k, v in os.environ.items() if not k.startswith("OPENBETA_")}
    env.update(PYTHONPATH=str(shared.SRC), OPENBETA_DATA_DIR=str(tmp_path))
    done = subprocess.run([sys.executable, "-m", "openbeta.cli", "serve", "--workers", "3"], env=env,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert "--workers N (N > 1) needs PostgreSQL" in done.stderr


def test_waiting_run_of_a_killed_replica_expires_on_time(replica, survivors):
    victim = replica(OPENBETA_RUN_EXPIRY_SECONDS="3")
    client = sdk(victim)
    assistant = client.beta.assistants.create(model="m", tools=[
        {"type": "function", "function": {"name": "f", "parameters": {"type": "object", "properties": {}}}}])
    thread = client.beta.threads.create(messages=[{"role": "user", "content": script(
        tool_calls=[{"name": "f", "arguments": {}}])}])
    run = client.beta.threads.runs.create(thread_id=thread.id, assistant_id=assistant.id)
    run = wait_for(client, thread.id, run.id, {"requires_action"})
    victim.process.send_signal(signal.SIGKILL)
    victim.process.wait()
    other = sdk(survivors[0])
    run = wait_for(other, thread.id, run.id, TERMINAL, timeout=20)
    assert run.status == "expired" and run.expired_at
    step = other.beta.threads.runs.steps.list(run.id, thread_id=thread.id).data[0]
    assert step.status == "expired"


def test_a_stalled_replica_loses_its_run_and_writes_nothing(replica, survivors):
    """A replica frozen past its lease (SIGSTOP) loses the run to a survivor; woken up, it stops
    driving it (its stream ends with ``run_moved``) and the run ends once, with one message."""
    import threading

    victim = replica()
    client = sdk(victim)
    assistant = client.beta.assistants.create(model="m")
    text = " ".join(f"w{i}" for i in range(250))
    thread = client.beta.threads.create(messages=[{"role": "user", "content": script(text=text, delay=0.02)}])
    events: list[str] = []
    streaming = threading.Event()

    def listen() -> None:
        body = {"assistant_id": assistant.id, "stream": True}
        with httpx.stream("POST", f"{victim.base_url}/threads/{thread.id}/runs", json=body, timeout=60) as response:
            for line in response.iter_lines():
                if line.startswith("event: "):
                    events.append(line[len("event: "):])
                    streaming.set()
                elif line.startswith("data: ") and events[-1] == "error":
                    events.append(line)

    listener = threading.Thread(target=listen, daemon=True)
    listener.start()
    assert streaming.wait(20)
    while "thread.message.delta" not in events:
        time.sleep(0.02)
    run_id = sdk(survivors[0]).beta.threads.runs.list(thread.id).data[0].id
    victim.process.send_signal(signal.SIGSTOP)
    try:
        deadline = time.monotonic() + 30
        while not any(f"run {run_id} taken over" in s.log() for s in survivors):
            assert time.monotonic() < deadline
            time.sleep(0.1)
    finally:
        victim.process.send_signal(signal.SIGCONT)
    listener.join(30)
    assert events[-3] == "error" and '"code":"run_moved"' in events[-2] and events[-1] == "done", events[-4:]
    other = sdk(survivors[1])
    run = wait_for(other, thread.id, run_id, TERMINAL)
    assert run.status == "completed"
    check_one_whole_answer(other, thread.id, run_id, text)
    assert "this replica stops driving it" in victim.log()
