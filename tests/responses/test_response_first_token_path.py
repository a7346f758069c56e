"""The path from a streamed ``POST /v1/responses`` to its first token: what touches the database before it."""

from __future__ import annotations

from typing import Any, Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event

from openbeta.server.app import create_app
from openbeta.server.settings import Settings
from responses_support import script


@pytest.fixture
def app(tmp_path, database_url) -> Iterator[TestClient]:
    settings = Settings(data_dir=tmp_path, database_url=database_url, provider="scripted")
    with TestClient(create_app(settings)) as http:
        yield http


def first_token_path(http: TestClient, body: dict[str, Any]) -> tuple[list[list[str]], list[str]]:
    """Streams a response: (the statements of each writing unit of work before its first text delta, every
    event type)."""
    engine = http.app.state.services.db.engine
    commits: list[list[str]] = []
    ended: list[list[str]] = []

    def statement(conn: Any, _cursor: Any, sql: str, *_: Any) -> None:
        conn.info.setdefault("statements", []).append(" ".join(sql.split()[:3]))

    def commit(conn: Any) -> None:
        done = conn.info.pop("statements", [])
        if any(s.split()[0] in ("INSERT", "UPDATE", "DELETE") for s in done):
            commits.append(done)

    event.listen(engine, "before_cursor_execute", statement)
    event.listen(engine, "commit", commit)
    events: list[str] = []
    try:
        with http.stream("POST", "/v1/responses", json={**body, "stream": True}) as response:
            assert response.status_code == 200
            for line in response.iter_lines():
                if line.startswith("event: "):
                    events.append(line[7:])
                    if line[7:] == "response.output_text.delta" and not ended:
                        ended.extend(list(c) for c in commits)
    finally:
        event.remove(engine, "before_cursor_execute", statement)
        event.remove(engine, "commit", commit)
    return ended, events


def test_a_new_chain_reads_nothing_before_its_first_token(app):
    """A response that starts a chain writes its thread, input, run, first step and opening events in
    one unit of work that reads nothing back (the thread is new: its history is the input just written)."""
    ended, events = first_token_path(app, {"model": "m", "input": script(text="one two", delay=0.2)})
    assert len(ended) == 1, ended
    assert not [s for s in ended[0] if s.startswith("SELECT")], ended[0]
    assert events[:4] == ["response.created", "response.in_progress", "response.output_item.added",
                          "response.content_part.added"]
    assert events[-1] == "response.completed"


def test_the_model_sees_the_same_context_either_way(app):
    """The history a new chain hands the engine is what reading the thread back gives: the model is shown
    the same messages for a new chain as for the same input continued on a conversation that holds nothing."""
    items = [{"role": "developer", "content": "Be brief."},
             {"role": "user", "content": [{"type": "input_text", "text": script(reveal=True)}]}]
    fresh = app.post("/v1/responses", json={"model": "m", "input": items}).json()
    conversation = app.post("/v1/conversations", json={}).json()
    read = app.post("/v1/responses", json={"model": "m", "input": items, "conversation": conversation["id"]}).json()
    shown = [r["output"][0]["content"][0]["text"] for r in (fresh, read)]
    assert shown[0] == shown[1] and "Be brief." in shown[0]
    # and a chain continued from it reads its thread back, the first input and answer included
    later = app.post("/v1/responses", json={"model": "m", "previous_response_id": fresh["id"],
                                            "input": script(reveal=True)}).json()
    assert "Be brief." in later["output"][0]["content"][0]["text"]
