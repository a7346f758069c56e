"""A thread's interpreter over time: idle timeout, server restart (files restored, variables
gone), thread deletion; and a server where sandboxes cannot run."""

from __future__ import annotations

import json
import logging
import time

import openai
import pytest
from interpreter_helpers import logs, run_code
from fastapi.testclient import TestClient

from openbeta.server.app import create_app
from openbeta.server.settings import Settings
from openbeta.server.tools import sandbox


def test_idle_timeout_and_restart_rebuild_the_sandbox_with_its_files(start_server, sandbox_ready, tmp_path, db_kind):
    if db_kind != "sqlite":
        pytest.skip("the sandbox's life does not depend on the database: SQLite only")
    env = {"OPENBETA_PROVIDER": "scripted", "OPENBETA_CODE_INTERPRETER_IDLE_SECONDS": "1"}
    first = start_server(data_dir=tmp_path, **env)
    client = openai.OpenAI(base_url=first.base_url, api_key="k", max_retries=0)
    data = client.files.create(file=("input.txt", b"given"), purpose="assistants")
    assistant = client.beta.assistants.create(model="scripted", tools=[{"type": "code_interpreter"}])
    thread = client.beta.threads.create(tool_resources={"code_interpreter": {"file_ids": [data.id]}})
    run_code(client, assistant, "x = 1\nos = __import__('os')\nos.makedirs('/mnt/data/out', exist_ok=True)\n"
             "open('/mnt/data/out/made.txt', 'w').write('made')", thread_id=thread.id)
    listing = ("import os\nprint('x' in globals())\n"
               "print(sorted(os.path.join(r, f)[10:] for r, _, fs in os.walk('/mnt/data') for f in fs))\n"
               "print(open('/mnt/data/out/made.txt').read())")
    _, [warm] = run_code(client, assistant, listing, thread_id=thread.id)
    assert logs(warm) == "True\n['input.txt', 'out/made.txt']\nmade"
    time.sleep(2.5)  # idle past the timeout: the interpreter is stopped, its files stay
    _, [idle] = run_code(client, assistant, listing, thread_id=thread.id)
    assert logs(idle) == "False\n['input.txt', 'out/made.txt']\nmade"

    first.stop()
    # the files come back from stored files: the host holds no copy of /mnt/data
    assert not (tmp_path / "sandboxes").exists()
    second = start_server(data_dir=tmp_path, OPENBETA_DATABASE_URL=first.env.get("OPENBETA_DATABASE_URL", ""), **env)
    client = openai.OpenAI(base_url=second.base_url, api_key="k", max_retries=0)
    _, [again] = run_code(client, assistant, listing, thread_id=thread.id)
    assert logs(again) == "False\n['input.txt', 'out/made.txt']\nmade"
    client.beta.threads.delete(thread.id)


def test_where_sandboxes_cannot_run_runs_are_refused_with_the_reason(tmp_path, monkeypatch, caplog):
    monkeypatch.setattr(sandbox.BubblewrapLauncher, "check", lambda self: "user namespaces are disabled")
    monkeypatch.setattr(sandbox.BubblewrapLauncher, "trial", lambda self: "user namespaces are disabled")
    caplog.set_level(logging.WARNING, logger="openbeta.code_interpreter")
    with TestClient(create_app(Settings(data_dir=tmp_path, provider="scripted"))) as http:
        deadline = time.monotonic() + 10
        while "code_interpreter is unavailable: user namespaces are disabled" not in caplog.text:
            assert time.monotonic() < deadline, "start-up did not say why code_interpreter is unavailable"
            time.sleep(0.05)
        assistant = http.post("/v1/assistants", json={"model": "m", "tools": [{"type": "code_interpreter"}]}).json()
        response = http.post("/v1/threads/runs", json={"assistant_id": assistant["id"]})
        assert response.status_code == 400
        error = response.json()["error"]
        assert error["param"] == "tools" and error["code"] == "unsupported_tool"
        assert "code_interpreter" in error["message"] and "user namespaces are disabled" in error["message"]


def test_the_explicit_unsafe_mode_runs_code_without_a_sandbox_and_says_so(tmp_path, caplog):
    """``unsafe``: a plain child process in a working directory of the thread's on the host,
    driven by the same protocol (inputs put in, written files read out)."""
    caplog.set_level(logging.WARNING, logger="openbeta")
    settings = Settings(data_dir=tmp_path, provider="scripted", code_interpreter_sandbox="unsafe")
    with TestClient(create_app(settings)) as http:
        assert "WITHOUT a sandbox" in caplog.text
        given = http.post("/v1/files", data={"purpose": "assistants"}, files={"file": ("in.txt", b"given")}).json()
        assistant = http.post("/v1/assistants", json={"model": "m", "tools": [{"type": "code_interpreter"}]}).json()
        code = "print(6 * 7)\nprint(open('in.txt').read())\n_ = open('out.txt', 'w').write('made')"
        directive = json.dumps({"tool_calls": [{"name": "python", "arguments": {"code": code}}]})
        run = http.post("/v1/threads/runs", json={"assistant_id": assistant["id"], "thread": {"messages": [
            {"role": "user", "content": "SCRIPT: " + directive,
             "attachments": [{"file_id": given["id"], "tools": [{"type": "code_interpreter"}]}]}]}}).json()
        deadline = time.monotonic() + 30
        while (run := http.get(f"/v1/threads/{run['thread_id']}/runs/{run['id']}").json())["status"] in (
                "queued", "in_progress"):
            assert time.monotonic() < deadline
            time.sleep(0.05)
        assert run["status"] == "completed"
        steps = http.get(f"/v1/threads/{run['thread_id']}/runs/{run['id']}/steps", params={"order": "asc"}).json()
        assert steps["data"][0]["step_details"]["tool_calls"][0]["code_interpreter"]["outputs"] == [
            {"type": "logs", "logs": "42\ngiven"}]
        [made] = http.get("/v1/files", params={"purpose": "assistants_output"}).json()["data"]
        assert made["filename"] == "out.txt" and http.get(f"/v1/files/{made['id']}/content").content == b"made"
        workdir = tmp_path / "sandboxes" / run["thread_id"]
        assert (workdir / "out.txt").read_bytes() == b"made"
        http.delete(f"/v1/threads/{run['thread_id']}")
        assert not workdir.exists()
