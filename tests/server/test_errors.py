"""Bad input answers OpenAI-shaped errors with the right status, type, param and code."""

from __future__ import annotations

from typing import Any, Optional

import pytest

LONG_KEY = "k" * 65


def assert_error(response, status: int, param: Optional[str] = None, code: Optional[str] = None) -> dict:
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"error"}
    error = body["error"]
    assert set(error) == {"message", "type", "param", "code"}
    assert error["message"] and isinstance(error["message"], str)
    assert error["type"] == "invalid_request_error"
    assert error["param"] == param
    assert error["code"] == code
    return error


BAD_ASSISTANTS: list[tuple[str, dict[str, Any], str, str]] = [
    ("missing model", {}, "model", "missing_required_parameter"),
    ("unknown field", {"model": "m", "colour": "red"}, "colour", "unknown_parameter"),
    ("model type", {"model": 5}, "model", "invalid_type"),
    ("name too long", {"model": "m", "name": "n" * 257}, "name", "string_above_max_length"),
    ("description too long", {"model": "m", "description": "d" * 513}, "description",
     "string_above_max_length"),
    ("instructions too long", {"model": "m", "instructions": "i" * 256_001}, "instructions",
     "string_above_max_length"),
    ("too many tools", {"model": "m", "tools": [{"type": "code_interpreter"}] * 129}, "tools",
     "array_above_max_length"),
    ("tool type", {"model": "m", "tools": [{"type": "browser"}]}, "tools[0].type", "invalid_value"),
    ("tool unknown field", {"model": "m", "tools": [{"type": "function", "function": {"name": "f", "x": 1}}]},
     "tools[0].function.x", "unknown_parameter"),
    ("function name", {"model": "m", "tools": [{"type": "function", "function": {"name": "a b"}}]},
     "tools[0].function.name", "invalid_value"),
    ("function missing", {"model": "m", "tools": [{"type": "function"}]}, "tools[0].function",
     "missing_required_parameter"),
    ("too many metadata pairs", {"model": "m", "metadata": {str(i): "v" for i in range(17)}}, "metadata",
     "invalid_value"),
    ("metadata key too long", {"model": "m", "metadata": {LONG_KEY: "v"}}, "metadata", "invalid_value"),
    ("metadata value too long", {"model": "m", "metadata": {"k": "v" * 513}}, "metadata", "invalid_value"),
    ("metadata value type", {"model": "m", "metadata": {"k": 1}}, "metadata", "invalid_value"),
    ("metadata type", {"model": "m", "metadata": ["k"]}, "metadata", "invalid_type"),
    ("temperature type", {"model": "m", "temperature": "hot"}, "temperature", "invalid_type"),
    ("temperature range", {"model": "m", "temperature": 2.5}, "temperature", "decimal_above_max_value"),
    ("top_p range", {"model": "m", "top_p": -0.5}, "top_p", "decimal_below_min_value"),
    ("reasoning_effort enum", {"model": "m", "reasoning_effort": "huge"}, "reasoning_effort", "invalid_value"),
    ("response_format enum", {"model": "m", "response_format": "yaml"}, "response_format", "invalid_value"),
    ("code_interpreter files", {"model": "m", "tool_resources": {"code_interpreter": {"file_ids": ["f"] * 21}}},
     "tool_resources.code_interpreter.file_ids", "array_above_max_length"),
    ("vector store ids", {"model": "m", "tool_resources": {"file_search": {"vector_store_ids": ["a", "b"]}}},
     "tool_resources.file_search.vector_store_ids", "array_above_max_length"),
]


@pytest.mark.parametrize("body,param,code", [c[1:] for c in BAD_ASSISTANTS], ids=[c[0] for c in BAD_ASSISTANTS])
def test_create_assistant_rejects(api, body, param, code):
    assert_error(api.post("/v1/assistants", json=body), 400, param, code)
    assert api.get("/v1/assistants").json()["data"] == []


def test_modify_assistant_validates_like_create(api):
    asst = api.post("/v1/assistants", json={"model": "m", "name": "kept"}).json()
    assert_error(api.post(f"/v1/assistants/{asst['id']}", json={"name": "n" * 257}), 400, "name",
                 "string_above_max_length")
    assert_error(api.post(f"/v1/assistants/{asst['id']}", json={"model": ""}), 400, "model",
                 "string_below_min_length")
    assert_error(api.post(f"/v1/assistants/{asst['id']}", json={"bogus": 1}), 400, "bogus", "unknown_parameter")
    assert api.get(f"/v1/assistants/{asst['id']}").json() == asst


BAD_MESSAGES: list[tuple[str, dict[str, Any], str, str]] = [
    ("missing role", {"content": "hi"}, "role", "missing_required_parameter"),
    ("missing content", {"role": "user"}, "content", "missing_required_parameter"),
    ("role enum", {"role": "system", "content": "hi"}, "role", "invalid_value"),
    ("content type", {"role": "user", "content": 7}, "content", "invalid_type"),
    ("empty parts", {"role": "user", "content": []}, "content", "array_below_min_length"),
    ("part type", {"role": "user", "content": [{"type": "audio", "audio": {}}]}, "content[0].type",
     "invalid_value"),
    ("part unknown field", {"role": "user", "content": [{"type": "text", "text": "a", "extra": 1}]},
     "content[0].extra", "unknown_parameter"),
    ("image_url unknown field",
     {"role": "user", "content": [{"type": "image_url", "image_url": {"url": "http://x", "size": 1}}]},
     "content[0].image_url.size", "unknown_parameter"),
    ("image detail enum",
     {"role": "user", "content": [{"type": "image_file", "image_file": {"file_id": "f", "detail": "max"}}]},
     "content[0].image_file.detail", "invalid_value"),
    ("attachment tool", {"role": "user", "content": "a", "attachments": [{"file_id": "f", "tools": [{"type": "x"}]}]},
     "attachments[0].tools[0].type", "invalid_value"),
    ("unknown field", {"role": "user", "content": "a", "thread_id": "t"}, "thread_id", "unknown_parameter"),
    ("metadata pairs", {"role": "user", "content": "a", "metadata": {str(i): "" for i in range(17)}}, "metadata",
     "invalid_value"),
]


@pytest.mark.parametrize("body,param,code", [c[1:] for c in BAD_MESSAGES], ids=[c[0] for c in BAD_MESSAGES])
def test_create_message_rejects(api, body, param, code):
    thread = api.post("/v1/threads", json={}).json()
    assert_error(api.post(f"/v1/threads/{thread['id']}/messages", json=body), 400, param, code)
    # The same message inside a new thread names its place in the list.
    assert_error(api.post("/v1/threads", json={"messages": [body]}), 400, f"messages[0].{param}", code)
    assert api.get(f"/v1/threads/{thread['id']}/messages").json()["data"] == []


def test_thread_and_message_modify_accept_only_their_fields(api):
    thread = api.post("/v1/threads", json={"messages": [{"role": "user", "content": "a"}]}).json()
    msg = api.get(f"/v1/threads/{thread['id']}/messages").json()["data"][0]
    assert_error(api.post(f"/v1/threads/{thread['id']}", json={"messages": []}), 400, "messages",
                 "unknown_parameter")
    assert_error(api.post(f"/v1/threads/{thread['id']}/messages/{msg['id']}", json={"content": "b"}), 400,
                 "content", "unknown_parameter")
    assert_error(api.post(f"/v1/threads/{thread['id']}/messages/{msg['id']}", json={"metadata": {"k": 5}}), 400,
                 "metadata", "invalid_value")


@pytest.mark.parametrize("raw", [b"{not json", b"\xff\xfe", b'{"model": "m",}', b"[1, 2]", b'"text"', b"null"])
def test_malformed_bodies(api, raw):
    response = api.post("/v1/assistants", content=raw, headers={"content-type": "application/json"})
    assert response.status_code == 400
    assert response.json()["error"]["type"] == "invalid_request_error"


def test_unknown_ids_are_404(api):
    thread = api.post("/v1/threads", json={}).json()
    tid = thread["id"]
    cases = [
        ("GET", "/v1/assistants/asst_missing", "assistant"),
        ("POST", "/v1/assistants/asst_missing", "assistant"),
        ("DELETE", "/v1/assistants/asst_missing", "assistant"),
        ("GET", "/v1/threads/thread_missing", "thread"),
        ("POST", "/v1/threads/thread_missing", "thread"),
        ("DELETE", "/v1/threads/thread_missing", "thread"),
        ("GET", "/v1/threads/thread_missing/messages", "thread"),
        ("POST", "/v1/threads/thread_missing/messages", "thread"),
        ("GET", f"/v1/threads/{tid}/messages/msg_missing", "message"),
        ("POST", f"/v1/threads/{tid}/messages/msg_missing", "message"),
        ("DELETE", f"/v1/threads/{tid}/messages/msg_missing", "message"),
    ]
    for method, path, kind in cases:
        body = {"role": "user", "content": "x"} if path.endswith("/messages") and method == "POST" else {}
        response = api.request(method, path, json=body)
        error = assert_error(response, 404)
        assert kind in error["message"] and "missing" in error["message"], (method, path, error)


def test_message_of_another_thread_is_404(api):
    one = api.post("/v1/threads", json={"messages": [{"role": "user", "content": "mine"}]}).json()
    other = api.post("/v1/threads", json={}).json()
    msg = api.get(f"/v1/threads/{one['id']}/messages").json()["data"][0]
    for method in ("GET", "POST", "DELETE"):
        response = api.request(method, f"/v1/threads/{other['id']}/messages/{msg['id']}", json={})
        assert_error(response, 404)
    assert api.get(f"/v1/threads/{one['id']}/messages/{msg['id']}").json() == msg
    # A cursor from another thread is not a place in this list.
    assert_error(api.get(f"/v1/threads/{other['id']}/messages", params={"after": msg["id"]}), 400, "after",
                 "invalid_value")


@pytest.mark.parametrize("query,param,code", [
    ({"limit": "0"}, "limit", "integer_below_min_value"),
    ({"limit": "101"}, "limit", "integer_above_max_value"),
    ({"limit": "ten"}, "limit", "invalid_type"),
    ({"limit": "1.5"}, "limit", "invalid_type"),
    ({"order": "sideways"}, "order", "invalid_value"),
    ({"after": "asst_nope"}, "after", "invalid_value"),
    ({"before": "asst_nope"}, "before", "invalid_value"),
])
def test_bad_list_queries(api, query, param, code):
    assert_error(api.get("/v1/assistants", params=query), 400, param, code)


def test_unknown_urls_and_methods(api):
    error = assert_error(api.get("/v1/nothing/here"), 404)
    assert error["message"] == "Invalid URL (GET /v1/nothing/here)"
    assert_error(api.get("/v1/threads//messages"), 404)
    error = assert_error(api.put("/v1/assistants", json={}), 405)
    assert error["message"] == "Invalid method for URL (PUT /v1/assistants)"
    assert_error(api.get("/v1/threads"), 405)
    assert_error(api.patch("/v1/threads/thread_x/messages/msg_y", json={}), 405)


def test_interactive_docs_stay_up(api):
    assert api.get("/docs").status_code == 200
    schema = api.get("/openapi.json").json()
    assert "/v1/threads/{thread_id}/messages" in schema["paths"]


def test_api_keys_guard_v1_only(tmp_path, database_url):
    from fastapi.testclient import TestClient

    from openbeta.server.app import create_app
    from openbeta.server.settings import Settings

    app = create_app(Settings(data_dir=tmp_path, database_url=database_url, api_keys=["sk-right", "sk-other"]))
    with TestClient(app) as client:
        assert client.get("/health").status_code == 200
        missing = client.get("/v1/assistants")
        assert missing.status_code == 401 and missing.json()["error"]["code"] == "missing_api_key"
        wrong = client.get("/v1/assistants", headers={"Authorization": "Bearer sk-wrong-key-123"})
        assert wrong.status_code == 401 and wrong.json()["error"]["code"] == "invalid_api_key"
        assert "sk-wrong-key-123" not in wrong.text
        for key in ("sk-right", "sk-other"):
            assert client.get("/v1/assistants", headers={"Authorization": f"Bearer {key}"}).status_code == 200


def test_operations_not_built_say_so(api):
    """Every operation listed as not built answers so (a part that gets built removes its lines)."""
    from openbeta.server.api.unbuilt import OPERATIONS

    assert OPERATIONS
    for method, pattern in OPERATIONS:
        path = "/v1" + pattern.replace("[^/]+", "x_1")
        error = assert_error(api.request(method, path), 404, None, "not_implemented")
        assert error["message"] == f"{method} {path} is not supported by this server yet."
    assert api.get("/v1/files/x_1/other").json()["error"]["message"] == "Invalid URL (GET /v1/files/x_1/other)"
