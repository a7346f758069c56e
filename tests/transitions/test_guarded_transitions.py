"""Run status changes are guarded transitions: terminal states are final, a stored cancel wins,
refused transitions are logged; races between cancel, tool outputs and completion end consistently."""

from __future__ import annotations

import json
import logging
import random
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from fastapi.testclient import TestClient

from openbeta.server.store.tables import DEFAULT_PROJECT_ID
from openbeta.server.app import create_app
from openbeta.server.runs.records import RunCancelled, TransitionRefused, transition
from openbeta.server.settings import Settings
from openbeta.types.run import RunCreateParams

TERMINAL = {"completed", "cancelled", "failed", "expired", "incomplete"}
FUNCTION = {"type": "function", "function": {"name": "f", "parameters": {"type": "object", "properties": {}}}}


def script(**directive) -> str:
    return "SCRIPT: " + json.dumps(directive)


# ------------------------------------------------------------ in process

@pytest.fixture()
def app(tmp_path, database_url):
    settings = Settings(data_dir=tmp_path, provider="scripted", database_url=database_url)
    with TestClient(create_app(settings)) as http:
        yield http


def queued_run(http) -> tuple[str, str]:
    assistant = http.post("/v1/assistants", json={"model": "m"}).json()
    thread = http.post("/v1/threads", json={"messages": [{"role": "user", "content": "hi"}]}).json()
    services = http.app.state.services
    run = services.runs.create(DEFAULT_PROJECT_ID, thread["id"], RunCreateParams(assistant_id=assistant["id"])).run  # never kicked
    return thread["id"], run["id"]


def test_cancel_acknowledged_before_completion_ends_cancelled(app, caplog):
    """The engine finishing a run whose cancel was already stored must not end it ``completed``."""
    thread_id, run_id = queued_run(app)
    engine = app.app.state.services.runs.engine
    assert engine.records.start(run_id) is not None  # the engine is mid-run ...
    with app.app.state.services.db.session() as s:  # ... when a cancel is stored (not yet heard of) ...
        assert transition(s, run_id, "cancelling")["status"] == "cancelling"
    with caplog.at_level(logging.WARNING, logger="openbeta.runs"):
        app.portal.call(engine._end, run_id, "completed")  # ... and then the model's answer is done
    deadline = time.monotonic() + 10
    while (run := app.get(f"/v1/threads/{thread_id}/runs/{run_id}").json())["status"] == "cancelling":
        assert time.monotonic() < deadline
        time.sleep(0.02)
    assert run["status"] == "cancelled" and run["cancelled_at"] and run["completed_at"] is None
    assert f"run transition refused run_id={run_id}" in caplog.text and "from=cancelling to=completed" in caplog.text


def test_terminal_states_are_final_and_refusals_logged(app, caplog):
    thread_id, run_id = queued_run(app)
    records = app.app.state.services.runs.engine.records
    records.start(run_id)
    records.move(run_id, "failed", last_error={"code": "server_error", "message": "x"})
    with caplog.at_level(logging.WARNING, logger="openbeta.runs"):
        for status in ("completed", "in_progress", "cancelled", "expired", "queued", "requires_action"):
            with pytest.raises(TransitionRefused):
                records.move(run_id, status)
    assert caplog.text.count(f"run transition refused run_id={run_id}") == 6
    run = app.get(f"/v1/threads/{thread_id}/runs/{run_id}").json()
    assert run["status"] == "failed" and run["last_error"]["message"] == "x"
    answer = app.post(f"/v1/threads/{thread_id}/runs/{run_id}/cancel")
    assert answer.status_code == 400 and "status 'failed'" in answer.json()["error"]["message"]


def test_cancelling_ends_only_cancelled(app):
    thread_id, run_id = queued_run(app)
    records = app.app.state.services.runs.engine.records
    with app.app.state.services.db.session() as s:
        transition(s, run_id, "cancelling")
    for status in ("completed", "failed", "incomplete", "requires_action"):
        with pytest.raises(RunCancelled):
            records.move(run_id, status)
    assert records.move(run_id, "cancelled")["status"] == "cancelled"


def test_no_failure_lingers_on_a_completed_run(app):
    thread_id, run_id = queued_run(app)
    records = app.app.state.services.runs.engine.records
    with app.app.state.services.db.session() as s:  # a failure written into the body by older code
        from openbeta.server.store.tables import RunRow
        row = s.get(RunRow, s.scalar(__import__("sqlalchemy").select(RunRow.seq).where(RunRow.id == run_id)))
        row.body = dict(row.body, failed_at=1, last_error={"code": "server_error", "message": "stale"})
    records.start(run_id)
    run = records.move(run_id, "completed")
    assert run["failed_at"] is None and run["last_error"] is None and run["completed_at"]


# ------------------------------------------------------------ races on a live server

@pytest.fixture(scope="module")
def server(start_server):
    return start_server(OPENBETA_PROVIDER="scripted")


def make(http: httpx.Client, **assistant) -> str:
    return http.post("/assistants", json={"model": "m", **assistant}).json()["id"]


def wait_rest(http: httpx.Client, thread_id: str, run_id: str, timeout: float = 30) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        run = http.get(f"/threads/{thread_id}/runs/{run_id}").json()
        if run["status"] in TERMINAL | {"requires_action"}:
            return run
        assert time.monotonic() < deadline, run
        time.sleep(0.05)


def check_consistent(run: dict) -> None:
    status = run["status"]
    assert (run["failed_at"] is not None) == (status == "failed"), run
    assert (run["last_error"] is not None) == (status == "failed"), run
    assert (run["completed_at"] is not None) == (status == "completed"), run
    assert (run["cancelled_at"] is not None) == (status == "cancelled"), run


def test_cancel_races_completion(server):
    """Cancels land at random moments of short streamed runs: a cancel the server acknowledged
    (``cancelling``) always ends ``cancelled``; a refused one (400) means the run had finished."""
    rng = random.Random(7)
    with httpx.Client(base_url=server.base_url, timeout=30) as http:
        assistant = make(http)
        threads = [http.post("/threads", json={"messages": [{"role": "user", "content": script(
            text=" ".join(["w"] * 8), delay=0.01)}]}).json()["id"] for _ in range(12)]

        def one(thread_id: str) -> tuple[int, dict]:
            with httpx.Client(base_url=server.base_url, timeout=30) as own:
                run = own.post(f"/threads/{thread_id}/runs", json={"assistant_id": assistant}).json()
                time.sleep(rng.uniform(0, 0.15))
                answer = own.post(f"/threads/{thread_id}/runs/{run['id']}/cancel")
                return answer.status_code, wait_rest(own, thread_id, run["id"])

        with ThreadPoolExecutor(6) as pool:
            results = list(pool.map(one, threads))
    for code, run in results:
        check_consistent(run)
        assert run["status"] == ("cancelled" if code == 200 else "completed"), (code, run)
    assert {code for code, _ in results} <= {200, 400}


def test_tool_outputs_race_cancel(server):
    """Tool outputs and a cancel sent together on a ``requires_action`` run: whatever wins, the run
    ends consistently with what each request was told."""
    with httpx.Client(base_url=server.base_url, timeout=30) as http:
        assistant = make(http, tools=[FUNCTION])
        results = []
        for _ in range(8):
            thread = http.post("/threads", json={"messages": [{"role": "user", "content": script(
                tool_calls=[{"name": "f", "arguments": {}}], after_tools="done slowly now", delay=0.01)}]}).json()
            run = http.post(f"/threads/{thread['id']}/runs", json={"assistant_id": assistant}).json()
            run = wait_rest(http, thread["id"], run["id"])
            assert run["status"] == "requires_action"
            call_id = run["required_action"]["submit_tool_outputs"]["tool_calls"][0]["id"]
            barrier = threading.Barrier(2)

            def submit() -> int:
                barrier.wait()
                return http.post(f"/threads/{thread['id']}/runs/{run['id']}/submit_tool_outputs",
                                 json={"tool_outputs": [{"tool_call_id": call_id, "output": "x"}]}).status_code

            def cancel() -> int:
                barrier.wait()
                return http.post(f"/threads/{thread['id']}/runs/{run['id']}/cancel").status_code

            with ThreadPoolExecutor(2) as pool:
                submitted, cancelled = pool.submit(submit), pool.submit(cancel)
                codes = (submitted.result(), cancelled.result())
            results.append((codes, wait_rest(http, thread["id"], run["id"])))
    for (submit_code, cancel_code), run in results:
        check_consistent(run)
        assert 200 in (submit_code, cancel_code)
        if cancel_code == 200:
            assert run["status"] == "cancelled", (submit_code, cancel_code, run)
        else:
            assert submit_code == 200 and run["status"] == "completed", (submit_code, cancel_code, run)
