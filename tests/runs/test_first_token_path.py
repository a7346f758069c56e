"""The path from a streamed create to the first token: what touches the database before it."""

from __future__ import annotations

import json

from fastapi.testclient import TestClient
from sqlalchemy import event

from openbeta.server.app import create_app
from openbeta.server.settings import Settings
from runs_helpers import script


def test_streamed_create_reaches_the_first_token_after_one_unit_of_work(tmp_path, database_url):
    """Create and start are one unit of work, with the history read and the first step and its
    message written (not announced) in it; nothing is written between the model call and the
    first token, and every event still comes in the spec's order. Units of work that only read (the expiry sweep's) are not counted."""
    settings = Settings(data_dir=tmp_path, database_url=database_url, provider="scripted")
    with TestClient(create_app(settings)) as http:
        assistant = http.post("/v1/assistants", json={"model": "m"}).json()
        thread = http.post("/v1/threads", json={"messages": [
            {"role": "user", "content": script(text="one two", delay=0.3)}]}).json()
        commits: list[list[str]] = []  # the statements of each unit of work that wrote or read a run
        engine = http.app.state.services.db.engine

        def statement(conn, _cursor, sql, *_):
            conn.info.setdefault("statements", []).append(sql.split()[0])

        def commit(conn):
            done = conn.info.pop("statements", [])
            if any(word in ("INSERT", "UPDATE", "DELETE") for word in done):
                commits.append(done)

        event.listen(engine, "before_cursor_execute", statement)
        event.listen(engine, "commit", commit)
        events, at_first_delta = [], None
        try:
            with http.stream("POST", f"/v1/threads/{thread['id']}/runs",
                             json={"assistant_id": assistant["id"], "stream": True}) as response:
                assert response.status_code == 200
                for line in response.iter_lines():
                    if line.startswith("event: "):
                        events.append(line[7:])
                        if line[7:] == "thread.message.delta" and at_first_delta is None:
                            at_first_delta = len(commits)
                    elif line.startswith("data: {") and events[-1] == "thread.run.in_progress":
                        started = json.loads(line[6:])
        finally:
            event.remove(engine, "before_cursor_execute", statement)
            event.remove(engine, "commit", commit)
        assert at_first_delta == 1, commits
        assert events[:7] == ["thread.run.created", "thread.run.queued", "thread.run.in_progress",
                              "thread.run.step.created", "thread.run.step.in_progress",
                              "thread.message.created", "thread.message.in_progress"]
        assert events[-2:] == ["thread.run.completed", "done"]
        assert started["status"] == "in_progress" and started["started_at"] is not None
        run = http.get(f"/v1/threads/{thread['id']}/runs/{started['id']}").json()
        assert run["status"] == "completed" and run["started_at"] == started["started_at"]
        steps = http.get(f"/v1/threads/{thread['id']}/runs/{run['id']}/steps").json()["data"]
        assert [s["status"] for s in steps] == ["completed"]
        reply = http.get(f"/v1/threads/{thread['id']}/messages", params={"run_id": run["id"]}).json()["data"]
        assert reply[0]["content"][0]["text"]["value"] == "one two"


def test_a_turn_without_text_leaves_no_message_behind(client, assistant, thread):
    """The message step written ahead of the first token is dropped when the model calls tools
    first or is cancelled before any text: only what a stream announced is stored."""
    from runs_helpers import wait_for

    client.beta.threads.messages.create(thread.id, role="user", content=script(
        tool_calls=[{"name": "get_weather", "arguments": {"city": "Oslo"}}]))
    run = client.beta.threads.runs.create(thread_id=thread.id, assistant_id=assistant.id, stream=False)
    run = wait_for(client, thread.id, run.id, {"requires_action"})
    steps = client.beta.threads.runs.steps.list(run.id, thread_id=thread.id).data
    assert [s.type for s in steps] == ["tool_calls"]
    assert client.beta.threads.messages.list(thread.id, run_id=run.id).data == []
    client.beta.threads.runs.cancel(run.id, thread_id=thread.id)
    wait_for(client, thread.id, run.id, {"cancelled"})

    client.beta.threads.messages.create(thread.id, role="user", content=script(text="late", delay=1.0))
    run = client.beta.threads.runs.create(thread_id=thread.id, assistant_id=assistant.id)
    wait_for(client, thread.id, run.id, {"in_progress"})
    client.beta.threads.runs.cancel(run.id, thread_id=thread.id)
    run = wait_for(client, thread.id, run.id, {"cancelled"})
    assert client.beta.threads.runs.steps.list(run.id, thread_id=thread.id).data == []
    assert client.beta.threads.messages.list(thread.id, run_id=run.id).data == []
