"""Streamed event sequences against the spec's ``x-oaiMeta`` SSE transcripts.

For createRun, createThreadAndRun and submitToolOuputsToRun, every streaming
example's event names (runs of deltas counted once) must be exactly what a run
on the scripted provider streams in the same situation. Skipped without the spec.
"""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from runs_helpers import script
from server_process import SPEC_DIR

SPEC = SPEC_DIR / "openapi-beta.json"
WEATHER = {"type": "function", "function": {
    "name": "get_current_weather", "description": "Get the current weather in a given location",
    "parameters": {"type": "object", "properties": {"location": {"type": "string"}}, "required": ["location"]}}}
CALL = script(tool_calls=[{"name": "get_current_weather", "arguments": {"location": "San Francisco, CA"}}],
              after_tools="The current weather in San Francisco, CA is 70 degrees and sunny.")


def collapse(names: list[str]) -> list[str]:
    """Event names with each run of the same ``*.delta`` event counted once."""
    out: list[str] = []
    for name in names:
        if not (name.endswith(".delta") and out and out[-1] == name):
            out.append(name)
    return out


def transcripts() -> dict[tuple[str, str], list[str]]:
    if not SPEC.exists():
        pytest.skip("the OpenAPI spec is not available")
    found = {}
    for operations in json.loads(SPEC.read_text())["paths"].values():
        for operation in operations.values():
            if not isinstance(operation, dict):
                continue
            examples = (operation.get("x-oaiMeta") or {}).get("examples") or []
            for example in examples if isinstance(examples, list) else [examples]:
                response = example.get("response") or ""
                if "event: " in response:
                    names = [line[len("event: "):] for line in response.splitlines() if line.startswith("event: ")]
                    found[(operation["operationId"], example["title"])] = collapse(names)
    return found


def stream(url: str, body: dict[str, Any]) -> list[tuple[str, Any]]:
    with httpx.stream("POST", url, json=body, timeout=30) as response:
        assert response.status_code == 200, response.read()
        raw = response.read().decode()
    events = []
    for block in raw.split("\n\n"):
        if block:
            name, data = block.split("\n", 1)
            payload = data[len("data: "):]
            events.append((name[len("event: "):], payload if payload == "[DONE]" else json.loads(payload)))
    return events


def names(events: list[tuple[str, Any]]) -> list[str]:
    return collapse([name for name, _ in events])


@pytest.fixture(scope="module")
def spec() -> dict[tuple[str, str], list[str]]:
    return transcripts()


@pytest.fixture(scope="module")
def ids(live_server) -> dict[str, str]:
    plain = httpx.post(f"{live_server.base_url}/assistants", json={"model": "m"}).json()
    tools = httpx.post(f"{live_server.base_url}/assistants", json={"model": "m", "tools": [WEATHER]}).json()
    return {"plain": plain["id"], "tools": tools["id"]}


def new_thread(base: str, text: str) -> str:
    return httpx.post(f"{base}/threads", json={"messages": [{"role": "user", "content": text}]}).json()["id"]


def test_create_run(live_server, spec, ids):
    base = live_server.base_url
    thread = new_thread(base, "Hello! How can I assist you today?")
    got = names(stream(f"{base}/threads/{thread}/runs", {"assistant_id": ids["plain"], "stream": True}))
    assert got == spec[("createRun", "Streaming")]


def test_create_thread_and_run(live_server, spec, ids):
    base = live_server.base_url
    body = {"assistant_id": ids["plain"], "stream": True,
            "thread": {"messages": [{"role": "user", "content": "Hello! How can I assist you today?"}]}}
    assert names(stream(f"{base}/threads/runs", body)) == spec[("createThreadAndRun", "Streaming")]


def test_functions_then_submitted_outputs(live_server, spec, ids):
    base = live_server.base_url
    body = {"assistant_id": ids["tools"], "stream": True, "thread": {"messages": [{"role": "user", "content": CALL}]}}
    events = stream(f"{base}/threads/runs", body)
    assert names(events) == spec[("createThreadAndRun", "Streaming with Functions")]
    run = dict(events)["thread.run.requires_action"]
    call = run["required_action"]["submit_tool_outputs"]["tool_calls"][0]
    submitted = stream(f"{base}/threads/{run['thread_id']}/runs/{run['id']}/submit_tool_outputs",
                       {"stream": True, "tool_outputs": [{"tool_call_id": call["id"], "output": "70 degrees and sunny."}]})
    assert names(submitted) == spec[("submitToolOuputsToRun", "Streaming")]
    step = submitted[0][1]
    assert step["status"] == "completed" and step["step_details"]["tool_calls"][0]["function"]["output"] == \
        "70 degrees and sunny."
