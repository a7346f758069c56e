"""Run lifecycles across time and processes: expiry, crash recovery, resuming queued runs."""

from __future__ import annotations

import json
import signal
import threading
import time

import httpx
import openai
import pytest
from fastapi.testclient import TestClient
from runs_helpers import WEATHER, script, wait_for

from openbeta.server.app import create_app
from openbeta.server.settings import Settings
from openbeta.server.store.tables import DEFAULT_PROJECT_ID
from openbeta.types.run import RunCreateParams


def test_requires_action_expires(start_server):
    server = start_server(OPENBETA_PROVIDER="scripted", OPENBETA_RUN_EXPIRY_SECONDS="4")
    client = openai.OpenAI(base_url=server.base_url, api_key="k", max_retries=0)
    assistant = client.beta.assistants.create(model="m", tools=[WEATHER])
    thread = client.beta.threads.create(messages=[
        {"role": "user", "content": script(tool_calls=[{"name": "get_weather", "arguments": {"city": "Oslo"}}])}])
    run = client.beta.threads.runs.create_and_poll(thread_id=thread.id, assistant_id=assistant.id,
                                                   poll_interval_ms=50)
    assert run.status == "requires_action" and run.expires_at - time.time() <= 4.5
    run = wait_for(client, thread.id, run.id, {"expired"}, timeout=15)
    assert run.required_action is None
    step = client.beta.threads.runs.steps.list(run.id, thread_id=thread.id).data[0]
    assert step.status == "expired" and step.expired_at
    with pytest.raises(openai.BadRequestError, match="do not accept tool outputs"):
        client.beta.threads.runs.submit_tool_outputs(
            run_id=run.id, thread_id=thread.id,
            tool_outputs=[{"tool_call_id": step.step_details.tool_calls[0].id, "output": "x"}])
    client.beta.threads.messages.create(thread.id, role="user", content="the thread is free again")
    assert "expired" in server.log() and "to=expired" in server.log()


SLOW = script(text=" ".join(["word"] * 2000), delay=0.05)


def restart_and_check_recovery(start_server, first, thread_id: str, run_id: str, cut: set[str]) -> openai.OpenAI:
    """Start a server on ``first``'s database: it takes over the run ``first`` left in progress, drops
    the half-written message (ids ``cut``) and resumes the run (here: until it is cancelled), with one message."""
    env = {"OPENBETA_PROVIDER": "scripted", "OPENBETA_DATA_DIR": str(first.data_dir), "OPENBETA_LEASE_SECONDS": "2"}
    if "OPENBETA_DATABASE_URL" in first.env:
        env["OPENBETA_DATABASE_URL"] = first.env["OPENBETA_DATABASE_URL"]
    second = start_server(**env)
    client = openai.OpenAI(base_url=second.base_url, api_key="k", max_retries=0)
    deadline = time.monotonic() + 30
    while True:  # the taken-over run writes a new message in place of the cut one
        messages = client.beta.threads.messages.list(thread_id, run_id=run_id).data
        if messages and not {m.id for m in messages} & cut and messages[0].content \
                and messages[0].content[0].text.value:  # its text has begun (a turn cancelled before has none)
            break
        assert time.monotonic() < deadline, (cut, messages)
        time.sleep(0.1)
    assert client.beta.threads.runs.retrieve(run_id, thread_id=thread_id).status == "in_progress"
    client.beta.threads.runs.cancel(run_id, thread_id=thread_id)
    run = wait_for(client, thread_id, run_id, {"cancelled"})
    assert run.last_error is None and run.failed_at is None
    steps = client.beta.threads.runs.steps.list(run_id, thread_id=thread_id).data
    assert [s.status for s in steps] == ["cancelled"]
    messages = client.beta.threads.messages.list(thread_id, run_id=run_id).data
    assert len(messages) == 1 and messages[0].status == "incomplete"
    assert messages[0].incomplete_details.reason == "run_cancelled"
    return client


def test_run_of_a_killed_server_is_resumed_on_restart(start_server):
    first = start_server(OPENBETA_PROVIDER="scripted", OPENBETA_LEASE_SECONDS="2")
    client = openai.OpenAI(base_url=first.base_url, api_key="k", max_retries=0)
    assistant = client.beta.assistants.create(model="m")
    thread = client.beta.threads.create(messages=[
        {"role": "user", "content": SLOW}])
    run = client.beta.threads.runs.create(thread_id=thread.id, assistant_id=assistant.id)
    wait_for(client, thread.id, run.id, {"in_progress"})
    deadline = time.monotonic() + 10
    while not client.beta.threads.runs.steps.list(run.id, thread_id=thread.id).data:
        assert time.monotonic() < deadline
        time.sleep(0.05)
    cut = {m.id for m in client.beta.threads.messages.list(thread.id, run_id=run.id).data}
    assert cut
    first.process.kill()
    first.process.wait()

    client = restart_and_check_recovery(start_server, first, thread.id, run.id, cut)
    client.beta.threads.messages.create(thread.id, role="user", content="again")
    again = client.beta.threads.runs.create_and_poll(thread_id=thread.id, assistant_id=assistant.id,
                                                     poll_interval_ms=50)
    assert again.status == "completed"


def test_sigterm_cuts_open_streams_after_the_grace_period(start_server):
    first = start_server(OPENBETA_PROVIDER="scripted", OPENBETA_SHUTDOWN_TIMEOUT="1", OPENBETA_LEASE_SECONDS="2")
    client = openai.OpenAI(base_url=first.base_url, api_key="k", max_retries=0)
    assistant = client.beta.assistants.create(model="m")
    thread = client.beta.threads.create(messages=[{"role": "user", "content": SLOW}])
    events: list[tuple[str, str]] = []
    delta = threading.Event()
    ended = threading.Event()

    def listen() -> None:
        body = {"assistant_id": assistant.id, "stream": True}
        try:
            with httpx.stream("POST", f"{first.base_url}/threads/{thread.id}/runs", json=body, timeout=60) as response:
                for block in response.iter_text():
                    for event in block.split("\n\n"):
                        if event.startswith("event: "):
                            name, _, data = event[len("event: "):].partition("\ndata: ")
                            events.append((name, data))
                            if name == "thread.message.delta":
                                delta.set()
        except httpx.HTTPError:
            pass  # a cut connection
        finally:
            ended.set()

    threading.Thread(target=listen, daemon=True).start()
    assert delta.wait(20), events
    started = time.monotonic()
    first.process.send_signal(signal.SIGTERM)
    assert first.process.wait(timeout=15) in (0, -signal.SIGTERM)  # uvicorn re-raises the signal it handled
    took = time.monotonic() - started
    assert ended.wait(5)
    assert events[-1][0] == "thread.message.delta"  # cut mid-run: no final event
    assert 0.9 <= took < 8, took  # the grace period, not the 100 s the run needed
    assert events[0][0] == "thread.run.created"
    run_id = json.loads(events[0][1])["id"]
    assert f"run {run_id} cut by shutdown" in first.log() and "handed back 1 run lease" in first.log()
    cut = {json.loads(data)["id"] for name, data in events if name == "thread.message.created"}
    restart_and_check_recovery(start_server, first, thread.id, run_id, cut)


def test_queued_run_is_resumed_on_start(tmp_path):
    settings = Settings(data_dir=tmp_path, provider="scripted")
    with TestClient(create_app(settings)) as http:
        assistant = http.post("/v1/assistants", json={"model": "m"}).json()
        thread = http.post("/v1/threads", json={"messages": [{"role": "user", "content": "left behind"}]}).json()
        services = http.app.state.services
        # Recorded but never started: what a process that died right after the insert leaves.
        run = services.runs.create(DEFAULT_PROJECT_ID, thread["id"], RunCreateParams(assistant_id=assistant["id"])).run
    with TestClient(create_app(settings)) as http:
        deadline = time.monotonic() + 10
        while (body := http.get(f"/v1/threads/{thread['id']}/runs/{run['id']}").json())["status"] != "completed":
            assert time.monotonic() < deadline, body
            time.sleep(0.05)
        messages = http.get(f"/v1/threads/{thread['id']}/messages", params={"run_id": run["id"]}).json()["data"]
        assert messages[0]["content"][0]["text"]["value"] == "left behind"
