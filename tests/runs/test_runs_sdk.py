"""Runs through the official ``openai`` SDK and openbeta's own against a live server (scripted provider)."""

from __future__ import annotations

import json
import time

import pytest

from runs_helpers import script, wait_for


def text_of(message) -> str:
    return "".join(block.text.value for block in message.content if block.type == "text")


REPLY_EVENTS = [
    "thread.run.step.created", "thread.run.step.in_progress", "thread.message.created",
    "thread.message.in_progress",
]


def test_create_and_poll_echoes_and_records_usage(client, assistant, thread):
    client.beta.threads.messages.create(thread.id, role="user", content="hello there world")
    run = client.beta.threads.runs.create_and_poll(thread_id=thread.id, assistant_id=assistant.id,
                                                   poll_interval_ms=50)
    assert run.status == "completed"
    assert run.started_at and run.completed_at and run.expires_at is None
    assert run.model == "scripted-model" and run.instructions == "You are terse."
    assert run.tools[0].function.name == "get_weather"
    assert run.truncation_strategy.type == "auto" and run.tool_choice == "auto"
    assert run.usage.completion_tokens == 3 and run.usage.total_tokens == run.usage.prompt_tokens + 3
    replies = client.beta.threads.messages.list(thread.id, run_id=run.id).data
    assert len(replies) == 1 and replies[0].role == "assistant" and replies[0].status == "completed"
    assert text_of(replies[0]) == "hello there world"
    assert replies[0].assistant_id == assistant.id and replies[0].run_id == run.id
    steps = client.beta.threads.runs.steps.list(run.id, thread_id=thread.id).data
    assert [s.type for s in steps] == ["message_creation"]
    assert steps[0].step_details.message_creation.message_id == replies[0].id
    assert steps[0].usage.model_dump() == run.usage.model_dump()
    got = client.beta.threads.runs.steps.retrieve(steps[0].id, thread_id=thread.id, run_id=run.id)
    assert got.model_dump() == steps[0].model_dump()
    assert [r.id for r in client.beta.threads.runs.list(thread.id).data] == [run.id]


def test_stream_rebuilds_snapshots_in_spec_order(client, assistant, thread, Recorder):
    client.beta.threads.messages.create(thread.id, role="user", content=script(text="Hello! How can I help?"))
    handler = Recorder()
    with client.beta.threads.runs.stream(thread_id=thread.id, assistant_id=assistant.id,
                                         event_handler=handler) as stream:
        stream.until_done()
        run = stream.current_run
        final = stream.get_final_messages()
    assert handler.events == (
        ["thread.run.created", "thread.run.queued", "thread.run.in_progress", *REPLY_EVENTS]
        + ["thread.message.delta"] * 5
        + ["thread.message.completed", "thread.run.step.completed", "thread.run.completed"])
    assert handler.deltas == ["Hello! ", "How ", "can ", "I ", "help?"]
    assert run.status == "completed"
    assert [text_of(m) for m in final] == ["Hello! How can I help?"]
    stored = client.beta.threads.messages.retrieve(final[0].id, thread_id=thread.id)
    assert text_of(stored) == "Hello! How can I help?" and stored.status == "completed"
    steps = client.beta.threads.runs.steps.list(run.id, thread_id=thread.id).data
    assert steps[0].step_details.message_creation.message_id == final[0].id


def test_raw_sse_shapes_match_the_spec_transcript(live_server, assistant, thread):
    import httpx

    url = f"{live_server.base_url}/threads/{thread.id}/runs"
    body = {"assistant_id": assistant.id, "stream": True,
            "additional_messages": [{"role": "user", "content": "two words"}]}
    with httpx.stream("POST", url, json=body, timeout=30) as response:
        assert response.headers["content-type"].startswith("text/event-stream")
        raw = response.read().decode()
    blocks = [b for b in raw.split("\n\n") if b]
    events = [(b.split("\n")[0][len("event: "):], b.split("\n")[1][len("data: "):]) for b in blocks]
    assert events[-1] == ("done", "[DONE]")
    deltas = [json.loads(d) for e, d in events if e == "thread.message.delta"]
    assert deltas[0]["delta"] == {"content": [{"index": 0, "type": "text",
                                               "text": {"value": "two ", "annotations": []}}]}
    assert deltas[1]["delta"] == {"content": [{"index": 0, "type": "text", "text": {"value": "words"}}]}
    created = json.loads(dict(events)["thread.message.created"])
    assert created["status"] == "in_progress" and created["content"] == []
    run = json.loads(events[0][1])
    assert run["status"] == "queued" and run["expires_at"] is not None and run["required_action"] is None


def test_create_and_run_poll_and_stream(client, assistant, Recorder):
    run = client.beta.threads.create_and_run_poll(
        assistant_id=assistant.id, poll_interval_ms=50,
        thread={"messages": [{"role": "user", "content": "first thread"}], "metadata": {"k": "v"}})
    assert run.status == "completed"
    assert client.beta.threads.retrieve(run.thread_id).metadata == {"k": "v"}
    messages = client.beta.threads.messages.list(run.thread_id, order="asc").data
    assert [(m.role, text_of(m)) for m in messages] == [("user", "first thread"), ("assistant", "first thread")]

    handler = Recorder()
    with client.beta.threads.create_and_run_stream(
            assistant_id=assistant.id, thread={"messages": [{"role": "user", "content": "streamed"}]},
            event_handler=handler) as stream:
        stream.until_done()
        run = stream.current_run
    assert handler.events[:4] == ["thread.created", "thread.run.created", "thread.run.queued", "thread.run.in_progress"]
    assert handler.events[-1] == "thread.run.completed"
    assert text_of(client.beta.threads.messages.list(run.thread_id).data[0]) == "streamed"


def test_function_round_trip_with_polling(client, assistant, thread, errors):
    client.beta.threads.messages.create(
        thread.id, role="user",
        content=script(tool_calls=[{"name": "get_weather", "arguments": {"city": "Paris"}}]))
    run = client.beta.threads.runs.create_and_poll(thread_id=thread.id, assistant_id=assistant.id,
                                                   poll_interval_ms=50)
    assert run.status == "requires_action" and run.expires_at > time.time()
    calls = run.required_action.submit_tool_outputs.tool_calls
    assert len(calls) == 1 and calls[0].function.name == "get_weather"
    assert json.loads(calls[0].function.arguments) == {"city": "Paris"}
    step = client.beta.threads.runs.steps.list(run.id, thread_id=thread.id).data[0]
    assert step.type == "tool_calls" and step.status == "in_progress"
    assert step.step_details.tool_calls[0].id == calls[0].id and step.step_details.tool_calls[0].function.output is None
    with pytest.raises(errors.BadRequestError, match="active"):
        client.beta.threads.messages.create(thread.id, role="user", content="too early")

    run = client.beta.threads.runs.submit_tool_outputs_and_poll(
        run_id=run.id, thread_id=thread.id, poll_interval_ms=50,
        tool_outputs=[{"tool_call_id": calls[0].id, "output": "18C and cloudy"}])
    assert run.status == "completed" and run.required_action is None
    reply = client.beta.threads.messages.list(thread.id, run_id=run.id).data[0]
    assert text_of(reply) == "Tool outputs: 18C and cloudy"
    steps = client.beta.threads.runs.steps.list(run.id, thread_id=thread.id, order="asc").data
    assert [(s.type, s.status) for s in steps] == [("tool_calls", "completed"), ("message_creation", "completed")]
    assert steps[0].step_details.tool_calls[0].function.output == "18C and cloudy"
    assert run.usage.total_tokens == sum(s.usage.total_tokens for s in steps)


def test_parallel_calls_streamed_and_partial_submit_refused(client, assistant, thread, errors, Recorder):
    client.beta.threads.messages.create(thread.id, role="user", content=script(tool_calls=[
        {"name": "get_weather", "arguments": {"city": "Paris"}},
        {"name": "get_weather", "arguments": {"city": "Rome"}}]))
    handler = Recorder()
    with client.beta.threads.runs.stream(thread_id=thread.id, assistant_id=assistant.id,
                                         event_handler=handler) as stream:
        stream.until_done()
        run = stream.current_run
        snapshot = stream.current_run_step_snapshot
    assert handler.events[3:5] == ["thread.run.step.created", "thread.run.step.in_progress"]
    assert handler.events[-1] == "thread.run.requires_action"
    assert set(handler.events[5:-1]) == {"thread.run.step.delta"}
    calls = run.required_action.submit_tool_outputs.tool_calls
    assert [json.loads(c.function.arguments)["city"] for c in calls] == ["Paris", "Rome"]
    rebuilt = snapshot.step_details.tool_calls
    assert [(c.id, c.function.name, c.function.arguments) for c in rebuilt] == \
        [(c.id, c.function.name, c.function.arguments) for c in calls]

    with pytest.raises(errors.BadRequestError) as partial:
        client.beta.threads.runs.submit_tool_outputs(
            run_id=run.id, thread_id=thread.id, tool_outputs=[{"tool_call_id": calls[0].id, "output": "x"}])
    assert partial.value.status_code == 400 and partial.value.body["param"] == "tool_outputs"
    with pytest.raises(errors.BadRequestError):
        client.beta.threads.runs.submit_tool_outputs(
            run_id=run.id, thread_id=thread.id, tool_outputs=[{"tool_call_id": "call_nope", "output": "x"}])
    assert client.beta.threads.runs.retrieve(run.id, thread_id=thread.id).status == "requires_action"

    handler = Recorder()
    with client.beta.threads.runs.submit_tool_outputs_stream(
            run_id=run.id, thread_id=thread.id, event_handler=handler,
            tool_outputs=[{"tool_call_id": calls[0].id, "output": "sunny"},
                          {"tool_call_id": calls[1].id, "output": "rain"}]) as stream:
        stream.until_done()
        final = stream.get_final_messages()
    assert handler.events[:3] == ["thread.run.step.completed", "thread.run.queued", "thread.run.in_progress"]
    assert handler.events[3:7] == REPLY_EVENTS
    assert handler.events[-3:] == ["thread.message.completed", "thread.run.step.completed", "thread.run.completed"]
    assert text_of(final[0]) == "Tool outputs: sunny; rain"


def test_parallel_tool_calls_false_keeps_one_call(client, assistant, thread):
    client.beta.threads.messages.create(thread.id, role="user", content=script(tool_calls=[
        {"name": "get_weather", "arguments": {"city": "A"}}, {"name": "get_weather", "arguments": {"city": "B"}}]))
    run = client.beta.threads.runs.create_and_poll(thread_id=thread.id, assistant_id=assistant.id,
                                                   parallel_tool_calls=False, poll_interval_ms=50)
    assert run.parallel_tool_calls is False
    assert len(run.required_action.submit_tool_outputs.tool_calls) == 1
    client.beta.threads.runs.cancel(run.id, thread_id=thread.id)


def test_tool_choice_and_response_format_reach_the_model(client, assistant, thread, errors):
    client.beta.threads.messages.create(thread.id, role="user", content="plain")
    run = client.beta.threads.runs.create_and_poll(thread_id=thread.id, assistant_id=assistant.id,
                                                   tool_choice="required", poll_interval_ms=50)
    assert run.status == "requires_action" and run.tool_choice == "required"
    client.beta.threads.runs.cancel(run.id, thread_id=thread.id)
    wait_for(client, thread.id, run.id, {"cancelled"})

    run = client.beta.threads.runs.create_and_poll(
        thread_id=thread.id, assistant_id=assistant.id, poll_interval_ms=50,
        tool_choice={"type": "function", "function": {"name": "get_weather"}})
    assert run.required_action.submit_tool_outputs.tool_calls[0].function.name == "get_weather"
    client.beta.threads.runs.cancel(run.id, thread_id=thread.id)
    wait_for(client, thread.id, run.id, {"cancelled"})

    run = client.beta.threads.runs.create_and_poll(
        thread_id=thread.id, assistant_id=assistant.id, tool_choice="none", poll_interval_ms=50,
        additional_messages=[{"role": "user", "content": script(tool_calls=[{"name": "get_weather"}], text="no tools")}])
    assert run.status == "completed"
    assert text_of(client.beta.threads.messages.list(thread.id, run_id=run.id).data[0]) == "no tools"

    run = client.beta.threads.runs.create_and_poll(
        thread_id=thread.id, assistant_id=assistant.id, response_format={"type": "json_object"},
        additional_messages=[{"role": "user", "content": "as json"}], poll_interval_ms=50)
    assert run.response_format.type == "json_object"
    reply = text_of(client.beta.threads.messages.list(thread.id, run_id=run.id).data[0])
    assert json.loads(reply) == {"echo": "as json"}

    with pytest.raises(errors.BadRequestError) as bad:
        client.beta.threads.runs.create(thread_id=thread.id, assistant_id=assistant.id,
                                        tool_choice={"type": "function", "function": {"name": "missing"}})
    assert bad.value.body["param"] == "tool_choice"


def test_run_snapshots_options_and_builds_context(client, assistant, thread):
    client.beta.threads.messages.create(thread.id, role="user", content="one")
    client.beta.threads.messages.create(thread.id, role="assistant", content="two")
    client.beta.threads.messages.create(thread.id, role="user", content="three")
    run = client.beta.threads.runs.create_and_poll(
        thread_id=thread.id, assistant_id=assistant.id, poll_interval_ms=50, model="other-model",
        additional_instructions="Answer in French.", temperature=0.3, top_p=0.9, max_completion_tokens=300,
        truncation_strategy={"type": "last_messages", "last_messages": 2}, metadata={"case": "snapshot"},
        additional_messages=[{"role": "user", "content": script(reveal=True)}])
    assert run.status == "completed"
    assert (run.model, run.temperature, run.top_p, run.max_completion_tokens) == ("other-model", 0.3, 0.9, 300)
    assert run.instructions == "You are terse.\n\nAnswer in French."
    assert run.truncation_strategy.last_messages == 2 and run.metadata == {"case": "snapshot"}
    seen = json.loads(text_of(client.beta.threads.messages.list(thread.id, run_id=run.id).data[0]))
    assert seen["model"] == "other-model" and seen["temperature"] == 0.3 and seen["max_tokens"] == 300
    assert seen["tools"] == ["get_weather"] and seen["tool_choice"] == "auto"
    assert [m["role"] for m in seen["messages"]] == ["system", "user", "user"]
    assert seen["messages"][0]["content"] == "You are terse.\n\nAnswer in French."
    assert seen["messages"][1]["content"] == "three"

    updated = client.beta.threads.runs.update(run.id, thread_id=thread.id, metadata={"case": "changed"})
    assert updated.metadata == {"case": "changed"}
    assert client.beta.threads.runs.retrieve(run.id, thread_id=thread.id).metadata == {"case": "changed"}


def test_earlier_replies_and_images_are_in_context(client, assistant, thread):
    client.beta.threads.messages.create(thread.id, role="user", content="remember me")
    client.beta.threads.runs.create_and_poll(thread_id=thread.id, assistant_id=assistant.id, poll_interval_ms=50)
    client.beta.threads.messages.create(thread.id, role="user", content=[
        {"type": "text", "text": script(reveal=True)},
        {"type": "image_url", "image_url": {"url": "https://example.com/cat.png"}}])
    run = client.beta.threads.runs.create_and_poll(thread_id=thread.id, assistant_id=assistant.id,
                                                   poll_interval_ms=50)
    seen = json.loads(text_of(client.beta.threads.messages.list(thread.id, run_id=run.id).data[0]))
    history = seen["messages"][1:]
    assert history[:2] == [{"role": "user", "content": "remember me"}, {"role": "assistant", "content": "remember me"}]
    assert history[2]["content"][1] == {"type": "image_url",
                                        "image_url": {"url": "https://example.com/cat.png", "detail": "auto"}}


def test_one_active_run_per_thread(client, assistant, thread, errors):
    client.beta.threads.messages.create(thread.id, role="user", content=script(text="slow reply here", delay=0.3))
    run = client.beta.threads.runs.create(thread_id=thread.id, assistant_id=assistant.id)
    with pytest.raises(errors.BadRequestError, match="already has an active run"):
        client.beta.threads.runs.create(thread_id=thread.id, assistant_id=assistant.id)
    with pytest.raises(errors.BadRequestError, match="while a run"):
        client.beta.threads.messages.create(thread.id, role="user", content="not now")
    assert wait_for(client, thread.id, run.id, {"completed"}).status == "completed"
    client.beta.threads.messages.create(thread.id, role="user", content="now is fine")


def test_cancel_mid_stream_keeps_partial_text(client, assistant, thread, errors, Recorder):
    import threading

    client.beta.threads.messages.create(
        thread.id, role="user", content=script(text=" ".join(f"w{i}" for i in range(60)), delay=0.05))
    handler = Recorder()
    answers = []

    def cancel_when_streaming() -> None:
        run = client.beta.threads.runs.list(thread.id).data[0]
        while len(handler.deltas) < 3:
            time.sleep(0.02)
        answers.append(client.beta.threads.runs.cancel(run.id, thread_id=thread.id))

    with client.beta.threads.runs.stream(thread_id=thread.id, assistant_id=assistant.id,
                                         event_handler=handler) as stream:
        canceller = threading.Thread(target=cancel_when_streaming)
        canceller.start()
        stream.until_done()
        canceller.join()
    assert answers[0].status == "cancelling"
    assert handler.events[-4:] == ["thread.run.cancelling", "thread.message.incomplete", "thread.run.step.cancelled",
                                   "thread.run.cancelled"]
    run = wait_for(client, thread.id, answers[0].id, {"cancelled"})
    assert run.cancelled_at and run.completed_at is None
    message = client.beta.threads.messages.list(thread.id, run_id=run.id).data[0]
    assert message.status == "incomplete" and message.incomplete_details.reason == "run_cancelled"
    assert text_of(message).startswith("w0 w1 w2") and len(text_of(message).split()) < 60
    step = client.beta.threads.runs.steps.list(run.id, thread_id=thread.id).data[0]
    assert step.status == "cancelled" and step.cancelled_at
    with pytest.raises(errors.BadRequestError, match="Cannot cancel run with status 'cancelled'"):
        client.beta.threads.runs.cancel(run.id, thread_id=thread.id)


def test_cancel_while_waiting_for_tool_outputs(client, assistant, thread, errors):
    client.beta.threads.messages.create(thread.id, role="user",
                                        content=script(tool_calls=[{"name": "get_weather", "arguments": {}}]))
    run = client.beta.threads.runs.create_and_poll(thread_id=thread.id, assistant_id=assistant.id,
                                                   poll_interval_ms=50)
    client.beta.threads.runs.cancel(run.id, thread_id=thread.id)
    run = wait_for(client, thread.id, run.id, {"cancelled"})
    assert run.required_action is None
    assert client.beta.threads.runs.steps.list(run.id, thread_id=thread.id).data[0].status == "cancelled"
    with pytest.raises(errors.BadRequestError, match="do not accept tool outputs"):
        client.beta.threads.runs.submit_tool_outputs(run_id=run.id, thread_id=thread.id,
                                                     tool_outputs=[{"tool_call_id": "x", "output": "y"}])


def test_max_completion_tokens_gives_incomplete(client, assistant, thread, Recorder):
    words = " ".join(f"t{i}" for i in range(300))
    client.beta.threads.messages.create(thread.id, role="user", content=script(text=words))
    handler = Recorder()
    with client.beta.threads.runs.stream(thread_id=thread.id, assistant_id=assistant.id, max_completion_tokens=256,
                                         event_handler=handler) as stream:
        stream.until_done()
    assert handler.events[-3:] == ["thread.message.incomplete", "thread.run.step.completed", "thread.run.incomplete"]
    run = client.beta.threads.runs.list(thread.id).data[0]
    assert run.status == "incomplete" and run.incomplete_details.reason == "max_completion_tokens"
    assert run.usage.completion_tokens == 256
    message = client.beta.threads.messages.list(thread.id, run_id=run.id).data[0]
    assert message.status == "incomplete" and message.incomplete_details.reason == "max_tokens"
    assert len(text_of(message).split()) == 256


def test_max_prompt_tokens_truncates_then_gives_incomplete(client, assistant, thread):
    for i in range(6):
        client.beta.threads.messages.create(thread.id, role="user", content=" ".join(["filler"] * 60))
    client.beta.threads.messages.create(thread.id, role="user", content=script(reveal=True))
    run = client.beta.threads.runs.create_and_poll(thread_id=thread.id, assistant_id=assistant.id,
                                                   max_prompt_tokens=256, poll_interval_ms=50)
    assert run.status == "completed"
    seen = json.loads(text_of(client.beta.threads.messages.list(thread.id, run_id=run.id).data[0]))
    assert 2 <= len(seen["messages"]) < 8  # oldest messages dropped to fit

    client.beta.threads.messages.create(thread.id, role="user", content=" ".join(["long"] * 400))
    run = client.beta.threads.runs.create_and_poll(thread_id=thread.id, assistant_id=assistant.id,
                                                   max_prompt_tokens=256, poll_interval_ms=50)
    assert run.status == "incomplete" and run.incomplete_details.reason == "max_prompt_tokens"


def test_provider_failure_fails_the_run(client, assistant, thread, Recorder):
    client.beta.threads.messages.create(thread.id, role="user", content=script(
        text="partial answer", error={"message": "model exploded", "code": "server_error"}))
    handler = Recorder()
    with client.beta.threads.runs.stream(thread_id=thread.id, assistant_id=assistant.id,
                                         event_handler=handler) as stream:
        stream.until_done()
    assert handler.events[-3:] == ["thread.message.incomplete", "thread.run.step.failed", "thread.run.failed"]
    run = client.beta.threads.runs.list(thread.id).data[0]
    assert run.status == "failed" and run.failed_at
    assert run.last_error.code == "server_error" and run.last_error.message == "model exploded"
    step = client.beta.threads.runs.steps.list(run.id, thread_id=thread.id).data[0]
    assert step.status == "failed" and step.last_error.message == "model exploded"
    message = client.beta.threads.messages.list(thread.id, run_id=run.id).data[0]
    assert text_of(message) == "partial answer" and message.incomplete_details.reason == "run_failed"

    client.beta.threads.messages.create(thread.id, role="user", content=script(
        error={"message": "slow down", "code": "rate_limit_exceeded"}))
    run = client.beta.threads.runs.create_and_poll(thread_id=thread.id, assistant_id=assistant.id,
                                                   poll_interval_ms=50)
    assert run.status == "failed" and run.last_error.code == "rate_limit_exceeded"


def test_errors_are_openai_shaped(client, assistant, thread, errors):
    with pytest.raises(errors.NotFoundError):
        client.beta.threads.runs.create(thread_id=thread.id, assistant_id="asst_missing")
    with pytest.raises(errors.NotFoundError):
        client.beta.threads.runs.create(thread_id="thread_missing", assistant_id=assistant.id)
    with pytest.raises(errors.NotFoundError):
        client.beta.threads.runs.retrieve("run_missing", thread_id=thread.id)
    with pytest.raises(errors.BadRequestError) as bad:
        client.beta.threads.runs.create(thread_id=thread.id, assistant_id=assistant.id, temperature=3)
    assert bad.value.body["param"] == "temperature"
    with pytest.raises(errors.BadRequestError) as bad:
        client.beta.threads.runs.steps.list("run_x", thread_id=thread.id, include=["nope"])  # type: ignore[list-item]
    assert bad.value.status_code == 400


def test_steps_include_and_thread_delete_removes_runs(client, live_server, assistant, thread):
    import httpx

    client.beta.threads.messages.create(thread.id, role="user", content="bye")
    run = client.beta.threads.runs.create_and_poll(thread_id=thread.id, assistant_id=assistant.id,
                                                   poll_interval_ms=50)
    include = ["step_details.tool_calls[*].file_search.results[*].content"]
    steps = client.beta.threads.runs.steps.list(run.id, thread_id=thread.id, include=include)
    assert len(steps.data) == 1
    client.beta.threads.delete(thread.id)
    response = httpx.get(f"{live_server.base_url}/threads/{thread.id}/runs/{run.id}")
    assert response.status_code == 404 and response.json()["error"]["type"] == "invalid_request_error"


def test_client_disconnect_does_not_stop_the_run(client, live_server, assistant, thread):
    import httpx

    text = " ".join(f"x{i}" for i in range(30))
    client.beta.threads.messages.create(thread.id, role="user", content=script(text=text, delay=0.03))
    body = {"assistant_id": assistant.id, "stream": True}
    with httpx.stream("POST", f"{live_server.base_url}/threads/{thread.id}/runs", json=body, timeout=30) as response:
        lines = response.iter_lines()
        seen = [line for _, line in zip(range(30), lines)]
    assert any(line == "event: thread.message.delta" for line in seen)
    run = client.beta.threads.runs.list(thread.id).data[0]
    run = wait_for(client, thread.id, run.id, {"completed"})
    assert text_of(client.beta.threads.messages.list(thread.id, run_id=run.id).data[0]) == text


def test_text_before_tool_calls_becomes_its_own_step(client, assistant, thread):
    client.beta.threads.messages.create(thread.id, role="user", content=script(
        text="Let me look.", tool_calls=[{"name": "get_weather", "arguments": {"city": "Kyiv"}}]))
    run = client.beta.threads.runs.create_and_poll(thread_id=thread.id, assistant_id=assistant.id,
                                                   poll_interval_ms=50)
    assert run.status == "requires_action"
    steps = client.beta.threads.runs.steps.list(run.id, thread_id=thread.id, order="asc").data
    assert [(s.type, s.status) for s in steps] == [("message_creation", "completed"), ("tool_calls", "in_progress")]
    call = run.required_action.submit_tool_outputs.tool_calls[0]
    run = client.beta.threads.runs.submit_tool_outputs_and_poll(
        run_id=run.id, thread_id=thread.id, tool_outputs=[{"tool_call_id": call.id, "output": "cold"}],
        poll_interval_ms=50)
    texts = [text_of(m) for m in client.beta.threads.messages.list(thread.id, run_id=run.id, order="asc").data]
    assert texts == ["Let me look.", "Tool outputs: cold"]


def test_concurrent_creates_leave_one_active_run(client, assistant, thread, errors):
    from concurrent.futures import ThreadPoolExecutor

    client.beta.threads.messages.create(thread.id, role="user", content=script(text="a b", delay=0.2))

    def create(_: int):
        try:
            return client.beta.threads.runs.create(thread_id=thread.id, assistant_id=assistant.id).id
        except errors.BadRequestError as exc:
            return exc.status_code

    with ThreadPoolExecutor(6) as pool:
        outcomes = list(pool.map(create, range(6)))
    created = [o for o in outcomes if isinstance(o, str)]
    assert len(created) == 1 and outcomes.count(400) == 5
    assert [r.id for r in client.beta.threads.runs.list(thread.id).data] == created
    wait_for(client, thread.id, created[0], {"completed"})


def test_concurrent_submits_are_accepted_once(client, assistant, thread, errors):
    from concurrent.futures import ThreadPoolExecutor

    client.beta.threads.messages.create(thread.id, role="user",
                                        content=script(tool_calls=[{"name": "get_weather", "arguments": {}}]))
    for _ in range(3):
        run = client.beta.threads.runs.create_and_poll(thread_id=thread.id, assistant_id=assistant.id,
                                                       poll_interval_ms=20,
                                                       tool_choice={"type": "function",
                                                                    "function": {"name": "get_weather"}})
        call_id = run.required_action.submit_tool_outputs.tool_calls[0].id

        def submit(i: int):
            try:
                client.beta.threads.runs.submit_tool_outputs(
                    run_id=run.id, thread_id=thread.id, tool_outputs=[{"tool_call_id": call_id, "output": str(i)}])
                return "accepted"
            except errors.BadRequestError:
                return "refused"

        with ThreadPoolExecutor(6) as pool:
            outcomes = list(pool.map(submit, range(6)))
        assert outcomes.count("accepted") == 1
        assert wait_for(client, thread.id, run.id, {"completed"}).status == "completed"


def test_nul_characters_round_trip_in_runs_and_steps(client, assistant, thread):
    """PostgreSQL's JSONB cannot hold U+0000; run and step bodies must keep it on every database."""
    client.beta.threads.messages.create(
        thread.id, role="user",
        content=script(tool_calls=[{"name": "get_weather", "arguments": {"city": "Par\u0000is"}}]))
    run = client.beta.threads.runs.create_and_poll(
        thread_id=thread.id, assistant_id=assistant.id, poll_interval_ms=50,
        instructions="a\u0000b", metadata={"k": "v\u0000w"})
    assert run.status == "requires_action"
    assert run.instructions == "a\u0000b" and run.metadata == {"k": "v\u0000w"}
    call = run.required_action.submit_tool_outputs.tool_calls[0]
    assert json.loads(call.function.arguments) == {"city": "Par\u0000is"}
    run = client.beta.threads.runs.submit_tool_outputs_and_poll(
        run_id=run.id, thread_id=thread.id, poll_interval_ms=50,
        tool_outputs=[{"tool_call_id": call.id, "output": "x\u0000y"}])
    assert run.status == "completed"
    stored = client.beta.threads.runs.retrieve(run.id, thread_id=thread.id)
    assert stored.instructions == "a\u0000b" and stored.metadata == {"k": "v\u0000w"}
    step = client.beta.threads.runs.steps.list(run.id, thread_id=thread.id, order="asc").data[0]
    assert step.step_details.tool_calls[0].function.output == "x\u0000y"
    assert json.loads(step.step_details.tool_calls[0].function.arguments) == {"city": "Par\u0000is"}
    assert text_of(client.beta.threads.messages.list(thread.id, run_id=run.id).data[0]) == "Tool outputs: x\u0000y"


@pytest.mark.parametrize("text", ["Let me look.", None])
def test_length_cut_while_calling_tools_fails_only_the_tool_step(client, assistant, thread, Recorder, text):
    directive = {"tool_calls": [{"name": "get_weather", "arguments": {"city": "Kyiv"}}], "finish": "length"}
    client.beta.threads.messages.create(thread.id, role="user", content=script(**directive, **(
        {"text": text} if text else {})))
    handler = Recorder()
    with client.beta.threads.runs.stream(thread_id=thread.id, assistant_id=assistant.id,
                                         event_handler=handler) as stream:
        stream.until_done()
    assert "thread.message.incomplete" not in handler.events
    assert handler.events[-2:] == ["thread.run.step.failed", "thread.run.incomplete"]
    run = client.beta.threads.runs.list(thread.id).data[0]
    assert run.status == "incomplete" and run.incomplete_details.reason == "max_completion_tokens"
    steps = client.beta.threads.runs.steps.list(run.id, thread_id=thread.id, order="asc").data
    expected = [("message_creation", "completed")] if text else []
    assert [(s.type, s.status) for s in steps] == expected + [("tool_calls", "failed")]
    assert steps[-1].usage is not None and steps[-1].last_error.code == "server_error"
    replies = client.beta.threads.messages.list(thread.id, run_id=run.id).data
    assert [(m.status, text_of(m)) for m in replies] == ([("completed", text)] if text else [])


def test_deleting_the_thread_mid_run_ends_the_stream_quietly(client, live_server, assistant, thread):
    import httpx

    text = " ".join(f"w{i}" for i in range(200))  # 10 s of reply: deleted after its third delta
    client.beta.threads.messages.create(thread.id, role="user", content=script(text=text, delay=0.05))
    body = {"assistant_id": assistant.id, "stream": True}
    events: list[str] = []
    logged = len(live_server.log())
    with httpx.stream("POST", f"{live_server.base_url}/threads/{thread.id}/runs", json=body, timeout=30) as response:
        for line in response.iter_lines():
            if line.startswith("event: "):
                events.append(line[7:])
            if events.count("thread.message.delta") == 3 and "deleted" not in events:
                assert client.beta.threads.delete(thread.id).deleted
                events.append("deleted")
            if line.startswith("data: ") and events[-1] == "error":
                error = json.loads(line[6:])
    assert events[-3:] == ["deleted", "error", "done"] or events[-2:] == ["error", "done"]
    assert error["code"] == "run_deleted" and error["type"] == "invalid_request_error"
    # the stream ended with the run cut short, not after the whole reply
    assert "thread.message.completed" not in events and "thread.run.completed" not in events, events
    assert events.count("thread.message.delta") < 200
    log = live_server.log()[logged:]
    assert "Traceback" not in log and "was deleted with its thread" in log
    other = client.beta.threads.create()
    client.beta.threads.messages.create(other.id, role="user", content="still there?")
    run = client.beta.threads.runs.create_and_poll(thread_id=other.id, assistant_id=assistant.id, poll_interval_ms=50)
    assert run.status == "completed"
