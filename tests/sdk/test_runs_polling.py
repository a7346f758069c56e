"""Run helpers that poll (create_and_poll, poll, submit_tool_outputs_and_poll, create_and_run_poll)."""

from __future__ import annotations

import json

import httpx



def run_json(status: str, **extra) -> dict:
    return {"id": "run_1", "object": "thread.run", "created_at": 1, "thread_id": "thread_1",
            "assistant_id": "asst_1", "status": status, "model": "m", **extra}


def run_server(statuses: list[str], seen: list[httpx.Request]):
    """POSTs create/submit (answer ``queued``); GETs walk through ``statuses``."""
    queue = list(statuses)

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if request.method == "POST":
            return httpx.Response(200, json=run_json("queued"))
        return httpx.Response(200, json=run_json(queue.pop(0)), headers={"openai-poll-after-ms": "250"})

    return handler


def test_create_and_poll_until_terminal(mock_client, sleeps) -> None:
    seen: list[httpx.Request] = []
    client = mock_client(run_server(["queued", "in_progress", "completed"], seen))
    run = client.beta.threads.runs.create_and_poll(thread_id="thread_1", assistant_id="asst_1",
                                                   include=["step_details.tool_calls[*].file_search.results[*].content"],
                                                   instructions=None)
    assert run.status == "completed"
    assert seen[0].url.path == "/v1/threads/thread_1/runs"
    assert seen[0].url.params["include[]"].startswith("step_details")
    assert json.loads(seen[0].content) == {"assistant_id": "asst_1", "instructions": None}
    assert seen[0].headers["OpenAI-Beta"] == "assistants=v2"
    assert [r.method for r in seen] == ["POST", "GET", "GET", "GET"]
    assert sleeps == [0.25, 0.25]  # the server's openai-poll-after-ms hint


def test_poll_stops_at_requires_action_and_honours_interval(mock_client, sleeps) -> None:
    seen: list[httpx.Request] = []
    client = mock_client(run_server(["in_progress", "requires_action"], seen))
    run = client.beta.threads.runs.poll("run_1", "thread_1", poll_interval_ms=40)
    assert run.status == "requires_action" and sleeps == [0.04]


def test_submit_tool_outputs_and_poll(mock_client, sleeps) -> None:
    seen: list[httpx.Request] = []
    client = mock_client(run_server(["completed"], seen))
    run = client.beta.threads.runs.submit_tool_outputs_and_poll(
        tool_outputs=[{"tool_call_id": "call_1", "output": "22C"}], run_id="run_1", thread_id="thread_1")
    assert run.status == "completed"
    assert seen[0].url.path.endswith("/runs/run_1/submit_tool_outputs")
    assert json.loads(seen[0].content) == {"tool_outputs": [{"tool_call_id": "call_1", "output": "22C"}]}


def test_create_and_run_poll(mock_client, sleeps) -> None:
    seen: list[httpx.Request] = []
    client = mock_client(run_server(["failed"], seen))
    run = client.beta.threads.create_and_run_poll(assistant_id="asst_1", thread={"messages": [
        {"role": "user", "content": "hi"}]})
    assert run.status == "failed" and seen[0].url.path == "/v1/threads/runs"
    assert seen[1].url.path == "/v1/threads/thread_1/runs/run_1"


async def test_async_polling(async_mock_client, sleeps) -> None:
    seen: list[httpx.Request] = []
    async with async_mock_client(run_server(["in_progress", "cancelled", "completed"], seen)) as client:
        run = await client.beta.threads.runs.create_and_poll(thread_id="thread_1", assistant_id="asst_1")
        assert run.status == "cancelled"
        run = await client.beta.threads.create_and_run_poll(assistant_id="asst_1", poll_interval_ms=5)
        assert run.status == "completed" and sleeps[-1] != 0.005  # completed on the first poll: no wait
    assert sleeps == [0.25]


def test_other_run_methods_build_the_right_requests(mock_client) -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if request.url.path.endswith("/steps") or request.url.path.endswith("/runs"):
            return httpx.Response(200, json={"object": "list", "data": [], "has_more": False})
        if "/steps/" in request.url.path:
            return httpx.Response(200, json={
                "id": "step_1", "object": "thread.run.step", "created_at": 1, "assistant_id": "a",
                "thread_id": "thread_1", "run_id": "run_1", "type": "message_creation", "status": "completed",
                "step_details": {"type": "message_creation", "message_creation": {"message_id": "msg_1"}}})
        return httpx.Response(200, json=run_json("cancelling"))

    runs = mock_client(handler).beta.threads.runs
    runs.retrieve("run_1", thread_id="thread_1")
    runs.update("run_1", thread_id="thread_1", metadata={"a": "b"})
    runs.cancel("run_1", thread_id="thread_1")
    assert list(runs.list("thread_1", limit=5, order="asc")) == []
    step = runs.steps.retrieve("step_1", thread_id="thread_1", run_id="run_1", include=["x"])
    assert step.step_details.message_creation.message_id == "msg_1"
    assert runs.steps.list("run_1", thread_id="thread_1", after="step_0").data == []
    assert [(r.method, r.url.path) for r in seen] == [
        ("GET", "/v1/threads/thread_1/runs/run_1"),
        ("POST", "/v1/threads/thread_1/runs/run_1"),
        ("POST", "/v1/threads/thread_1/runs/run_1/cancel"),
        ("GET", "/v1/threads/thread_1/runs"),
        ("GET", "/v1/threads/thread_1/runs/run_1/steps/step_1"),
        ("GET", "/v1/threads/thread_1/runs/run_1/steps"),
    ]
    assert seen[3].url.params["limit"] == "5" and seen[5].url.params["after"] == "step_0"
    assert seen[4].url.params["include[]"] == "x"
    assert json.loads(seen[1].content) == {"metadata": {"a": "b"}}
