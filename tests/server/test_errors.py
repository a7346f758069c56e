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
    assert_error(api.put("/v1/threads", json={}), 405)  # (GET lists threads: an openbeta extension)
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
    from openbeta.server.api.unbuilt import OPERATIONS, unbuilt_error

    assert unbuilt_error("GET", "/v1/chatkit/threads") is None  # built parts are off the list
    for method, pattern in OPERATIONS:
        path = "/v1" + pattern.replace("[^/]+", "x_1")
        error = assert_error(api.request(method, path), 404, None, "not_implemented")
        assert error["message"] == f"{method} {path} is not supported by this server yet."
    assert api.get("/v1/files/x_1/other").json()["error"]["message"] == "Invalid URL (GET /v1/files/x_1/other)"


# ---------------------------------------------------------------- the HTTP edge: bad input is a 4xx, never a 500

DEEP = b'{"model": "m", "metadata": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
#: Parses, but nests deeper than the server's validation and storage may go.
DEEPISH = (b'{"model": "m", "tools": [{"type": "function", "function": {"name": "f", "parameters": '
           + b'{"a": ' * 500 + b"1" + b"}" * 500 + b"}}]}")

#: (case, method, path, JSON body, status, param, code); ``{asst}``/``{store}`` name objects made first.
BAD_EDGE: list[tuple[str, str, str, Any, int, Optional[str], Optional[str]]] = [
    ("deep nesting", "POST", "/v1/assistants", DEEP, 400, None, None),
    ("nesting past the limit", "POST", "/v1/assistants", DEEPISH, 400, None, "invalid_value"),
    ("string for bool", "POST", "/v1/threads/runs", {"assistant_id": "{asst}", "stream": "yes"}, 400, "stream",
     "invalid_type"),
    ("string for number", "POST", "/v1/assistants", {"model": "m", "temperature": "1"}, 400, "temperature",
     "invalid_type"),
    ("string for parallel_tool_calls", "POST", "/v1/threads/runs",
     {"assistant_id": "{asst}", "parallel_tool_calls": "off"}, 400, "parallel_tool_calls", "invalid_type"),
    ("string for int", "POST", "/v1/threads/runs", {"assistant_id": "{asst}", "max_prompt_tokens": "300"}, 400,
     "max_prompt_tokens", "invalid_type"),
    ("integer above a decimal bound", "POST", "/v1/assistants", {"model": "m", "temperature": 3}, 400,
     "temperature", "decimal_above_max_value"),
    ("integer below a decimal bound", "POST", "/v1/assistants", {"model": "m", "top_p": -1}, 400, "top_p",
     "decimal_below_min_value"),
    ("integer bound", "POST", "/v1/threads/runs", {"assistant_id": "{asst}", "max_completion_tokens": 3}, 400,
     "max_completion_tokens", "integer_below_min_value"),
    ("union member's own field", "POST", "/v1/threads",
     {"messages": [{"role": "user", "content": [{"type": "text", "text": 5}]}]}, 400,
     "messages[0].content[0].text", "invalid_type"),
    ("model null on modify", "POST", "/v1/assistants/{asst}", {"model": None}, 400, "model", "invalid_type"),
    ("vector store name null on modify", "POST", "/v1/vector_stores/{store}", {"name": None}, 400, "name",
     "invalid_type"),
    ("unknown image file", "POST", "/v1/threads",
     {"messages": [{"role": "user", "content": [{"type": "image_file", "image_file": {"file_id": "file-nope"}}]}]},
     404, "messages[0].content[0].image_file.file_id", None),
    ("unknown code_interpreter attachment", "POST", "/v1/threads",
     {"messages": [{"role": "user", "content": "a",
                    "attachments": [{"file_id": "file-nope", "tools": [{"type": "code_interpreter"}]}]}]},
     404, "messages[0].attachments[0].file_id", None),
    ("unknown code_interpreter resource", "POST", "/v1/assistants",
     {"model": "m", "tool_resources": {"code_interpreter": {"file_ids": ["file-nope"]}}}, 404,
     "tool_resources.code_interpreter.file_ids[0]", None),
    ("array for eq", "POST", "/v1/vector_stores/{store}/search",
     {"query": "q", "filters": {"type": "eq", "key": "k", "value": [1, 2]}}, 400, "filters.value", "invalid_value"),
    ("unknown purpose filter", "GET", "/v1/files?purpose=zzz", None, 400, "purpose", "invalid_value"),
]


def _fill(value: Any, names: dict[str, str]) -> Any:
    if isinstance(value, str):
        return value.format(**names) if "{" in value else value
    if isinstance(value, dict):
        return {k: _fill(v, names) for k, v in value.items()}
    if isinstance(value, list):
        return [_fill(v, names) for v in value]
    return value


@pytest.mark.parametrize("method,path,payload,status,param,code", [c[1:] for c in BAD_EDGE],
                         ids=[c[0] for c in BAD_EDGE])
def test_edge_rejects(api, method, path, payload, status, param, code):
    asst = api.post("/v1/assistants", json={"model": "m", "name": "kept"}).json()
    store = api.post("/v1/vector_stores", json={"name": "kept"}).json()
    names = {"asst": asst["id"], "store": store["id"]}
    url = _fill(path, names)
    if isinstance(payload, bytes):
        response = api.request(method, url, content=payload, headers={"content-type": "application/json"})
    else:
        response = api.request(method, url, json=_fill(payload, names))
    assert_error(response, status, param, code)
    assert api.get(f"/v1/assistants/{asst['id']}").json() == asst
    assert api.get(f"/v1/vector_stores/{store['id']}").json()["name"] == "kept"
    assert api.get("/v1/threads/runs").status_code in (404, 405)  # nothing else was listed or created
    assert len(api.get("/v1/assistants").json()["data"]) == 1 + (status == 200)


def test_nesting_within_the_limit_is_kept(api):
    from openbeta.server.validation import MAX_JSON_DEPTH

    schema: dict = {"type": "string"}
    for _ in range(MAX_JSON_DEPTH // 2 - 8):  # two levels each: the schema and its properties
        schema = {"type": "object", "properties": {"a": schema}}
    tool = {"type": "function", "function": {"name": "f", "parameters": schema}}
    made = api.post("/v1/assistants", json={"model": "m", "tools": [tool]})
    assert made.status_code == 200, made.text[:300]
    assert api.get(f"/v1/assistants/{made.json()['id']}").json()["tools"] == [tool]


def test_numbers_stay_lenient_where_json_allows(api):
    """Strict types still take an integer for a decimal field and a decimal bound's edge."""
    made = api.post("/v1/assistants", json={"model": "m", "temperature": 1, "top_p": 1})
    assert made.status_code == 200, made.text
    assert made.json()["temperature"] == 1 and made.json()["top_p"] == 1
    modified = api.post(f"/v1/assistants/{made.json()['id']}", json={"model": "other", "temperature": 0.5})
    assert modified.json()["model"] == "other" and modified.json()["temperature"] == 0.5
    # Omitting the model on modify keeps it.
    assert api.post(f"/v1/assistants/{made.json()['id']}", json={"name": "n"}).json()["model"] == "other"


def test_oversize_json_body_is_413(tmp_path, database_url):
    from fastapi.testclient import TestClient

    from openbeta.server.app import create_app
    from openbeta.server.settings import Settings

    settings = Settings(data_dir=tmp_path, database_url=database_url, provider="scripted", max_body_bytes=4096)
    with TestClient(create_app(settings)) as client:
        big = {"model": "m", "instructions": "i" * 5000}
        assert_error(client.post("/v1/assistants", json=big), 413, None, "request_too_large")

        def chunked():  # no Content-Length: the bytes are counted as they arrive
            yield b'{"model": "m", "instructions": "'
            for _ in range(10):
                yield b"i" * 1000
            yield b'"}'

        assert_error(client.post("/v1/assistants", content=chunked(), headers={"content-type": "application/json"}),
                     413, None, "request_too_large")
        assert client.get("/v1/assistants").json()["data"] == []
        assert client.post("/v1/assistants", json={"model": "m", "instructions": "i" * 3000}).status_code == 200


def test_chunked_upload_past_the_limit_is_413(tmp_path, database_url):
    from fastapi.testclient import TestClient

    from openbeta.server.app import create_app
    from openbeta.server.settings import Settings

    settings = Settings(data_dir=tmp_path, database_url=database_url, provider="scripted", max_upload_bytes=1000,
                        ingestion_workers=0)
    boundary = "b0undary"
    head = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"purpose\"\r\n\r\nassistants\r\n"
            f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"big.txt\"\r\n"
            "Content-Type: text/plain\r\n\r\n").encode()

    def chunked():
        yield head
        for _ in range(200):
            yield b"x" * 1024
        yield f"\r\n--{boundary}--\r\n".encode()

    app = create_app(settings)
    files = app.state.services.files
    stored: list[str] = []
    create = files.create

    def recording_create(project, stream, filename, params):  # the whole form was parsed and spooled by then
        stored.append(filename)
        return create(project, stream, filename, params)

    files.create = recording_create
    with TestClient(app) as client:
        response = client.post("/v1/files", content=chunked(),
                               headers={"content-type": f"multipart/form-data; boundary={boundary}"})
        assert_error(response, 413, "file", "file_too_large")
        assert stored == []  # refused while the bytes arrived, not after spooling them
        assert client.get("/v1/files").json()["data"] == []
        small = client.post("/v1/files", data={"purpose": "assistants"}, files={"file": ("s.txt", b"x" * 10)})
        assert small.status_code == 200 and stored == ["s.txt"]


def test_non_ascii_bearer_key_is_401(tmp_path, database_url):
    from fastapi.testclient import TestClient

    from openbeta.server.app import create_app
    from openbeta.server.settings import Settings

    app = create_app(Settings(data_dir=tmp_path, database_url=database_url, api_keys=["sk-right", "sk-clé"]))
    with TestClient(app) as client:
        wrong = client.get("/v1/assistants", headers={"Authorization": "Bearer sk-wrøng-key".encode()})
        assert_error(wrong, 401, None, "invalid_api_key")
        assert client.get("/v1/assistants", headers={"Authorization": "Bearer sk-right"}).status_code == 200
        assert client.get("/v1/assistants", headers={"Authorization": "Bearer sk-clé".encode()}).status_code == 200


def test_non_ascii_filename_downloads(api):
    from openbeta.server.api.files import content_disposition

    name = "résumé \u2713.txt"
    made = api.post("/v1/files", data={"purpose": "assistants"}, files={"file": (name, b"hello", "text/plain")})
    assert made.status_code == 200, made.text
    response = api.get(f"/v1/files/{made.json()['id']}/content")
    assert response.status_code == 200 and response.content == b"hello"
    disposition = response.headers["content-disposition"]
    assert disposition == "attachment; filename=\"r_sum_ _.txt\"; filename*=UTF-8''r%C3%A9sum%C3%A9%20%E2%9C%93.txt"
    # Control characters go; quotes and backslashes cannot end the ASCII name early.
    assert content_disposition('a\x07\r\n"b\\".txt') == \
        "attachment; filename=\"a_b__.txt\"; filename*=UTF-8''a%22b%5C%22.txt"
    plain = api.post("/v1/files", data={"purpose": "assistants"}, files={"file": ("a b.txt", b"x", "text/plain")})
    assert api.get(f"/v1/files/{plain.json()['id']}/content").headers["content-disposition"] == \
        'attachment; filename="a b.txt"'


def test_duplicate_tool_outputs_are_400(api):
    import json
    import time

    tool = {"type": "function", "function": {"name": "f", "parameters": {"type": "object", "properties": {}}}}
    asst = api.post("/v1/assistants", json={"model": "m", "tools": [tool]}).json()
    directive = "SCRIPT: " + json.dumps({"tool_calls": [{"name": "f", "arguments": {}}, {"name": "f", "arguments": {}}]})
    run = api.post("/v1/threads/runs", json={"assistant_id": asst["id"], "thread": {
        "messages": [{"role": "user", "content": directive}]}}).json()
    path = f"/v1/threads/{run['thread_id']}/runs/{run['id']}"
    deadline = time.monotonic() + 20
    while run["status"] != "requires_action":
        assert run["status"] in ("queued", "in_progress") and time.monotonic() < deadline, run
        time.sleep(0.05)
        run = api.get(path).json()
    calls = [c["id"] for c in run["required_action"]["submit_tool_outputs"]["tool_calls"]]
    assert len(calls) == 2
    outputs = [{"tool_call_id": calls[0], "output": "a"}, {"tool_call_id": calls[0], "output": "b"}]
    assert_error(api.post(f"{path}/submit_tool_outputs", json={"tool_outputs": outputs}), 400,
                 "tool_outputs[1].tool_call_id", "invalid_value")
    assert api.get(path).json()["status"] == "requires_action"


def test_unexpected_error_is_500_and_left_to_the_server_log(settings, caplog):
    """The app answers an OpenAI-shaped 500 and re-raises; uvicorn logs it once, the app does not."""
    import logging

    from fastapi.testclient import TestClient

    from openbeta.server.app import create_app

    app = create_app(settings)

    @app.get("/boom")
    async def boom() -> None:
        raise RuntimeError("boom")

    caplog.set_level(logging.DEBUG)
    with TestClient(app, raise_server_exceptions=False) as client:
        response = client.get("/boom")
    assert response.status_code == 500
    assert response.json()["error"]["type"] == "server_error" and "boom" not in response.text
    assert not [r for r in caplog.records if r.exc_info or r.levelno >= logging.ERROR]
