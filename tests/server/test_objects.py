"""Objects carry the spec's fields and keep what callers sent; deletes cascade as OpenAI's do."""

from __future__ import annotations

import time

import pytest

FULL_ASSISTANT = {
    "model": "gpt-4o",
    "name": "Math tutor",
    "description": "Answers questions about maths.",
    "instructions": "You are a personal math tutor.",
    "tools": [
        {"type": "code_interpreter"},
        {"type": "file_search", "file_search": {"max_num_results": 5}},
        {"type": "function", "function": {"name": "get_weather", "description": "Weather now",
                                          "parameters": {"type": "object", "properties": {"city": {"type": "string"}}},
                                          "strict": True}},
    ],
    "metadata": {"team": "maths", "level": "2"},
    "temperature": 0.3,
    "top_p": 0.9,
    "response_format": {"type": "json_object"},
}

def upload(api, name: str = "doc.txt") -> str:
    """A stored file's id (messages and tool resources may only name stored files)."""
    return api.post("/v1/files", files={"file": (name, b"text")}, data={"purpose": "assistants"}).json()["id"]


def parts(image_id: str) -> list[dict]:
    return [
        {"type": "text", "text": "Look at these:"},
        {"type": "image_file", "image_file": {"file_id": image_id, "detail": "high"}},
        {"type": "image_url", "image_url": {"url": "https://example.com/cat.png"}},
    ]


def test_assistant_has_spec_fields(api, spec_schemas):
    asst = api.post("/v1/assistants", json={"model": "m"}).json()
    schema = spec_schemas["AssistantObject"]
    assert set(schema["required"]) <= set(asst)
    assert set(schema["properties"]) <= set(asst)
    assert asst["object"] == "assistant" and asst["id"].startswith("asst_")
    assert abs(asst["created_at"] - time.time()) < 60
    assert (asst["tools"], asst["metadata"], asst["name"], asst["instructions"]) == ([], {}, None, None)


def test_thread_and_message_have_spec_fields(api, spec_schemas):
    thread = api.post("/v1/threads", json={}).json()
    assert set(spec_schemas["ThreadObject"]["required"]) <= set(thread)
    assert thread["object"] == "thread" and thread["id"].startswith("thread_")
    msg = api.post(f"/v1/threads/{thread['id']}/messages", json={"role": "user", "content": "hi"}).json()
    assert set(spec_schemas["MessageObject"]["required"]) <= set(msg)
    assert msg["object"] == "thread.message" and msg["id"].startswith("msg_")
    assert msg["content"] == [{"type": "text", "text": {"value": "hi", "annotations": []}}]
    assert (msg["status"], msg["thread_id"], msg["attachments"], msg["metadata"]) == (
        "completed", thread["id"], [], {})
    assert msg["assistant_id"] is None and msg["run_id"] is None


def test_assistant_round_trip_and_partial_modify(api):
    full = {**FULL_ASSISTANT, "tool_resources": {"code_interpreter": {"file_ids": [upload(api)]}}}
    created = api.post("/v1/assistants", json=full).json()
    for key in ("model", "name", "description", "instructions", "tool_resources", "metadata", "temperature",
                "top_p", "response_format"):
        assert created[key] == full[key], key
    assert created["tools"][0] == {"type": "code_interpreter"}
    assert created["tools"][1]["file_search"]["max_num_results"] == 5
    assert created["tools"][2] == full["tools"][2]
    assert api.get(f"/v1/assistants/{created['id']}").json() == created

    modified = api.post(f"/v1/assistants/{created['id']}", json={"name": "Renamed", "metadata": {"k": "v"},
                                                                 "description": None}).json()
    assert modified["name"] == "Renamed" and modified["metadata"] == {"k": "v"}
    assert modified["description"] is None
    assert modified["instructions"] == full["instructions"]  # untouched fields stay
    assert modified["tools"] == created["tools"] and modified["created_at"] == created["created_at"]
    assert api.get(f"/v1/assistants/{created['id']}").json() == modified

    deleted = api.delete(f"/v1/assistants/{created['id']}").json()
    assert deleted == {"id": created["id"], "object": "assistant.deleted", "deleted": True}
    assert api.get(f"/v1/assistants/{created['id']}").status_code == 404


def test_thread_with_initial_messages_keeps_content_and_attachments(api):
    doc, image, code = upload(api), upload(api, "cat.png"), upload(api, "data.csv")
    attachments = [{"file_id": doc, "tools": [{"type": "file_search"}, {"type": "code_interpreter"}]}]
    store_id = api.post("/v1/vector_stores", json={}).json()["id"]
    thread = api.post("/v1/threads", json={
        "messages": [
            {"role": "user", "content": "first", "metadata": {"n": "1"}},
            {"role": "assistant", "content": parts(image), "attachments": attachments},
        ],
        "metadata": {"project": "x"},
        "tool_resources": {"code_interpreter": {"file_ids": [code]}, "file_search": {"vector_store_ids": [store_id]}},
    }).json()
    assert thread["metadata"] == {"project": "x"}
    assert thread["tool_resources"] == {"code_interpreter": {"file_ids": [code]},
                                        "file_search": {"vector_store_ids": [store_id]}}
    first, second = api.get(f"/v1/threads/{thread['id']}/messages", params={"order": "asc"}).json()["data"]
    assert first["content"][0]["text"]["value"] == "first" and first["metadata"] == {"n": "1"}
    assert second["role"] == "assistant"
    assert second["attachments"] == attachments
    assert [f["id"] for f in api.get(f"/v1/vector_stores/{store_id}/files").json()["data"]] == [doc]
    assert second["content"] == [
        {"type": "text", "text": {"value": "Look at these:", "annotations": []}},
        {"type": "image_file", "image_file": {"file_id": image, "detail": "high"}},
        {"type": "image_url", "image_url": {"url": "https://example.com/cat.png", "detail": "auto"}},
    ]
    assert {first["created_at"], second["created_at"]} == {thread["created_at"]}


def test_modify_thread_and_message_metadata(api):
    thread = api.post("/v1/threads", json={"metadata": {"a": "1"}}).json()
    changed = api.post(f"/v1/threads/{thread['id']}", json={"metadata": {"b": "2"}}).json()
    assert changed["metadata"] == {"b": "2"} and changed["created_at"] == thread["created_at"]
    msg = api.post(f"/v1/threads/{thread['id']}/messages", json={"role": "user", "content": "x"}).json()
    changed_msg = api.post(f"/v1/threads/{thread['id']}/messages/{msg['id']}", json={"metadata": {"c": "3"}}).json()
    assert changed_msg == {**msg, "metadata": {"c": "3"}}
    assert api.get(f"/v1/threads/{thread['id']}/messages/{msg['id']}").json() == changed_msg


def test_deleting_a_thread_deletes_its_messages(api):
    thread = api.post("/v1/threads", json={"messages": [{"role": "user", "content": "a"}] * 3}).json()
    msgs = api.get(f"/v1/threads/{thread['id']}/messages").json()["data"]
    assert len(msgs) == 3
    deleted = api.delete(f"/v1/threads/{thread['id']}").json()
    assert deleted == {"id": thread["id"], "object": "thread.deleted", "deleted": True}
    assert api.get(f"/v1/threads/{thread['id']}").status_code == 404
    assert api.get(f"/v1/threads/{thread['id']}/messages/{msgs[0]['id']}").status_code == 404
    assert api.get(f"/v1/threads/{thread['id']}/messages").status_code == 404
    with api.app.state.services.db.session() as s:  # nothing left behind in storage
        from sqlalchemy import func, select

        from openbeta.server.store.tables import MessageRow

        assert s.scalar(select(func.count()).select_from(MessageRow)) == 0


def test_deleting_a_message(api):
    thread = api.post("/v1/threads", json={"messages": [{"role": "user", "content": "a"},
                                                         {"role": "user", "content": "b"}]}).json()
    first, second = api.get(f"/v1/threads/{thread['id']}/messages", params={"order": "asc"}).json()["data"]
    assert api.delete(f"/v1/threads/{thread['id']}/messages/{first['id']}").json() == {
        "id": first["id"], "object": "thread.message.deleted", "deleted": True}
    assert [m["id"] for m in api.get(f"/v1/threads/{thread['id']}/messages").json()["data"]] == [second["id"]]


def test_deleting_an_assistant_leaves_threads(api):
    asst = api.post("/v1/assistants", json={"model": "m"}).json()
    thread = api.post("/v1/threads", json={"messages": [{"role": "user", "content": "stay"}]}).json()
    assert api.delete(f"/v1/assistants/{asst['id']}").status_code == 200
    assert api.get(f"/v1/threads/{thread['id']}").json() == thread
    assert len(api.get(f"/v1/threads/{thread['id']}/messages").json()["data"]) == 1


@pytest.mark.parametrize("text", ["héllo wörld", "日本語のテキスト", "emoji 🧗‍♀️🏔️", "עברית RTL", "a\u200bb", "tab\tnew\nline"])
def test_unicode_round_trip(api, text):
    thread = api.post("/v1/threads", json={"metadata": {"k": text}}).json()
    msg = api.post(f"/v1/threads/{thread['id']}/messages", json={"role": "user", "content": text}).json()
    stored = api.get(f"/v1/threads/{thread['id']}/messages/{msg['id']}").json()
    assert stored["content"][0]["text"]["value"] == text
    assert api.get(f"/v1/threads/{thread['id']}").json()["metadata"] == {"k": text}


def test_nul_character_round_trip(api):
    """PostgreSQL's JSONB cannot hold U+0000; it must still round-trip on every database."""
    thread = api.post("/v1/threads", json={}).json()
    response = api.post(f"/v1/threads/{thread['id']}/messages", json={"role": "user", "content": "a\u0000b"})
    assert response.status_code == 200, response.text
    stored = api.get(f"/v1/threads/{thread['id']}/messages/{response.json()['id']}").json()
    assert stored["content"][0]["text"]["value"] == "a\u0000b"


@pytest.mark.parametrize("schema,model", [
    ("CreateAssistantRequest", "openbeta.types.assistant:AssistantCreateParams"),
    ("ModifyAssistantRequest", "openbeta.types.assistant:AssistantUpdateParams"),
    ("CreateThreadRequest", "openbeta.types.thread:ThreadCreateParams"),
    ("ModifyThreadRequest", "openbeta.types.thread:ThreadUpdateParams"),
    ("CreateMessageRequest", "openbeta.types.message:MessageCreateParams"),
    ("ModifyMessageRequest", "openbeta.types.message:MessageUpdateParams"),
])
def test_request_bodies_accept_exactly_the_spec_fields(spec_schemas, schema, model):
    import importlib

    module, name = model.split(":")
    params = getattr(importlib.import_module(module), name)
    spec = spec_schemas[schema]
    assert set(params.model_fields) == set(spec["properties"])
    required = {field for field, info in params.model_fields.items() if info.is_required()}
    assert required == set(spec.get("required", []))


@pytest.mark.parametrize("path, extra", [("/v1/assistants", {"model": "m"}), ("/v1/threads", {}),
                                         ("/v1/vector_stores", {})])
def test_modify_metadata_null_clears_and_other_fields_stay(api, path, extra):
    created = api.post(path, json={**extra, "metadata": {"a": "1"}}).json()
    changed = api.post(f"{path}/{created['id']}", json={"metadata": {"b": "2"}}).json()
    assert changed["metadata"] == {"b": "2"}
    cleared = api.post(f"{path}/{created['id']}", json={"metadata": None})
    assert cleared.status_code == 200 and cleared.json()["metadata"] == {}
    again = api.get(f"{path}/{created['id']}").json()
    assert again["metadata"] == {} and {k: again[k] for k in extra} == extra


def test_vector_store_helper_metadata_has_the_metadata_limits(api):
    too_many = {f"k{i}": "v" for i in range(17)}
    response = api.post("/v1/threads", json={"tool_resources": {"file_search": {"vector_stores": [
        {"file_ids": [], "metadata": too_many}]}}})
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["param"] == "tool_resources.file_search.vector_stores[0].metadata" and "16" in error["message"]
