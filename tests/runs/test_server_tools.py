"""A server tool plugged into the registry runs inside the engine, without requires_action."""

from __future__ import annotations

import json
import time

from fastapi.testclient import TestClient
from runs_helpers import script

from openbeta.server.app import create_app
from openbeta.server.tools.registry import ServerToolResult
from openbeta.server.settings import Settings


class FakeFileSearch:
    """Answers every query with one fixed passage."""

    type = "file_search"

    def __init__(self) -> None:
        self.queries: list[str] = []

    def definition(self, tool):
        return {"type": "function", "function": {"name": "file_search", "parameters": {
            "type": "object", "properties": {"query": {"type": "string"}}}}}

    async def run(self, run, tool, call_id, arguments):
        query = json.loads(arguments)["query"]
        self.queries.append(query)
        results = [{"file_id": "file-1", "file_name": "a.txt", "score": 0.9,
                    "content": [{"type": "text", "text": "The answer is 42."}]}]
        return ServerToolResult(record={"id": call_id, "type": "file_search", "file_search": {
            "ranking_options": {"ranker": "default_2024_08_21", "score_threshold": 0.0}, "results": results}},
            output="The answer is 42.")

    def replay(self, record):
        return json.dumps({"query": "?"}), record["file_search"]["results"][0]["content"][0]["text"]


def wait_done(http, thread_id, run_id):
    deadline = time.monotonic() + 10
    while (run := http.get(f"/v1/threads/{thread_id}/runs/{run_id}").json())["status"] in ("queued", "in_progress"):
        assert time.monotonic() < deadline
        time.sleep(0.05)
    return run


def test_server_tool_runs_in_the_engine(tmp_path):
    app = create_app(Settings(data_dir=tmp_path, provider="scripted"))
    tool = FakeFileSearch()
    app.state.services.server_tools.register(tool)
    with TestClient(app) as http:
        assistant = http.post("/v1/assistants", json={"model": "m", "tools": [{"type": "file_search"}]}).json()
        directive = script(tool_calls=[{"name": "file_search", "arguments": {"query": "meaning"}}])
        run = http.post("/v1/threads/runs", json={
            "assistant_id": assistant["id"], "thread": {"messages": [{"role": "user", "content": directive}]}}).json()
        run = wait_done(http, run["thread_id"], run["id"])
        assert run["status"] == "completed" and tool.queries == ["meaning"]
        base = f"/v1/threads/{run['thread_id']}/runs/{run['id']}/steps"
        steps = http.get(base, params={"order": "asc"}).json()["data"]
        assert [s["type"] for s in steps] == ["tool_calls", "message_creation"]
        call = steps[0]["step_details"]["tool_calls"][0]
        assert call["type"] == "file_search" and "content" not in call["file_search"]["results"][0]
        include = "step_details.tool_calls[*].file_search.results[*].content"
        full = http.get(f"{base}/{steps[0]['id']}", params={"include[]": include}).json()
        assert full["step_details"]["tool_calls"][0]["file_search"]["results"][0]["content"][0]["text"] == \
            "The answer is 42."
        messages = http.get(f"/v1/threads/{run['thread_id']}/messages", params={"run_id": run["id"]}).json()["data"]
        assert messages[0]["content"][0]["text"]["value"] == "Tool outputs: The answer is 42."


def test_unregistered_server_tools_are_refused(tmp_path):
    settings = Settings(data_dir=tmp_path, provider="scripted", code_interpreter_sandbox="off")
    with TestClient(create_app(settings)) as http:
        assistant = http.post("/v1/assistants", json={"model": "m", "tools": [{"type": "code_interpreter"}]}).json()
        response = http.post("/v1/threads/runs", json={"assistant_id": assistant["id"]})
        assert response.status_code == 400
        assert response.json()["error"]["code"] == "unsupported_tool"
        assert http.get("/v1/threads/runs").status_code in (404, 405)


def test_create_and_run_tool_resources_are_the_run_s(tmp_path):
    """Create-thread-and-run's top-level ``tool_resources`` are the run's: tool by tool over the assistant's,
    never written on the new thread (whose own are ``thread.tool_resources``), checked like any others."""
    from openbeta.server.store.rows import run_tool_resources
    from openbeta.server.store import Database

    settings = Settings(data_dir=tmp_path, provider="scripted")
    with TestClient(create_app(settings)) as http:
        files = [http.post("/v1/files", files={"file": (f"d{i}.csv", b"a,b")}, data={"purpose": "assistants"}).json()
                 for i in range(3)]
        store = http.post("/v1/vector_stores", json={}).json()
        assistant = http.post("/v1/assistants", json={"model": "m", "tool_resources": {
            "code_interpreter": {"file_ids": [files[0]["id"]]},
            "file_search": {"vector_store_ids": [store["id"]]}}}).json()
        run = http.post("/v1/threads/runs", json={
            "assistant_id": assistant["id"], "tool_resources": {"code_interpreter": {"file_ids": [files[1]["id"]]}},
            "thread": {"tool_resources": {"code_interpreter": {"file_ids": [files[2]["id"]]}}}}).json()
        thread = http.get(f"/v1/threads/{run['thread_id']}").json()
        assert thread["tool_resources"] == {"code_interpreter": {"file_ids": [files[2]["id"]]}}
        assert "tool_resources" not in run  # not part of the run object
        wait_done(http, run["thread_id"], run["id"])
        with Database(settings.resolved_database_url()).session() as session:
            assert run_tool_resources(session, run) == [
                {"code_interpreter": {"file_ids": [files[1]["id"]]},  # the run's, in place of the assistant's
                 "file_search": {"vector_store_ids": [store["id"]]}},  # the assistant's: the run gave none
                {"code_interpreter": {"file_ids": [files[2]["id"]]}}]

        missing = http.post("/v1/threads/runs", json={
            "assistant_id": assistant["id"], "tool_resources": {"file_search": {"vector_store_ids": ["vs_nope"]}}})
        assert missing.status_code == 404
        assert missing.json()["error"]["param"] == "tool_resources.file_search.vector_store_ids[0]"
        helper = http.post("/v1/threads/runs", json={  # the spec's run-level file_search has no such helper
            "assistant_id": assistant["id"], "tool_resources": {"file_search": {"vector_stores": [{"file_ids": []}]}}})
        assert helper.status_code == 400 and "vector_stores" in helper.json()["error"]["param"]
