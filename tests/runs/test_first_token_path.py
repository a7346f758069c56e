"""The path from a streamed create to the first token: what touches the database before it."""

from __future__ import annotations

import json

from fastapi.testclient import TestClient
from sqlalchemy import event

from openbeta.server.app import create_app
from openbeta.server.settings import Settings
from runs_helpers import script


def test_streamed_create_reaches_the_first_token_after_two_units_of_work(tmp_path, database_url):
    """Create and start are one unit of work (the history read with them), then the first
    step and its message are one more; every event still comes in the spec's order."""
    settings = Settings(data_dir=tmp_path, database_url=database_url, provider="scripted")
    with TestClient(create_app(settings)) as http:
        assistant = http.post("/v1/assistants", json={"model": "m"}).json()
        thread = http.post("/v1/threads", json={"messages": [
            {"role": "user", "content": script(text="one two", delay=0.3)}]}).json()
        commits: list[str] = []
        engine = http.app.state.services.db.engine
        listener = lambda _conn: commits.append("commit")  # noqa: E731
        event.listen(engine, "commit", listener)
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
            event.remove(engine, "commit", listener)
        assert at_first_delta == 2, commits
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
