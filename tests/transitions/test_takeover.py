"""A run left ``in_progress`` mid-turn by an earlier process: resumed (the cut turn dropped) or failed,
as ``OPENBETA_RUN_TAKEOVER`` says; a run whose answer was stored is ended, not answered again."""

from __future__ import annotations

import time

import pytest
from fastapi.testclient import TestClient

from openbeta.server.store.tables import DEFAULT_PROJECT_ID
from openbeta.server.app import create_app
from openbeta.server.runs.records import assistant_message_body, step_body
from openbeta.server.settings import Settings
from openbeta.types.run import RunCreateParams


def leave_run_mid_turn(settings: Settings, text: str = "partial", *, answered: bool = False) -> tuple[str, str, str]:
    """A process that started a run, stored a message step with ``text`` and stopped; the message id."""
    with TestClient(create_app(settings)) as http:
        assistant = http.post("/v1/assistants", json={"model": "m"}).json()
        thread = http.post("/v1/threads", json={"messages": [{"role": "user", "content": "echo me"}]}).json()
        services = http.app.state.services
        records = services.runs.engine.records
        run = services.runs.create(DEFAULT_PROJECT_ID, thread["id"], RunCreateParams(assistant_id=assistant["id"])).run  # not kicked
        run = records.start(run["id"])
        message = dict(assistant_message_body(run), content=[{"type": "text", "text": {"value": text, "annotations": []}}])
        step = step_body(run, {"type": "message_creation", "message_creation": {"message_id": message["id"]}})
        records.add_step(step, message)
        if answered:
            records.close_message(message["id"], {"status": "completed"}, step["id"], {"status": "completed"})
    return thread["id"], run["id"], message["id"]


def settle(http: TestClient, thread_id: str, run_id: str) -> dict:
    deadline = time.monotonic() + 15
    while (run := http.get(f"/v1/threads/{thread_id}/runs/{run_id}").json())["status"] in ("queued", "in_progress"):
        assert time.monotonic() < deadline, run
        time.sleep(0.05)
    return run


@pytest.fixture()
def settings(tmp_path, database_url) -> Settings:
    return Settings(data_dir=tmp_path, provider="scripted", database_url=database_url, lease_seconds=1)


def test_resume_drops_the_cut_turn(settings):
    thread_id, run_id, cut = leave_run_mid_turn(settings)
    with TestClient(create_app(settings)) as http:
        run = settle(http, thread_id, run_id)
        assert run["status"] == "completed" and run["last_error"] is None
        messages = http.get(f"/v1/threads/{thread_id}/messages", params={"run_id": run_id}).json()["data"]
        assert [m["content"][0]["text"]["value"] for m in messages] == ["echo me"] and messages[0]["id"] != cut
        steps = http.get(f"/v1/threads/{thread_id}/runs/{run_id}/steps").json()["data"]
        assert [s["status"] for s in steps] == ["completed"]


def test_fail_keeps_the_partial_message(settings):
    thread_id, run_id, cut = leave_run_mid_turn(settings)
    with TestClient(create_app(settings.model_copy(update={"run_takeover": "fail"}))) as http:
        run = settle(http, thread_id, run_id)
        assert run["status"] == "failed" and run["last_error"]["code"] == "server_error"
        messages = http.get(f"/v1/threads/{thread_id}/messages", params={"run_id": run_id}).json()["data"]
        assert [m["id"] for m in messages] == [cut] and messages[0]["status"] == "incomplete"
        assert messages[0]["content"][0]["text"]["value"] == "partial"


def test_a_stored_answer_is_not_asked_again(settings):
    thread_id, run_id, answer = leave_run_mid_turn(settings, "the answer", answered=True)
    with TestClient(create_app(settings)) as http:
        run = settle(http, thread_id, run_id)
        assert run["status"] == "completed"
        messages = http.get(f"/v1/threads/{thread_id}/messages", params={"run_id": run_id}).json()["data"]
        assert [m["id"] for m in messages] == [answer]
