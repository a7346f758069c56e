"""A NUL character in an id, a cursor or a ChatKit user (``%00`` in a URL, ``\\u0000`` in JSON) answers
400 ``invalid_value`` naming the ``param`` on both databases, where PostgreSQL answered 500 (its text
cannot hold NUL). Free text keeps NUL (stored as JSON)."""

from __future__ import annotations

import pytest

from hardening_helpers import assert_error

NUL = "\u0000"


@pytest.fixture(scope="module")
def api(module_api):
    return module_api


@pytest.fixture(scope="module")
def ids(api):
    return {"asst": api.post("/v1/assistants", json={"model": "m"}).json()["id"],
            "thread": api.post("/v1/threads", json={}).json()["id"],
            "vs": api.post("/v1/vector_stores", json={}).json()["id"]}


URLS = [("/v1/assistants?after=a%00", "after"), ("/v1/assistants?before=%00", "before"),
        ("/v1/assistants/asst_%00", "assistant_id"), ("/v1/files/file-%00/content", "file_id"),
        ("/v1/threads/{thread}/messages?run_id=r%00", "run_id"), ("/v1/chatkit/threads?user=u%00", "user"),
        ("/v1/chatkit/threads/cthr_%00/items", "thread_id")]

BODIES = [
    ("/v1/threads/{thread}/runs", {"assistant_id": "a" + NUL}, "assistant_id"),
    ("/v1/threads/runs", {"assistant_id": NUL}, "assistant_id"),
    ("/v1/vector_stores", {"file_ids": ["f", "f" + NUL]}, "file_ids[1]"),
    ("/v1/vector_stores/{vs}/files", {"file_id": "f" + NUL}, "file_id"),
    ("/v1/vector_stores/{vs}/file_batches", {"file_ids": ["f" + NUL]}, "file_ids[0]"),
    ("/v1/threads", {"tool_resources": {"code_interpreter": {"file_ids": [NUL]}}},
     "tool_resources.code_interpreter.file_ids[0]"),
    ("/v1/threads", {"messages": [{"role": "user", "content": "hi", "attachments": [
        {"file_id": "x" + NUL, "tools": [{"type": "file_search"}]}]}]}, "messages[0].attachments[0].file_id"),
    ("/v1/threads/{thread}/messages", {"role": "user", "content": [
        {"type": "image_file", "image_file": {"file_id": "x" + NUL}}]}, "content[0].image_file.file_id"),
    ("/v1/assistants", {"model": "m", "tool_resources": {"file_search": {"vector_store_ids": ["v" + NUL]}}},
     "tool_resources.file_search.vector_store_ids[0]"),
    ("/v1/chatkit/sessions", {"user": "u", "workflow": {"id": "a" + NUL}}, "workflow.id"),
    ("/v1/chatkit/sessions", {"user": "u" + NUL, "workflow": {"id": "{asst}"}}, "user"),
]


def fill(value, ids):
    if isinstance(value, str):
        return value.format(**ids) if "{" in value else value
    if isinstance(value, list):
        return [fill(v, ids) for v in value]
    if isinstance(value, dict):
        return {k: fill(v, ids) for k, v in value.items()}
    return value


@pytest.mark.parametrize("url,param", URLS, ids=[u for u, _ in URLS])
def test_nul_in_a_url(api, ids, url, param):
    assert_error(api.get(fill(url, ids)), 400, param=param, code="invalid_value")


@pytest.mark.parametrize("path,body,param", BODIES, ids=[p for _, _, p in BODIES])
def test_nul_in_a_body_id(api, ids, path, body, param):
    assert_error(api.post(fill(path, ids), json=fill(body, ids)), 400, param=param, code="invalid_value")


def test_free_text_keeps_nul(api):
    created = api.post("/v1/assistants", json={"model": "m", "name": "a" + NUL + "b",
                                               "metadata": {"user_id": "u" + NUL}})
    assert created.status_code == 200, created.text
    again = api.get(f"/v1/assistants/{created.json()['id']}").json()
    assert again["name"] == "a" + NUL + "b" and again["metadata"] == {"user_id": "u" + NUL}


def test_nul_in_a_chatkit_protocol_id(api, ids):
    pytest.importorskip("chatkit.types")
    secret = api.post("/v1/chatkit/sessions", json={"user": "u", "workflow": {"id": ids["asst"]}}).json()
    headers = {"Authorization": f"Bearer {secret['client_secret']}"}
    for kind, params, param in (("threads.get_by_id", {"thread_id": "c" + NUL}, "thread_id"),
                                ("threads.list", {"after": NUL}, "after"),
                                ("attachments.delete", {"attachment_id": "a" + NUL}, "attachment_id")):
        answer = api.post("/v1/chatkit", json={"type": kind, "params": params}, headers=headers)
        assert_error(answer, 400, param=param, code="invalid_value")
