"""SSE parsing and event-handler snapshots, from transcripts recorded in ``transcripts/``."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest

import openbeta
from openbeta import AssistantEventHandler, AsyncAssistantEventHandler, Stream
from openbeta.types.stream_events import MessageDeltaEvent, RunEvent, ThreadCreatedEvent

TRANSCRIPTS = Path(__file__).parent / "transcripts"


def sse_handler(name: str, seen: list[httpx.Request] | None = None):
    body = (TRANSCRIPTS / name).read_bytes()

    def handler(request: httpx.Request) -> httpx.Response:
        if seen is not None:
            seen.append(request)
        return httpx.Response(200, headers={"content-type": "text/event-stream"}, content=body)

    return handler


class Recorder(AssistantEventHandler):
    def __init__(self) -> None:
        super().__init__()
        self.calls: list[tuple] = []

    def on_event(self, event) -> None:
        self.calls.append(("event", event.event))

    def on_run_step_created(self, run_step) -> None:
        self.calls.append(("step_created", run_step.id))

    def on_run_step_delta(self, delta, snapshot) -> None:
        self.calls.append(("step_delta", snapshot.id))

    def on_run_step_done(self, run_step) -> None:
        self.calls.append(("step_done", run_step.status))

    def on_tool_call_created(self, tool_call) -> None:
        self.calls.append(("tool_created", tool_call.id, tool_call.function.arguments))

    def on_tool_call_delta(self, delta, snapshot) -> None:
        self.calls.append(("tool_delta", delta.function.arguments, snapshot.function.arguments))

    def on_tool_call_done(self, tool_call) -> None:
        self.calls.append(("tool_done", tool_call.id, tool_call.function.arguments))

    def on_message_created(self, message) -> None:
        self.calls.append(("message_created", message.id))

    def on_message_delta(self, delta, snapshot) -> None:
        self.calls.append(("message_delta", len(snapshot.content)))

    def on_message_done(self, message) -> None:
        self.calls.append(("message_done", message.status))

    def on_text_created(self, text) -> None:
        self.calls.append(("text_created", text.value))

    def on_text_delta(self, delta, snapshot) -> None:
        self.calls.append(("text_delta", delta.value, snapshot.value))

    def on_text_done(self, text) -> None:
        self.calls.append(("text_done", text.value))

    def on_image_file_done(self, image_file) -> None:
        self.calls.append(("image_done", image_file.file_id))

    def on_end(self) -> None:
        self.calls.append(("end",))

    def on_exception(self, exception) -> None:
        self.calls.append(("exception", type(exception).__name__))


def hooks(calls: list[tuple]) -> list[tuple]:
    return [c for c in calls if c[0] not in ("event", "message_delta", "step_delta")]


def test_stream_true_yields_typed_events_and_stops_at_done(mock_client) -> None:
    seen: list[httpx.Request] = []
    client = mock_client(sse_handler("run_text.sse", seen))
    stream = client.beta.threads.create_and_run(assistant_id="asst_t1", stream=True)
    assert isinstance(stream, Stream)
    events = list(stream)
    assert json.loads(seen[0].content) == {"assistant_id": "asst_t1", "stream": True}
    assert seen[0].headers["accept"] == "text/event-stream"
    assert isinstance(events[0], ThreadCreatedEvent) and isinstance(events[1], RunEvent)
    assert [e.event for e in events][-2:] == ["thread.run.step.completed", "thread.run.completed"]
    assert "done" not in [e.event for e in events]
    deltas = [e for e in events if isinstance(e, MessageDeltaEvent)]
    assert "".join(d.data.delta.content[0].text.value for d in deltas[:3]) == "Hello, world [1]"
    assert stream.response.is_closed


def test_text_hooks_and_snapshots(mock_client) -> None:
    client = mock_client(sse_handler("run_text.sse"))
    handler = Recorder()
    with client.beta.threads.create_and_run_stream(assistant_id="asst_t1", event_handler=handler) as stream:
        assert stream is handler
        stream.until_done()
    assert hooks(handler.calls) == [
        ("step_created", "step_t1"),
        ("message_created", "msg_t1"),
        ("text_created", "Hello"),
        ("text_delta", "Hello", "Hello"),
        ("text_delta", ", wor", "Hello, wor"),
        ("text_delta", "ld [1]", "Hello, world [1]"),
        ("text_done", "Hello, world [1]"),
        ("image_done", "file_img"),
        ("message_done", "completed"),
        ("step_done", "completed"),
        ("end",),
    ]
    assert handler.calls[0] == ("event", "thread.created")
    assert handler.current_run.status == "completed"
    final = handler.get_final_messages()
    assert len(final) == 1 and final[0].content[0].text.value == "Hello, world [1]"
    assert handler.get_final_run().usage.total_tokens == 14
    steps = handler.get_final_run_steps()
    assert [s.status for s in steps] == ["completed"]


def test_snapshot_accumulates_annotations_and_new_blocks(mock_client) -> None:
    client = mock_client(sse_handler("run_text.sse"))
    snapshots = []

    class Snap(AssistantEventHandler):
        def on_message_delta(self, delta, snapshot) -> None:
            snapshots.append(snapshot)

    with client.beta.threads.runs.stream(thread_id="thread_t1", assistant_id="asst_t1", event_handler=Snap()) as s:
        s.until_done()
    text = snapshots[2].content[0].text
    assert text.value == "Hello, world [1]" and text.annotations[0].file_citation.file_id == "file_t1"
    assert snapshots[3].content[1].type == "image_file" and len(snapshots[3].content) == 2
    assert snapshots[0].content[0].text.value == "Hello"  # earlier snapshots are not mutated later


def test_text_deltas_iterator(mock_client) -> None:
    client = mock_client(sse_handler("run_text.sse"))
    with client.beta.threads.runs.stream(thread_id="thread_t1", assistant_id="asst_t1") as stream:
        assert "".join(stream.text_deltas) == "Hello, world [1]"
        assert stream.current_message_snapshot.status == "completed"


def test_tool_call_hooks(mock_client) -> None:
    seen: list[httpx.Request] = []
    client = mock_client(sse_handler("run_function_call.sse", seen))
    handler = Recorder()
    with client.beta.threads.runs.submit_tool_outputs_stream(
            tool_outputs=[{"tool_call_id": "call_0", "output": "x"}], run_id="run_t1", thread_id="thread_t1",
            event_handler=handler) as stream:
        stream.until_done()
    assert seen[0].url.path.endswith("/threads/thread_t1/runs/run_t1/submit_tool_outputs")
    assert json.loads(seen[0].content)["stream"] is True
    assert hooks(handler.calls) == [
        ("step_created", "step_t2"),
        ("tool_created", "call_a", ""),
        ("tool_delta", '{"city": ', '{"city": '),
        ("tool_delta", '"Paris"}', '{"city": "Paris"}'),
        ("tool_done", "call_a", '{"city": "Paris"}'),
        ("tool_created", "call_b", ""),
        ("tool_delta", '{"city": "Oslo"}', '{"city": "Oslo"}'),
        ("tool_done", "call_b", '{"city": "Oslo"}'),
        ("end",),
    ]
    run = handler.current_run
    assert run.status == "requires_action"
    assert [c.id for c in run.required_action.submit_tool_outputs.tool_calls] == ["call_a", "call_b"]
    snapshot = handler.get_final_run_steps()[0]
    assert [c.function.arguments for c in snapshot.step_details.tool_calls] == ['{"city": "Paris"}',
                                                                              '{"city": "Oslo"}']


def test_error_event_raises_and_calls_on_exception(mock_client) -> None:
    body = (b'event: thread.run.created\ndata: ' + json.dumps({
        "id": "run_x", "object": "thread.run", "created_at": 1, "thread_id": "t", "assistant_id": "a",
        "status": "queued", "model": "m"}).encode() + b'\n\n'
        b'event: error\ndata: {"error": {"message": "model crashed", "type": "server_error"}}\n\n')
    client = mock_client(lambda r: httpx.Response(200, headers={"content-type": "text/event-stream"}, content=body))
    handler = Recorder()
    with pytest.raises(openbeta.APIError, match="model crashed"):
        with client.beta.threads.runs.stream(thread_id="t", assistant_id="a", event_handler=handler) as stream:
            stream.until_done()
    assert ("exception", "APIError") in handler.calls and ("end",) not in handler.calls
    assert handler.current_run.id == "run_x"


def test_handler_is_single_use(mock_client) -> None:
    client = mock_client(sse_handler("run_text.sse"))
    handler = AssistantEventHandler()
    with client.beta.threads.runs.stream(thread_id="t", assistant_id="a", event_handler=handler) as stream:
        stream.until_done()
    with pytest.raises(RuntimeError):
        with client.beta.threads.runs.stream(thread_id="t", assistant_id="a", event_handler=handler):
            pass


async def test_async_handler_hooks(async_mock_client) -> None:
    texts: list[str] = []
    tools: list[str] = []

    class AsyncRecorder(AsyncAssistantEventHandler):
        async def on_text_delta(self, delta, snapshot) -> None:
            texts.append(snapshot.value)

        async def on_tool_call_done(self, tool_call) -> None:
            tools.append(tool_call.function.arguments)

    async with async_mock_client(sse_handler("run_text.sse")) as client:
        async with client.beta.threads.runs.stream(thread_id="t", assistant_id="a",
                                                   event_handler=AsyncRecorder()) as stream:
            await stream.until_done()
            run = await stream.get_final_run()
        assert texts[-1] == "Hello, world [1]" and run.status == "completed"
        async with client.beta.threads.create_and_run_stream(assistant_id="a") as stream:
            assert "".join([t async for t in stream.text_deltas]) == "Hello, world [1]"
        events = [e.event async for e in await client.beta.threads.runs.create("t", assistant_id="a", stream=True)]
        assert events[0] == "thread.created" and events[-1] == "thread.run.completed"
    async with async_mock_client(sse_handler("run_function_call.sse")) as client:
        async with client.beta.threads.runs.create_and_stream(thread_id="t", assistant_id="a",
                                                              event_handler=AsyncRecorder()) as stream:
            steps = await stream.get_final_run_steps()
    assert tools == ['{"city": "Paris"}', '{"city": "Oslo"}'] and steps[0].id == "step_t2"
