"""Run lifecycles across time and processes: expiry, crash recovery, resuming queued runs."""

from __future__ import annotations

import time

import openai
import pytest
from fastapi.testclient import TestClient
from runs_helpers import WEATHER, script, wait_for

from openbeta.server.app import create_app
from openbeta.server.settings import Settings
from openbeta.types.run import RunCreateParams


def test_requires_action_expires(start_server):
    server = start_server(OPENBETA_PROVIDER="scripted", OPENBETA_RUN_EXPIRY_SECONDS="1")
    client = openai.OpenAI(base_url=server.base_url, api_key="k", max_retries=0)
    assistant = client.beta.assistants.create(model="m", tools=[WEATHER])
    thread = client.beta.threads.create(messages=[
        {"role": "user", "content": script(tool_calls=[{"name": "get_weather", "arguments": {"city": "Oslo"}}])}])
    run = client.beta.threads.runs.create_and_poll(thread_id=thread.id, assistant_id=assistant.id,
                                                   poll_interval_ms=50)
    assert run.status == "requires_action" and run.expires_at - time.time() <= 1.5
    run = wait_for(client, thread.id, run.id, {"expired"}, timeout=10)
    assert run.required_action is None
    step = client.beta.threads.runs.steps.list(run.id, thread_id=thread.id).data[0]
    assert step.status == "expired" and step.expired_at
    with pytest.raises(openai.BadRequestError, match="do not accept tool outputs"):
        client.beta.threads.runs.submit_tool_outputs(
            run_id=run.id, thread_id=thread.id,
            tool_outputs=[{"tool_call_id": step.step_details.tool_calls[0].id, "output": "x"}])
    client.beta.threads.messages.create(thread.id, role="user", content="the thread is free again")
    assert "expired" in server.log() and "to=expired" in server.log()


def test_run_of_a_killed_server_is_failed_on_restart(start_server):
    first = start_server(OPENBETA_PROVIDER="scripted")
    client = openai.OpenAI(base_url=first.base_url, api_key="k", max_retries=0)
    assistant = client.beta.assistants.create(model="m")
    thread = client.beta.threads.create(messages=[
        {"role": "user", "content": script(text=" ".join(["word"] * 200), delay=0.05)}])
    run = client.beta.threads.runs.create(thread_id=thread.id, assistant_id=assistant.id)
    wait_for(client, thread.id, run.id, {"in_progress"})
    deadline = time.monotonic() + 10
    while not client.beta.threads.runs.steps.list(run.id, thread_id=thread.id).data:
        assert time.monotonic() < deadline
        time.sleep(0.05)
    first.process.kill()
    first.process.wait()

    env = {"OPENBETA_PROVIDER": "scripted", "OPENBETA_DATA_DIR": str(first.data_dir)}
    if "OPENBETA_DATABASE_URL" in first.env:
        env["OPENBETA_DATABASE_URL"] = first.env["OPENBETA_DATABASE_URL"]
    second = start_server(**env)
    client = openai.OpenAI(base_url=second.base_url, api_key="k", max_retries=0)
    run = client.beta.threads.runs.retrieve(run.id, thread_id=thread.id)
    assert run.status == "failed" and run.last_error.code == "server_error" and run.failed_at
    step = client.beta.threads.runs.steps.list(run.id, thread_id=thread.id).data[0]
    assert step.status == "failed"
    message = client.beta.threads.messages.list(thread.id, run_id=run.id).data[0]
    assert message.status == "incomplete" and message.incomplete_details.reason == "run_failed"
    client.beta.threads.messages.create(thread.id, role="user", content="again")
    again = client.beta.threads.runs.create_and_poll(thread_id=thread.id, assistant_id=assistant.id,
                                                     poll_interval_ms=50)
    assert again.status == "completed"


def test_queued_run_is_resumed_on_start(tmp_path):
    settings = Settings(data_dir=tmp_path, provider="scripted")
    with TestClient(create_app(settings)) as http:
        assistant = http.post("/v1/assistants", json={"model": "m"}).json()
        thread = http.post("/v1/threads", json={"messages": [{"role": "user", "content": "left behind"}]}).json()
        services = http.app.state.services
        # Recorded but never started: what a process that died right after the insert leaves.
        run, _ = services.runs.create(thread["id"], RunCreateParams(assistant_id=assistant["id"]))
    with TestClient(create_app(settings)) as http:
        deadline = time.monotonic() + 10
        while (body := http.get(f"/v1/threads/{thread['id']}/runs/{run['id']}").json())["status"] != "completed":
            assert time.monotonic() < deadline, body
            time.sleep(0.05)
        messages = http.get(f"/v1/threads/{thread['id']}/messages", params={"run_id": run["id"]}).json()["data"]
        assert messages[0]["content"][0]["text"]["value"] == "left behind"
