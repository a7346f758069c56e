"""A lone UTF-16 surrogate in a JSON body is refused before anything is stored,
and a stored row holding one (written before this check) is read back repaired."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from hardening_helpers import assert_error

BAD = "\\ud800"  # a lone high surrogate, as JSON text
LOW = "\\udfff"


def row_counts(api) -> dict[str, int]:
    """How many rows each table holds."""
    from sqlalchemy import func

    from openbeta.server.store.tables import Base

    with api.app.state.services.db.session() as session:
        return {t.name: session.scalar(select(func.count()).select_from(t)) for t in Base.metadata.sorted_tables}


def post_raw(api, path: str, text: str):
    return api.post(path, content=text.encode(), headers={"content-type": "application/json"})


# (create path, raw JSON body, param)
CASES = [
    ("/v1/assistants", '{"model": "m", "metadata": {"key": "%s"}}' % BAD, "metadata.key"),
    ("/v1/assistants", '{"model": "m", "metadata": {"%s": "v"}}' % LOW, "metadata.\\udfff"),
    ("/v1/assistants", '{"model": "m", "name": "a%sb"}' % BAD, "name"),
    ("/v1/assistants", '{"model": "m", "instructions": "%s"}' % BAD, "instructions"),
    ("/v1/assistants",
     '{"model": "m", "tools": [{"type": "function", "function": {"name": "f", "parameters": '
     '{"type": "object", "properties": {"x": {"description": "%s"}}}}}]}' % BAD,
     "tools[0].function.parameters.properties.x.description"),
    ("/v1/assistants",
     '{"model": "m", "response_format": {"type": "json_schema", "json_schema": {"name": "s", '
     '"schema": {"type": "object", "title": "%s"}}}}' % BAD, "response_format.json_schema.schema.title"),
    ("/v1/threads", '{"metadata": {"%s": "v"}}' % BAD, "metadata.\\ud800"),
    ("/v1/threads",
     '{"messages": [{"role": "user", "content": [{"type": "image_url", "image_url": {"url": "%s"}}]}]}' % BAD,
     "messages[0].content[0].image_url.url"),
    ("/v1/threads", '{"messages": [{"role": "user", "content": "hi %s"}]}' % BAD,
     "messages[0].content"),
    ("/v1/vector_stores", '{"metadata": {"k": "%s"}}' % BAD, "metadata.k"),
    ("/v1/vector_stores", '{"name": "%s"}' % LOW, "name"),
    ("/v1/threads/runs",
     '{"assistant_id": "asst_x", "additional_instructions": "%s"}' % BAD, "additional_instructions"),
]


@pytest.mark.parametrize("path,text,param", CASES, ids=[c[2] + ":" + c[0] for c in CASES])
def test_lone_surrogate_is_400_and_nothing_is_stored(module_api, path, text, param):
    api = module_api
    before = row_counts(api)
    error = assert_error(post_raw(api, path, text), 400, param, "invalid_value")
    assert "surrogate" in error["message"]
    assert row_counts(api) == before
    for listing in ("/v1/assistants", "/v1/vector_stores"):
        assert api.get(listing).status_code == 200


def test_lone_surrogate_in_nested_writes(module_api):
    api = module_api
    """Messages, runs, modifies, vector-store files and searches go through the same edge."""
    thread = api.post("/v1/threads", json={}).json()
    store = api.post("/v1/vector_stores", json={}).json()
    cases = [
        (f"/v1/threads/{thread['id']}/messages", '{"role": "user", "content": "%s"}' % BAD, "content"),
        (f"/v1/threads/{thread['id']}", '{"metadata": {"a": "%s"}}' % BAD, "metadata.a"),
        (f"/v1/threads/{thread['id']}/runs", '{"assistant_id": "%s"}' % BAD, "assistant_id"),
        (f"/v1/vector_stores/{store['id']}/files",
         '{"file_id": "file_x", "attributes": {"k": "%s"}}' % BAD, "attributes.k"),
        (f"/v1/vector_stores/{store['id']}/search",
         '{"query": "q", "filters": {"type": "eq", "key": "k", "value": "%s"}}' % BAD, "filters.value"),
        (f"/v1/vector_stores/{store['id']}/search", '{"query": ["ok", "%s"]}' % BAD, "query[1]"),
    ]
    for path, text, param in cases:
        assert_error(post_raw(api, path, text), 400, param, "invalid_value")
    assert api.get(f"/v1/threads/{thread['id']}/messages").json()["data"] == []
    assert api.get(f"/v1/threads/{thread['id']}").json()["metadata"] == {}


def test_escaped_pairs_and_astral_text_are_kept(api):
    """A surrogate pair (escaped or raw UTF-8) is one character: stored and echoed."""
    created = post_raw(api, "/v1/assistants", '{"model": "m", "name": "\\ud83d\\ude00 \U0001F600", '
                                              '"metadata": {"\\ud83d\\ude00": "ok"}}')
    assert created.status_code == 200, created.text
    assert created.json()["name"] == "\U0001F600 \U0001F600"
    got = api.get(f"/v1/assistants/{created.json()['id']}").json()
    assert got["metadata"] == {"\U0001F600": "ok"}


def test_query_with_surrogate_bytes_is_not_500(module_api):
    api = module_api
    for query in ("after=%ED%A0%80", "order=%ED%A0%80", "before=%ED%A0%80"):
        response = api.get("/v1/assistants?" + query)
        assert response.status_code in (200, 400), response.text


def test_stored_rows_with_lone_surrogates_are_repaired_on_read(api, caplog):
    """A row stored before the check (a poisoned body) no longer breaks GET, list or delete."""
    from openbeta.server.store.tables import AssistantRow as Assistant

    good = api.post("/v1/assistants", json={"model": "m", "name": "good"}).json()
    poisoned = api.post("/v1/assistants", json={"model": "m", "name": "poisoned"}).json()
    db = api.app.state.services.db
    with db.session() as session:
        row = session.scalar(select(Assistant).where(Assistant.id == poisoned["id"]))
        row.body = {**row.body, "metadata": {"k": "a\ud800b", "\udfff": "v"}}
    listed = api.get("/v1/assistants")
    assert listed.status_code == 200, listed.text
    ids = [a["id"] for a in listed.json()["data"]]
    assert set(ids) == {good["id"], poisoned["id"]}
    got = api.get(f"/v1/assistants/{poisoned['id']}")
    assert got.status_code == 200, got.text
    assert got.json()["metadata"] == {"k": "a\ufffdb", "\ufffd": "v"}
    assert "lone surrogate" in caplog.text
    assert api.delete(f"/v1/assistants/{poisoned['id']}").json()["deleted"] is True
    assert [a["id"] for a in api.get("/v1/assistants").json()["data"]] == [good["id"]]


def test_lone_surrogate_in_a_utf16_body_is_400(module_api):
    api = module_api
    text = '{"model": "m", "metadata": {"k": "%s"}}' % BAD
    response = api.post("/v1/assistants", content=text.encode("utf-16"),
                        headers={"content-type": "application/json"})
    assert_error(response, 400, "metadata.k", "invalid_value")


def test_run_on_a_thread_with_a_poisoned_message_completes(api):
    """A message stored with a lone surrogate (before the check) is read repaired by the run engine."""
    import time

    from openbeta.server.store.tables import MessageRow

    assistant = api.post("/v1/assistants", json={"model": "m"}).json()
    thread = api.post("/v1/threads", json={"messages": [{"role": "user", "content": "hello"}]}).json()
    message = api.get(f"/v1/threads/{thread['id']}/messages").json()["data"][0]
    with api.app.state.services.db.session() as session:
        row = session.scalar(select(MessageRow).where(MessageRow.id == message["id"]))
        row.body = {**row.body, "content": [{"type": "text", "text": {"value": "hi \ud800", "annotations": []}}]}
    run = api.post(f"/v1/threads/{thread['id']}/runs", json={"assistant_id": assistant["id"]}).json()
    deadline = time.monotonic() + 20
    while run["status"] in ("queued", "in_progress"):
        assert time.monotonic() < deadline, run
        time.sleep(0.05)
        run = api.get(f"/v1/threads/{thread['id']}/runs/{run['id']}").json()
    assert run["status"] == "completed", run
    messages = api.get(f"/v1/threads/{thread['id']}/messages", params={"order": "asc"}).json()["data"]
    assert messages[0]["content"][0]["text"]["value"] == "hi \ufffd"
    assert messages[1]["role"] == "assistant" and messages[1]["content"][0]["text"]["value"] == "hi \ufffd"
