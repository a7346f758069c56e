"""Run streams never hang: keep-alive comments while quiet, and an end once the run rests or is gone."""

from __future__ import annotations

import asyncio
from typing import Any, Optional

import httpx
import pytest
from runs_helpers import WEATHER, script

from openbeta.server.api.sse import sse_text
from openbeta.server.runs.events import EventBus


def _drain(states: list[Optional[dict[str, Any]]], events: tuple = ()) -> list[str]:
    """The SSE chunks of a stream whose run is read as ``states`` in turn (the last one repeats)."""
    reads: list[Optional[dict[str, Any]]] = list(states)

    async def current(run_id: str) -> Optional[dict[str, Any]]:
        return reads.pop(0) if len(reads) > 1 else reads[0]

    async def main() -> list[str]:
        bus = EventBus(0.05, current)
        queue = bus.subscribe("run_1")
        for event in events:
            bus.publish("run_1", *event)
        stream = bus.events("run_1", queue, [("thread.run.created", {"id": "run_1"})])
        return [chunk async for chunk in sse_text(stream)]

    return asyncio.run(asyncio.wait_for(main(), 10))


def test_quiet_stream_of_a_finished_run_ends_with_its_state():
    running, done = {"id": "run_1", "status": "in_progress"}, {"id": "run_1", "status": "completed"}
    chunks = _drain([running, running, done])
    assert chunks[0].startswith("event: thread.run.created\n")
    assert chunks[1:4] == [": keep-alive\n\n"] * 3
    assert chunks[4].startswith("event: thread.run.completed\ndata: {") and '"status":"completed"' in chunks[4]
    assert chunks[5] == "event: done\ndata: [DONE]\n\n" and len(chunks) == 6


def test_quiet_stream_of_a_deleted_run_ends_with_an_error():
    chunks = _drain([None])
    assert chunks[1] == ": keep-alive\n\n"
    assert chunks[2].startswith("event: error\n") and '"code":"run_deleted"' in chunks[2]
    assert chunks[3] == "event: done\ndata: [DONE]\n\n" and len(chunks) == 4


def test_published_events_come_before_any_status_read():
    chunks = _drain([{"id": "run_1", "status": "completed"}],
                    events=(("thread.run.in_progress", {"id": "run_1"}), ("thread.run.completed", {"id": "run_1"})))
    assert [c.split("\n")[0] for c in chunks] == ["event: thread.run.created", "event: thread.run.in_progress",
                                                  "event: thread.run.completed", "event: done"]


@pytest.fixture(scope="module")
def chatty_server(start_server):
    return start_server(OPENBETA_PROVIDER="scripted", OPENBETA_STREAM_KEEPALIVE_SECONDS="0.1")


def test_slow_model_stream_carries_keep_alives_and_sdks_read_through_them(chatty_server):
    import openai

    client = openai.OpenAI(base_url=chatty_server.base_url, api_key="test", max_retries=0)
    assistant = client.beta.assistants.create(model="scripted-model", tools=[WEATHER])
    thread = client.beta.threads.create()
    client.beta.threads.messages.create(thread.id, role="user", content=script(text="slow words here", delay=0.3))
    body = {"assistant_id": assistant.id, "stream": True}
    with httpx.stream("POST", f"{chatty_server.base_url}/threads/{thread.id}/runs", json=body, timeout=30) as response:
        lines = list(response.iter_lines())
    assert lines.count(": keep-alive") >= 2
    assert [line for line in lines if line.startswith("event: ")][-2:] == ["event: thread.run.completed",
                                                                           "event: done"]
    client.beta.threads.messages.create(thread.id, role="user", content=script(text="again slowly", delay=0.3))
    with client.beta.threads.runs.stream(thread_id=thread.id, assistant_id=assistant.id) as stream:
        stream.until_done()
        assert stream.current_run.status == "completed"
    assert client.beta.threads.messages.list(thread.id).data[0].content[0].text.value == "again slowly"
