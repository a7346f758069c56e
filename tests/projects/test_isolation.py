"""Two projects' keys against one live server: each sees only its own objects, and every route
answers another project's ids exactly as it answers ids that do not exist (404, same error)."""

from __future__ import annotations

from typing import Any, Optional

import httpx
import openai
import pytest

from projects_support import DEFAULT_KEY, KEY_A, KEY_B, make_world, sdk

#: Ids of the right shape that name nothing, to compare "another project's" with "unknown".
UNKNOWN = {"file": "file-unknown0000000000000000", "store": "vs_unknown00000000000000000",
           "batch": "vsfb_unknown0000000000000000", "assistant": "asst_unknown0000000000000000",
           "thread": "thread_unknown00000000000000", "message": "msg_unknown000000000000000000",
           "run": "run_unknown000000000000000000", "step": "step_unknown0000000000000000"}

#: (method, path, JSON body) with ``{kind}`` standing for the other project's ids; ``{own_*}`` for the caller's.
#: Deletes go last (see ``ROUTES``), so that, were one to get through, the other checks still meet live objects.
_ROUTES: list[tuple[str, str, Optional[dict[str, Any]]]] = [
    ("GET", "/assistants/{assistant}", None),
    ("POST", "/assistants/{assistant}", {"name": "taken"}),
    ("DELETE", "/assistants/{assistant}", None),
    ("GET", "/threads/{thread}", None),
    ("POST", "/threads/{thread}", {"metadata": {"k": "v"}}),
    ("DELETE", "/threads/{thread}", None),
    ("GET", "/threads/{thread}/messages", None),
    ("POST", "/threads/{thread}/messages", {"role": "user", "content": "intruder"}),
    ("GET", "/threads/{thread}/messages/{message}", None),
    ("POST", "/threads/{thread}/messages/{message}", {"metadata": {"k": "v"}}),
    ("DELETE", "/threads/{thread}/messages/{message}", None),
    ("GET", "/threads/{thread}/runs", None),
    ("POST", "/threads/{thread}/runs", {"assistant_id": "{own_assistant}"}),
    ("GET", "/threads/{thread}/runs/{run}", None),
    ("POST", "/threads/{thread}/runs/{run}", {"metadata": {"k": "v"}}),
    ("POST", "/threads/{thread}/runs/{run}/cancel", None),
    ("POST", "/threads/{thread}/runs/{run}/submit_tool_outputs", {"tool_outputs": []}),
    ("GET", "/threads/{thread}/runs/{run}/steps", None),
    ("GET", "/threads/{thread}/runs/{run}/steps/{step}", None),
    ("GET", "/files/{file}", None),
    ("GET", "/files/{file}/content", None),
    ("DELETE", "/files/{file}", None),
    ("GET", "/vector_stores/{store}", None),
    ("POST", "/vector_stores/{store}", {"name": "taken"}),
    ("DELETE", "/vector_stores/{store}", None),
    ("POST", "/vector_stores/{store}/search", {"query": "launch code"}),
    ("GET", "/vector_stores/{store}/files", None),
    ("POST", "/vector_stores/{store}/files", {"file_id": "{own_file}"}),
    ("GET", "/vector_stores/{store}/files/{file}", None),
    ("POST", "/vector_stores/{store}/files/{file}", {"attributes": {"k": "v"}}),
    ("DELETE", "/vector_stores/{store}/files/{file}", None),
    ("GET", "/vector_stores/{store}/files/{file}/content", None),
    ("POST", "/vector_stores/{store}/file_batches", {"file_ids": ["{own_file}"]}),
    ("GET", "/vector_stores/{store}/file_batches/{batch}", None),
    ("POST", "/vector_stores/{store}/file_batches/{batch}/cancel", None),
    ("GET", "/vector_stores/{store}/file_batches/{batch}/files", None),
]
ROUTES = sorted(_ROUTES, key=lambda route: route[0] == "DELETE")

#: Create requests (made with the caller's key) whose body names the other project's ``{kind}``.
BODY_REFERENCES: list[tuple[str, str, dict[str, Any], str]] = [
    ("POST", "/threads/{own_thread}/runs", {"assistant_id": "{assistant}"}, "assistant_id"),
    ("POST", "/threads/runs", {"assistant_id": "{assistant}"}, "assistant_id"),
    ("POST", "/assistants", {"model": "m", "tool_resources": {"file_search": {"vector_store_ids": ["{store}"]}}},
     "tool_resources.file_search.vector_store_ids[0]"),
    ("POST", "/assistants", {"model": "m", "tool_resources": {"code_interpreter": {"file_ids": ["{file}"]}}},
     "tool_resources.code_interpreter.file_ids[0]"),
    ("POST", "/assistants/{own_assistant}",
     {"tool_resources": {"file_search": {"vector_store_ids": ["{store}"]}}},
     "tool_resources.file_search.vector_store_ids[0]"),
    ("POST", "/threads", {"tool_resources": {"file_search": {"vector_store_ids": ["{store}"]}}},
     "tool_resources.file_search.vector_store_ids[0]"),
    ("POST", "/threads/{own_thread}", {"tool_resources": {"file_search": {"vector_store_ids": ["{store}"]}}},
     "tool_resources.file_search.vector_store_ids[0]"),
    ("POST", "/threads", {"messages": [{"role": "user", "content": "x", "attachments": [
        {"file_id": "{file}", "tools": [{"type": "file_search"}]}]}]}, "messages[0].attachments[0].file_id"),
    ("POST", "/threads/{own_thread}/messages", {"role": "user", "content": "x", "attachments": [
        {"file_id": "{file}", "tools": [{"type": "file_search"}]}]}, "attachments[0].file_id"),
    ("POST", "/threads/{own_thread}/messages",
     {"role": "user", "content": [{"type": "image_file", "image_file": {"file_id": "{file}"}}]},
     "content[0].image_file.file_id"),
    ("POST", "/vector_stores", {"file_ids": ["{file}"]}, "file_ids[0]"),
    ("POST", "/vector_stores/{own_store}/files", {"file_id": "{file}"}, "file_id"),
    ("POST", "/vector_stores/{own_store}/file_batches", {"file_ids": ["{file}"]}, "file_ids[0]"),
]


def fill(value: Any, other: dict[str, str], own: dict[str, str]) -> Any:
    """``value`` with ``{kind}`` replaced by ``other``'s id and ``{own_kind}`` by ``own``'s."""
    if isinstance(value, str):
        for kind, object_id in own.items():
            value = value.replace("{own_" + kind + "}", object_id)
        for kind, object_id in other.items():
            value = value.replace("{" + kind + "}", object_id)
        return value
    if isinstance(value, dict):
        return {k: fill(v, other, own) for k, v in value.items()}
    if isinstance(value, list):
        return [fill(v, other, own) for v in value]
    return value


@pytest.fixture(scope="module")
def worlds(projects_server):
    a, b = sdk(projects_server, KEY_A), sdk(projects_server, KEY_B)
    return {"a": make_world(a, "alpha"), "b": make_world(b, "bravo")}


@pytest.fixture(scope="module")
def http(projects_server):
    clients = {name: httpx.Client(base_url=projects_server.base_url, timeout=30,
                                  headers={"Authorization": f"Bearer {key}"})
               for name, key in (("a", KEY_A), ("b", KEY_B), ("default", DEFAULT_KEY))}
    yield clients
    for c in clients.values():
        c.close()


def call(client: httpx.Client, method: str, path: str, body: Optional[dict[str, Any]]) -> httpx.Response:
    return client.request(method, path, json=body) if body is not None else client.request(method, path)


def test_lists_show_only_the_callers_objects(projects_server, worlds):
    for me, other in (("a", "b"), ("b", "a")):
        client = sdk(projects_server, KEY_A if me == "a" else KEY_B)
        mine, theirs = worlds[me], worlds[other]
        listed = {
            "assistant": [x.id for x in client.beta.assistants.list(limit=100)],
            "file": [x.id for x in client.files.list()],
            "store": [x.id for x in client.vector_stores.list(limit=100)],
        }
        threads = client.get("/threads", cast_to=object, options={"params": {"limit": 100}})  # openbeta's thread list
        listed["thread"] = [t["id"] for t in threads["data"]]
        for kind, ids in listed.items():
            assert mine[kind] in ids and theirs[kind] not in ids, (me, kind, ids)
        messages = list(client.beta.threads.messages.list(mine["thread"]))
        assert mine["message"] in [m.id for m in messages] and {m.thread_id for m in messages} == {mine["thread"]}
        assert [r.id for r in client.beta.threads.runs.list(mine["thread"])] == [mine["run"]]
        assert [f.id for f in client.vector_stores.files.list(mine["store"])] == [mine["file"]]
    default = sdk(projects_server, DEFAULT_KEY)
    seen = {x.id for x in default.beta.assistants.list(limit=100)} | {x.id for x in default.files.list()} | {
        x.id for x in default.vector_stores.list(limit=100)}
    assert not seen & {worlds[p][k] for p in "ab" for k in ("assistant", "file", "store")}


def test_search_finds_only_the_callers_files(projects_server, worlds):
    a = sdk(projects_server, KEY_A)
    hits = a.vector_stores.search(worlds["a"]["store"], query="launch code zebra")
    assert {h.file_id for h in hits.data} == {worlds["a"]["file"]}


@pytest.mark.parametrize("method,path,body", ROUTES, ids=[f"{m} {p}" for m, p, _ in ROUTES])
def test_other_projects_ids_are_not_found(http, worlds, method, path, body):
    """B asking for A's objects gets exactly the 404 it gets for ids that do not exist."""
    theirs = call(http["b"], method, fill(path, worlds["a"], worlds["b"]), fill(body, worlds["a"], worlds["b"]))
    unknown = call(http["b"], method, fill(path, UNKNOWN, worlds["b"]), fill(body, UNKNOWN, worlds["b"]))
    assert unknown.status_code == 404, unknown.text
    assert theirs.status_code == 404, theirs.text
    shown = theirs.json()["error"]
    for kind, object_id in worlds["a"].items():
        shown["message"] = shown["message"].replace(object_id, UNKNOWN[kind])
    assert shown == unknown.json()["error"]


@pytest.mark.parametrize("method,path,body,param", BODY_REFERENCES,
                         ids=[f"{m} {p} {param}" for m, p, _, param in BODY_REFERENCES])
def test_bodies_naming_other_projects_objects_are_not_found(http, worlds, method, path, body, param):
    theirs = call(http["b"], method, fill(path, worlds["a"], worlds["b"]), fill(body, worlds["a"], worlds["b"]))
    unknown = call(http["b"], method, fill(path, UNKNOWN, worlds["b"]), fill(body, UNKNOWN, worlds["b"]))
    assert theirs.status_code == 404, theirs.text
    error = theirs.json()["error"]
    assert error["param"] == param, error
    for kind, object_id in worlds["a"].items():
        error["message"] = error["message"].replace(object_id, UNKNOWN[kind])
    assert unknown.status_code == 404 and error == unknown.json()["error"]


def test_the_owner_still_has_everything(projects_server, http, worlds):
    """After every refused read, change and delete by the other project, A's objects are intact."""
    a = sdk(projects_server, KEY_A)
    mine = worlds["a"]
    assert a.beta.assistants.retrieve(mine["assistant"]).name == "asst-alpha"
    assert a.beta.threads.retrieve(mine["thread"]).metadata == {}
    assert a.beta.threads.messages.retrieve(mine["message"], thread_id=mine["thread"]).metadata == {}
    assert a.files.content(mine["file"]).read() == b"The alpha launch code is zebra-alpha."
    store = a.vector_stores.retrieve(mine["store"])
    assert store.name == "store-alpha" and store.file_counts.completed == 1
    assert a.vector_stores.files.retrieve(mine["file"], vector_store_id=mine["store"]).attributes in ({}, None)
    assert a.beta.threads.runs.retrieve(mine["run"], thread_id=mine["thread"]).status == "completed"
    # Nothing was made in B by the refused creates.
    b = sdk(projects_server, KEY_B)
    assert [s.id for s in b.vector_stores.list(limit=100)] == [worlds["b"]["store"]]
    assert [x.id for x in b.beta.assistants.list(limit=100)] == [worlds["b"]["assistant"]]


def test_sdk_sees_a_not_found_error(projects_server, worlds):
    b = sdk(projects_server, KEY_B)
    with pytest.raises(openai.NotFoundError):
        b.beta.assistants.retrieve(worlds["a"]["assistant"])
    with pytest.raises(openai.NotFoundError):
        b.files.content(worlds["a"]["file"])
    with pytest.raises(openai.NotFoundError):
        b.beta.threads.runs.create(thread_id=worlds["b"]["thread"], assistant_id=worlds["a"]["assistant"])
