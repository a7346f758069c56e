"""A streamed run's model call starts while the unit of work creating the run commits; nothing is
announced before the commit, and a creation whose commit fails leaves no run, message or stream."""

from __future__ import annotations

import time

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event

from openbeta.server.app import create_app
from openbeta.server.settings import Settings


@pytest.fixture
def http(tmp_path, database_url):
    settings = Settings(data_dir=tmp_path, database_url=database_url, provider="scripted")
    with TestClient(create_app(settings)) as client:
        yield client


def _setup(http):
    assistant = http.post("/v1/assistants", json={"model": "m"}).json()
    thread = http.post("/v1/threads", json={"messages": [{"role": "user", "content": "hello there"}]}).json()
    return assistant, thread


def _run_creating_commits(engine, hook):
    """Call ``hook()`` at the commit of each unit of work that inserts a run."""

    def statement(conn, _cursor, sql, *_):
        if sql.lstrip().upper().startswith("INSERT INTO RUNS"):
            conn.info["creates_run"] = True

    def commit(conn):
        if conn.info.pop("creates_run", False):
            hook()

    event.listen(engine, "before_cursor_execute", statement)
    event.listen(engine, "commit", commit)
    return lambda: (event.remove(engine, "before_cursor_execute", statement), event.remove(engine, "commit", commit))


def test_model_is_asked_while_the_run_commits(http):
    services = http.app.state.services
    engine = services.runs.engine
    assistant, thread = _setup(http)
    marks: list[str] = []
    provider = engine.provider
    original = provider.stream

    def stream(request):
        marks.append("model asked")
        return original(request)

    def slow_commit():
        time.sleep(0.5)  # a slow disk: the model call goes out meanwhile
        marks.append("committed")

    provider.stream = stream
    remove = _run_creating_commits(services.db.engine, slow_commit)
    events = []
    try:
        with http.stream("POST", f"/v1/threads/{thread['id']}/runs",
                         json={"assistant_id": assistant["id"], "stream": True}) as response:
            assert response.status_code == 200
            for line in response.iter_lines():
                if line.startswith("event: "):
                    events.append(line[7:])
                    if line[7:] == "thread.message.delta" and "first delta" not in marks:
                        marks.append("first delta")
    finally:
        remove()
        provider.stream = original
    assert marks[:3] == ["model asked", "committed", "first delta"], marks
    assert events[:3] == ["thread.run.created", "thread.run.queued", "thread.run.in_progress"]
    assert events[-2:] == ["thread.run.completed", "done"]


def test_a_creation_that_fails_to_commit_leaves_nothing(http):
    services = http.app.state.services
    assistant, thread = _setup(http)
    asked = []
    provider = services.runs.engine.provider
    original = provider.stream

    def stream(request):
        asked.append(request)
        return original(request)

    def failing_commit():
        raise RuntimeError("disk gone")

    provider.stream = stream
    remove = _run_creating_commits(services.db.engine, failing_commit)
    try:
        http_raising = TestClient(http.app, raise_server_exceptions=False)
        response = http_raising.post(f"/v1/threads/{thread['id']}/runs",
                                     json={"assistant_id": assistant["id"], "stream": True})
        assert response.status_code == 500
        assert response.json()["error"]["type"] == "server_error"
    finally:
        remove()
        provider.stream = original
    time.sleep(0.3)  # the engine's task, started before the failed commit, stops on its own
    assert http.get(f"/v1/threads/{thread['id']}/runs").json()["data"] == []
    messages = http.get(f"/v1/threads/{thread['id']}/messages").json()["data"]
    assert [m["role"] for m in messages] == ["user"]
    assert not services.runs.engine.bus._queues  # no subscription left behind
    with http.stream("POST", f"/v1/threads/{thread['id']}/runs",
                     json={"assistant_id": assistant["id"], "stream": True}) as response:
        events = [line[7:] for line in response.iter_lines() if line.startswith("event: ")]
    assert "thread.message.delta" in events and events[-2:] == ["thread.run.completed", "done"]
