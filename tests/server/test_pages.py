"""Cursor pages exactly as OpenAI lists them, stable when objects share a ``created_at`` second."""

from __future__ import annotations

import time

import pytest

N = 25


@pytest.fixture
def thread_msgs(api) -> tuple[str, list[str]]:
    """A thread of N messages created within the same second or two; ids in creation order."""
    thread = api.post("/v1/threads", json={"messages": [{"role": "user", "content": str(i)} for i in range(20)]}).json()
    ids = [m["id"] for m in api.get(f"/v1/threads/{thread['id']}/messages", params={"order": "asc", "limit": 100}).json()["data"]]
    for i in range(20, N):
        ids.append(api.post(f"/v1/threads/{thread['id']}/messages", json={"role": "user", "content": str(i)}).json()["id"])
    return thread["id"], ids


def page(api, thread_id: str, **query) -> dict:
    response = api.get(f"/v1/threads/{thread_id}/messages", params=query)
    assert response.status_code == 200, response.text
    return response.json()


def test_page_shape_and_defaults(api, thread_msgs):
    tid, ids = thread_msgs
    first = page(api, tid)
    assert set(first) == {"object", "data", "first_id", "last_id", "has_more"}
    assert first["object"] == "list"
    assert [m["id"] for m in first["data"]] == ids[::-1][:20]  # default: 20, newest first
    assert first["first_id"] == ids[-1] and first["last_id"] == ids[-20]
    assert first["has_more"] is True
    assert [m["content"][0]["text"]["value"] for m in page(api, tid, order="asc", limit=3)["data"]] == ["0", "1", "2"]


@pytest.mark.parametrize("order", ["asc", "desc"])
@pytest.mark.parametrize("limit", [1, 7, 25, 100])
def test_walk_after_visits_each_once(api, thread_msgs, order, limit):
    tid, ids = thread_msgs
    expected = ids if order == "asc" else ids[::-1]
    seen, after = [], None
    while True:
        query = {"order": order, "limit": limit, **({"after": after} if after else {})}
        result = page(api, tid, **query)
        seen += [m["id"] for m in result["data"]]
        assert len(result["data"]) <= limit
        if not result["has_more"]:
            break
        after = result["last_id"]
    assert seen == expected


@pytest.mark.parametrize("order", ["asc", "desc"])
def test_walk_before_goes_back(api, thread_msgs, order):
    tid, ids = thread_msgs
    expected = ids if order == "asc" else ids[::-1]
    cursor = expected[-1]
    collected: list[str] = []
    while True:
        result = page(api, tid, order=order, limit=4, before=cursor)
        data = [m["id"] for m in result["data"]]
        # Each page is in list order and ends right before the cursor.
        assert data == expected[expected.index(cursor) - len(data):expected.index(cursor)]
        collected = data + collected
        if not result["has_more"]:
            break
        cursor = result["first_id"]
    assert collected == expected[:-1]


def test_after_and_before_together(api, thread_msgs):
    tid, ids = thread_msgs
    result = page(api, tid, order="asc", after=ids[3], before=ids[9], limit=100)
    assert [m["id"] for m in result["data"]] == ids[4:9]
    assert result["has_more"] is False


def test_empty_pages(api, thread_msgs):
    tid, ids = thread_msgs
    empty = page(api, tid, order="asc", after=ids[-1])
    assert empty == {"object": "list", "data": [], "first_id": None, "last_id": None, "has_more": False}
    fresh = api.post("/v1/threads", json={}).json()
    assert page(api, fresh["id"])["data"] == []


def test_pages_skip_deleted_and_ignore_other_threads(api, thread_msgs):
    tid, ids = thread_msgs
    other = api.post("/v1/threads", json={"messages": [{"role": "user", "content": "elsewhere"}]}).json()
    api.delete(f"/v1/threads/{tid}/messages/{ids[1]}")
    result = page(api, tid, order="asc", limit=3)
    assert [m["id"] for m in result["data"]] == [ids[0], ids[2], ids[3]]
    assert all(m["thread_id"] == tid for m in page(api, tid, limit=100)["data"])
    assert len(page(api, other["id"])["data"]) == 1


def test_run_id_filter(api, thread_msgs):
    tid, _ = thread_msgs
    assert page(api, tid, run_id="run_none")["data"] == []


def test_assistant_pages(api):
    ids = [api.post("/v1/assistants", json={"model": "m", "name": str(i)}).json()["id"] for i in range(5)]
    result = api.get("/v1/assistants", params={"limit": 2}).json()
    assert [a["id"] for a in result["data"]] == ids[::-1][:2] and result["has_more"] is True
    result = api.get("/v1/assistants", params={"limit": 2, "after": result["last_id"]}).json()
    assert [a["id"] for a in result["data"]] == ids[::-1][2:4]
    result = api.get("/v1/assistants", params={"order": "asc", "before": ids[2]}).json()
    assert [a["id"] for a in result["data"]] == ids[:2] and result["has_more"] is False


def test_run_id_filter_pages(api):
    from openbeta.server.services.messages import insert_message, message_body
    from openbeta.server.store.tables import DEFAULT_PROJECT_ID
    from openbeta.types.message import MessageCreateParams

    thread = api.post("/v1/threads", json={"messages": [{"role": "user", "content": "question"}]}).json()
    made = {"run_a": [], "run_b": []}
    with api.app.state.services.db.session() as s:
        for i in range(12):
            run_id = "run_a" if i % 3 else "run_b"
            body = message_body(thread["id"], MessageCreateParams(role="assistant", content=f"a{i}"), run_id=run_id)
            insert_message(s, DEFAULT_PROJECT_ID, body)
            made[run_id].append(body["id"])
    for run_id, ids in made.items():
        got, after = [], None
        while True:
            result = page(api, thread["id"], run_id=run_id, order="asc", limit=3, **({"after": after} if after else {}))
            got += [m["id"] for m in result["data"]]
            if not result["has_more"]:
                break
            after = result["last_id"]
        assert got == ids
        assert all(m["run_id"] == run_id for m in page(api, thread["id"], run_id=run_id, limit=100)["data"])
    assert len(page(api, thread["id"], limit=100)["data"]) == 13


def finished_run(api, thread_id: str, assistant_id: str) -> str:
    run = api.post(f"/v1/threads/{thread_id}/runs", json={"assistant_id": assistant_id}).json()
    deadline = time.monotonic() + 20
    while run["status"] not in ("completed", "failed", "incomplete"):
        assert time.monotonic() < deadline, run
        time.sleep(0.02)
        run = api.get(f"/v1/threads/{thread_id}/runs/{run['id']}").json()
    assert run["status"] == "completed", run
    return run["id"]


def test_list_queries_seek_on_an_index(api, db_kind):
    """Page cost must not grow with the table: every list query (messages, runs, run steps) is an
    index search on its parent's index, never a scan or a sort."""
    if db_kind != "sqlite":
        pytest.skip("plans are checked on SQLite; bench/ measures both databases")
    from sqlalchemy import event

    thread = api.post("/v1/threads", json={"messages": [{"role": "user", "content": str(i)} for i in range(5)]}).json()
    ids = [m["id"] for m in page(api, thread["id"], order="asc")["data"]]
    assistant = api.post("/v1/assistants", json={"model": "m"}).json()
    run_ids = [finished_run(api, thread["id"], assistant["id"]) for _ in range(3)]
    steps_url = f"/v1/threads/{thread['id']}/runs/{run_ids[1]}/steps"
    step_ids = [s["id"] for s in api.get(steps_url).json()["data"]]
    assert len(step_ids) == 1
    engine = api.app.state.services.db.engine
    seen: list[tuple[str, object]] = []

    def capture(_conn, _cursor, statement, parameters, _context, _many):
        if statement.lstrip().upper().startswith("SELECT"):
            seen.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", capture)
    try:
        for query in ({}, {"order": "asc"}, {"after": ids[2]}, {"before": ids[2]}, {"run_id": "run_x"}):
            page(api, thread["id"], **query)
        api.get("/v1/assistants", params={"order": "asc"})
        for query in ({}, {"order": "asc"}, {"after": run_ids[1]}, {"before": run_ids[1]}):
            assert api.get(f"/v1/threads/{thread['id']}/runs", params=query).status_code == 200
            assert api.get(steps_url, params={**query, **({"after": step_ids[0]} if "after" in query else {}),
                                              **({"before": step_ids[0]} if "before" in query else {})}).status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", capture)
    assert seen
    with engine.connect() as conn:
        for statement, parameters in seen:
            plan = " | ".join(row[-1] for row in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters))
            assert "SCAN" not in plan.replace("SCAN messages USING INDEX", "") or "assistants" in statement, plan
            for table, index in (("runs", "ix_runs_thread_seq"), ("run_steps", "ix_run_steps_run_seq")):
                if f"FROM {table} " in statement and f"{table}.id =" not in statement:
                    assert index in plan, plan
            assert "TEMP B-TREE" not in plan, plan
