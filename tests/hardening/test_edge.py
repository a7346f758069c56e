"""The HTTP edge: 500s close the connection, 405 names the allowed methods, JSON's missing
numbers are refused, keys are checked before routing, docs' openness is a setting, and a
body that never finishes answers 408."""

from __future__ import annotations

import json
import time

import pytest
from fastapi.testclient import TestClient

from hardening_helpers import ThreadedServer, assert_error, parse_response
from openbeta.server.app import create_app
from openbeta.server.settings import Settings


def test_500_answer_closes_the_connection(settings):
    app = create_app(settings)

    def broken(*_args, **_kwargs):
        raise RuntimeError("broken")

    with ThreadedServer(app) as server:
        app.state.services.assistants.list = broken
        raw, closed = server.exchange(b"GET /v1/assistants HTTP/1.1\r\nHost: x\r\n\r\n")
        status, headers, body = parse_response(raw)
        assert status == 500
        assert json.loads(body)["error"]["type"] == "server_error"
        assert headers.get("connection") == "close"
        assert closed
        # The next request (a new connection, as the client was told) is answered.
        raw, _ = server.exchange(b"GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        assert parse_response(raw)[0] == 200


@pytest.mark.parametrize("method,path,allow", [
    ("PUT", "/v1/assistants", "GET, POST"),
    ("PATCH", "/v1/assistants/asst_x", "DELETE, GET, POST"),
    ("PUT", "/v1/threads", "GET, POST"),
    ("DELETE", "/v1/threads/thread_x/runs/run_y/cancel", "POST"),
    ("PUT", "/v1/files/file_x/content", "GET"),
])
def test_405_names_the_allowed_methods(module_api, method, path, allow):
    api = module_api
    response = api.request(method, path)
    assert_error(response, 405)
    assert response.headers["allow"] == allow


@pytest.mark.parametrize("text", [
    '{"model": "m", "temperature": NaN}',
    '{"model": "m", "temperature": Infinity}',
    '{"model": "m", "temperature": -Infinity}',
    '{"model": "m", "temperature": 1e400}',
    '{"model": "m", "top_p": -1e400}',
    '{"model": "m", "tools": [{"type": "function", "function": {"name": "f", "parameters": '
    '{"type": "object", "properties": {"x": {"type": "number", "default": NaN}}}}}]}',
    '{"model": "m", "response_format": {"type": "json_schema", "json_schema": {"name": "s", '
    '"schema": {"type": "number", "maximum": 1e999}}}}',
])
def test_non_finite_numbers_are_400(module_api, text):
    api = module_api
    before = api.get("/v1/assistants").json()["data"]
    error = assert_error(api.post("/v1/assistants", content=text, headers={"content-type": "application/json"}),
                         400)
    assert "number" in error["message"]
    assert api.get("/v1/assistants").json()["data"] == before


def test_large_finite_numbers_still_parse(module_api):
    api = module_api
    text = ('{"model": "m", "tools": [{"type": "function", "function": {"name": "f", "parameters": '
            '{"type": "number", "maximum": 1e300, "minimum": -12345678901234567890}}}]}')
    created = api.post("/v1/assistants", content=text, headers={"content-type": "application/json"})
    assert created.status_code == 200, created.text
    assert created.json()["tools"][0]["function"]["parameters"]["maximum"] == 1e300


@pytest.fixture
def keyed(tmp_path, database_url):
    def make(**extra) -> TestClient:
        return TestClient(create_app(Settings(data_dir=tmp_path, database_url=database_url, provider="scripted",
                                              embeddings="none", api_keys=["sk-right"], **extra)))
    return make


def test_keys_are_checked_before_routing(keyed):
    good = {"Authorization": "Bearer sk-right"}
    with keyed() as client:
        for method, path, known in [("GET", "/v1/nothing/here", 404), ("PUT", "/v1/assistants", 405),
                                    ("POST", "/v1/chatkit/nothing", 404), ("GET", "/v1", 404),
                                    ("PUT", "/v1/threads", 405)]:
            missing = client.request(method, path)
            assert_error(missing, 401, code="missing_api_key")
            assert "allow" not in missing.headers
            assert_error(client.request(method, path, headers={"Authorization": "Bearer sk-wrong"}), 401,
                         code="invalid_api_key")
            assert client.request(method, path, headers=good).status_code == known
        assert client.get("/health").status_code == 200


def test_docs_are_public_by_default(keyed):
    with keyed() as client:
        assert client.get("/docs").status_code == 200
        assert client.get("/redoc").status_code == 200
        assert "/v1/assistants" in client.get("/openapi.json").json()["paths"]


def test_docs_can_be_closed(keyed):
    with keyed(public_docs=False) as client:
        assert client.get("/docs").status_code == 404
        assert client.get("/redoc").status_code == 404
        assert_error(client.get("/openapi.json"), 401, code="missing_api_key")
        schema = client.get("/openapi.json", headers={"Authorization": "Bearer sk-right"})
        assert "/v1/assistants" in schema.json()["paths"]


def test_a_body_that_never_finishes_answers_408(tmp_path, database_url):
    app = create_app(Settings(data_dir=tmp_path, database_url=database_url, provider="scripted",
                              embeddings="none", body_timeout_seconds=0.5))
    with ThreadedServer(app) as server:
        started = time.monotonic()
        raw, closed = server.exchange(b"POST /v1/assistants HTTP/1.1\r\nHost: x\r\nContent-Type: application/json"
                                      b"\r\nContent-Length: 100\r\n\r\n{\"model\": ", timeout=10)
        status, headers, body = parse_response(raw)
        assert status == 408, raw
        error = json.loads(body)["error"]
        assert error["type"] == "invalid_request_error" and error["code"] == "request_timeout"
        assert headers.get("connection") == "close" and closed
        assert time.monotonic() - started < 8
        # An upload whose multipart body stalls too.
        raw, _ = server.exchange(b"POST /v1/files HTTP/1.1\r\nHost: x\r\n"
                                 b"Content-Type: multipart/form-data; boundary=b\r\nContent-Length: 1000\r\n\r\n"
                                 b"--b\r\nContent-Disposition: form-data; name=\"purpose\"\r\n\r\nassistants\r\n",
                                 timeout=10)
        assert parse_response(raw)[0] == 408, raw
        # A whole body sent in pieces, each within the timeout, is fine.
        assert parse_response(server.exchange(
            b"POST /v1/assistants HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b"Content-Length: 14\r\nConnection: close\r\n\r\n{\"model\": \"m\"}")[0])[0] == 200
