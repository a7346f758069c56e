"""The Responses API through each Python SDK (the official one, openbeta's and openbeta's async one) against a live
server (scripted model provider), on SQLite and PostgreSQL: create, stream, background, retrieve, resume,
cancel, delete, input items, input tokens, previous_response_id chains and forks, function calls, text formats,
store: false."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
from pydantic import BaseModel

from responses_support import SCRIPTED, script

WEATHER = {"type": "function", "name": "get_weather", "description": "Weather in a city",
           "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}


def until(client: Any, response_id: str, statuses: set[str], timeout: float = 20.0) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        response = client.responses.retrieve(response_id)
        if response.status in statuses:
            return response
        assert time.monotonic() < deadline, f"response {response_id} stayed {response.status}"
        time.sleep(0.05)


def revealed(response: Any) -> list[dict[str, Any]]:
    """The chat messages the model was asked with (a ``reveal`` directive's answer)."""
    return json.loads(response.output_text)["messages"]


def texts(messages: list[dict[str, Any]]) -> list[tuple[str, str]]:
    return [(m["role"], m["content"] if isinstance(m["content"], str) else json.dumps(m["content"]))
            for m in messages if m.get("content")]


# ---------------------------------------------------------------- create, retrieve, input items

def test_create_answers_and_keeps_the_response(client):
    response = client.responses.create(model=SCRIPTED, input=script(text="Hello there"), instructions="Be brief.",
                                       metadata={"k": "v"})
    assert response.status == "completed" and response.output_text == "Hello there"
    assert response.id.startswith("resp_") and response.object == "response"
    assert response.instructions == "Be brief." and response.metadata == {"k": "v"}
    assert response.usage.output_tokens == 2 and response.usage.total_tokens > 2
    assert response.output[0].type == "message" and response.output[0].status == "completed"
    again = client.responses.retrieve(response.id)
    assert again.model_dump() == response.model_dump()
    items = client.responses.input_items.list(response.id)
    assert [(i.type, i.role, i.content[0].text) for i in items.data] == [
        ("message", "user", script(text="Hello there"))]


def test_every_field_is_sent(http):
    body = http.post("/v1/responses", json={"model": SCRIPTED, "input": "hi"}).json()
    for field in ("id", "object", "created_at", "status", "completed_at", "error", "incomplete_details",
                  "instructions", "model", "output", "usage", "metadata", "temperature", "top_p", "tool_choice",
                  "tools", "text", "reasoning", "truncation", "parallel_tool_calls", "previous_response_id",
                  "conversation", "store", "background", "max_output_tokens", "service_tier"):
        assert field in body, field
    assert body["text"]["format"] == {"type": "text"} and body["tool_choice"] == "auto"
    assert body["output"][0]["content"][0] == {"type": "output_text", "text": "hi", "annotations": [],
                                               "logprobs": []}


# ---------------------------------------------------------------- streaming

def test_stream_helper_accumulates_the_answer(client):
    with client.responses.stream(model=SCRIPTED, input=script(text="One two three")) as stream:
        kinds = [event.type for event in stream]
        final = stream.get_final_response()
    assert final.output_text == "One two three" and final.status == "completed"
    assert kinds[:4] == ["response.created", "response.in_progress", "response.output_item.added",
                         "response.content_part.added"]
    assert kinds.count("response.output_text.delta") == 3 and kinds[-1] == "response.completed"
    assert client.responses.retrieve(final.id).output_text == "One two three"


def test_raw_stream_is_numbered_and_ends_with_done(http):
    with http.stream("POST", "/v1/responses", json={"model": SCRIPTED, "input": "a b", "stream": True}) as r:
        assert r.headers["content-type"].startswith("text/event-stream")
        lines = [line for line in r.iter_lines() if line]
    assert lines[-1] == "data: [DONE]"
    events = [json.loads(line[len("data: "):]) for line in lines[:-1] if line.startswith("data: ")]
    names = [line[len("event: "):] for line in lines if line.startswith("event: ")]
    assert names == [e["type"] for e in events]
    assert [e["sequence_number"] for e in events] == list(range(len(events)))
    assert events[-1]["response"]["output"][0]["content"][0]["text"] == "a b"


def test_a_stored_stream_replays_and_resumes(client):
    with client.responses.stream(model=SCRIPTED, input=script(text="alpha beta gamma")) as stream:
        first = [e.model_dump() for e in stream]
        final = stream.get_final_response()
    replay = [e.model_dump() for e in client.responses.retrieve(final.id, stream=True)]
    assert [e["sequence_number"] for e in replay] == list(range(len(replay)))
    assert [e["type"] for e in replay] == [e["type"] for e in first]
    later = list(client.responses.retrieve(final.id, stream=True, starting_after=4))
    assert [e.sequence_number for e in later] == list(range(5, len(replay)))
    with client.responses.stream(response_id=final.id, starting_after=3) as resumed:
        assert [e.sequence_number for e in resumed][0] == 4
        assert resumed.get_final_response().output_text == "alpha beta gamma"


# ---------------------------------------------------------------- background, cancel, delete

def test_background_response_is_polled_to_its_end(client):
    created = client.responses.create(model=SCRIPTED, input=script(text="later on", delay=0.05), background=True)
    assert created.status in ("queued", "in_progress") and created.background is True
    done = until(client, created.id, {"completed"})
    assert done.output_text == "later on"


def test_background_stream_resumes_from_another_request(client):
    stream = client.responses.create(model=SCRIPTED, input=script(text="w1 w2 w3 w4 w5 w6", delay=0.1),
                                     background=True, stream=True)
    events = []
    for event in stream:
        events.append(event)
        if event.type == "response.output_text.delta":
            break
    stream.close()
    assert [e.type for e in events][:2] == ["response.created", "response.queued"]
    response_id, last = events[0].response.id, events[-1].sequence_number
    rest = list(client.responses.retrieve(response_id, stream=True, starting_after=last))
    assert rest[0].sequence_number == last + 1 and rest[-1].type == "response.completed"
    text = "".join(e.delta for e in events + rest if e.type == "response.output_text.delta")
    assert text == "w1 w2 w3 w4 w5 w6"


def test_cancel_a_background_response(client):
    created = client.responses.create(model=SCRIPTED, input=script(text=" ".join(["w"] * 200), delay=0.05),
                                      background=True)
    until(client, created.id, {"in_progress"})
    cancelled = client.responses.cancel(created.id)
    assert cancelled.status == "cancelled"
    assert until(client, created.id, {"cancelled"}).status == "cancelled"
    assert client.responses.cancel(created.id).status == "cancelled"  # again: unchanged


def test_only_background_responses_are_cancelled(client, errors):
    response = client.responses.create(model=SCRIPTED, input="x")
    with pytest.raises(errors.BadRequestError) as caught:
        client.responses.cancel(response.id)
    assert "background" in caught.value.message


def test_delete_removes_the_response(client, errors):
    response = client.responses.create(model=SCRIPTED, input="bye")
    assert client.responses.delete(response.id) is None
    with pytest.raises(errors.NotFoundError):
        client.responses.retrieve(response.id)
    with pytest.raises(errors.NotFoundError):
        client.responses.delete(response.id)
    with pytest.raises(errors.NotFoundError):
        client.responses.input_items.list(response.id)


def test_store_false_is_never_kept(client, errors):
    response = client.responses.create(model=SCRIPTED, input="secret", store=False)
    assert response.output_text == "secret" and response.store is False
    with pytest.raises(errors.NotFoundError):
        client.responses.retrieve(response.id)
    with pytest.raises(errors.NotFoundError) as caught:
        client.responses.create(model=SCRIPTED, input="more", previous_response_id=response.id)
    assert caught.value.body["param"] == "previous_response_id"


# ---------------------------------------------------------------- previous_response_id

def test_previous_response_chains_and_forks(client):
    first = client.responses.create(model=SCRIPTED, input="My name is Ada.", instructions="Only for the first.")
    second = client.responses.create(model=SCRIPTED, input="I like tea.", previous_response_id=first.id)
    asked = client.responses.create(model=SCRIPTED, input=script(reveal=True), previous_response_id=second.id)
    assert texts(revealed(asked)) == [
        ("user", "My name is Ada."), ("assistant", "My name is Ada."), ("user", "I like tea."),
        ("assistant", "I like tea."), ("user", script(reveal=True))]
    # continued again from the first: a fork that does not see the second
    fork = client.responses.create(model=SCRIPTED, input=script(reveal=True), previous_response_id=first.id)
    assert texts(revealed(fork)) == [
        ("user", "My name is Ada."), ("assistant", "My name is Ada."), ("user", script(reveal=True))]
    assert fork.previous_response_id == first.id and fork.instructions is None
    # the chain goes on from the fork, and from the first line
    after_fork = client.responses.create(model=SCRIPTED, input=script(reveal=True), previous_response_id=fork.id)
    assert len(revealed(after_fork)) == 5
    assert len(revealed(client.responses.create(model=SCRIPTED, input=script(reveal=True),
                                                previous_response_id=asked.id))) == 7


def test_previous_response_must_exist_and_have_ended(client, errors):
    with pytest.raises(errors.NotFoundError) as caught:
        client.responses.create(model=SCRIPTED, input="x", previous_response_id="resp_nope")
    assert caught.value.body["param"] == "previous_response_id"
    running = client.responses.create(model=SCRIPTED, input=script(text="slow " * 50, delay=0.05), background=True)
    with pytest.raises(errors.BadRequestError) as busy:
        client.responses.create(model=SCRIPTED, input="x", previous_response_id=running.id)
    assert busy.value.body["param"] == "previous_response_id"
    client.responses.cancel(running.id)


# ---------------------------------------------------------------- function calls

def test_function_call_round_trip(client):
    asked = client.responses.create(model=SCRIPTED, tools=[WEATHER],
                                    input=script(tool_calls=[{"name": "get_weather", "arguments": {"city": "Paris"}}]))
    assert asked.status == "completed"
    call = asked.output[-1]
    assert call.type == "function_call" and call.name == "get_weather" and call.status == "completed"
    assert json.loads(call.arguments) == {"city": "Paris"} and call.call_id.startswith("call_")
    assert asked.tools[0].name == "get_weather" and asked.tools[0].strict is True
    answered = client.responses.create(model=SCRIPTED, tools=[WEATHER], previous_response_id=asked.id,
                                       input=[{"type": "function_call_output", "call_id": call.call_id,
                                               "output": "sunny, 24 C"}])
    assert answered.output_text == "Tool outputs: sunny, 24 C"
    items = client.responses.input_items.list(answered.id).data
    assert [(i.type, i.call_id, i.output) for i in items] == [("function_call_output", call.call_id, "sunny, 24 C")]


def test_streamed_function_calls_accumulate(client):
    directive = script(tool_calls=[{"name": "get_weather", "arguments": {"city": "Oslo"}},
                                   {"name": "get_weather", "arguments": {"city": "Rome"}}])
    with client.responses.stream(model=SCRIPTED, tools=[WEATHER], input=directive) as stream:
        deltas = [e.delta for e in stream if e.type == "response.function_call_arguments.delta"]
        final = stream.get_final_response()
    calls = [o for o in final.output if o.type == "function_call"]
    assert [json.loads(c.arguments)["city"] for c in calls] == ["Oslo", "Rome"]
    assert "".join(deltas) == calls[0].arguments + calls[1].arguments
    stored = client.responses.retrieve(final.id).output
    assert [(o.id, o.call_id, o.arguments, o.status) for o in stored] == [
        (c.id, c.call_id, c.arguments, "completed") for c in calls]


def test_a_replayed_conversation_is_read_whole(client):
    """The Agents SDK's way: no previous_response_id, every earlier item sent back with its id."""
    asked = client.responses.create(model=SCRIPTED, tools=[WEATHER],
                                    input=script(tool_calls=[{"name": "get_weather", "arguments": {"city": "Lima"}}]))
    history = [{"role": "user", "content": script(tool_calls=[{"name": "get_weather",
                                                                "arguments": {"city": "Lima"}}])},
               *[o.model_dump(exclude_none=True) for o in asked.output],
               {"type": "function_call_output", "call_id": asked.output[-1].call_id, "output": "mild"},
               {"role": "user", "content": script(reveal=True)}]
    replayed = client.responses.create(model=SCRIPTED, tools=[WEATHER], input=history)
    messages = revealed(replayed)
    assert [m["role"] for m in messages] == ["user", "assistant", "tool", "user"]
    assert messages[1]["tool_calls"][0]["function"]["name"] == "get_weather"
    assert messages[2] == {"role": "tool", "tool_call_id": asked.output[-1].call_id, "content": "mild"}


def test_an_output_must_answer_a_call(client, errors):
    with pytest.raises(errors.BadRequestError) as caught:
        client.responses.create(model=SCRIPTED, input=[{"type": "function_call_output", "call_id": "call_x",
                                                        "output": "?"}])
    assert caught.value.body["param"] == "input[0].call_id"


# ---------------------------------------------------------------- text formats, limits, errors

class Echo(BaseModel):
    echo: str


def test_parse_with_a_pydantic_model(client):
    parsed = client.responses.parse(model=SCRIPTED, input="structured please", text_format=Echo)
    assert parsed.output_parsed == Echo(echo="structured please")
    assert parsed.text.format.type == "json_schema" and parsed.text.format.name == "Echo"


def test_max_output_tokens_makes_it_incomplete(client):
    response = client.responses.create(model=SCRIPTED, input=" ".join(f"w{i}" for i in range(40)),
                                       max_output_tokens=16)
    assert response.status == "incomplete" and response.incomplete_details.reason == "max_output_tokens"
    assert response.output[0].status == "incomplete"


def test_a_failed_model_fails_the_response(client):
    with client.responses.stream(model=SCRIPTED, input=script(text="partial", error={"message": "boom"})) as stream:
        events = list(stream)
    assert events[-1].type == "response.failed"
    failed = events[-1].response
    assert failed.status == "failed" and failed.error.message == "boom" and failed.error.code == "server_error"
    assert failed.output[0].status == "incomplete" and failed.output[0].content[0].text == "partial"
    assert client.responses.retrieve(failed.id).status == "failed"


@pytest.mark.parametrize(("body", "param", "code"), [
    ({"tools": [{"type": "web_search"}]}, "tools[0]", "unsupported_tool"),
    ({"tools": [WEATHER, {"type": "image_generation"}]}, "tools[1]", "unsupported_tool"),
    # the shared server allows no MCP server (OPENBETA_MCP_ALLOWED_URLS is empty)
    ({"tools": [WEATHER, {"type": "mcp", "server_label": "x", "server_url": "http://x"}]}, "tools[1].server_url",
     "mcp_server_not_allowed"),
    ({"tools": [{"type": "code_interpreter", "container": "cntr_nope"}]}, "tools[0].container", None),
    ({"tools": [{"type": "code_interpreter", "container": {"type": "auto"}},
                {"type": "code_interpreter", "container": {"type": "auto"}}]}, "tools[1]", "invalid_value"),
    ({"tools": [{"type": "code_interpreter", "container": {"type": "auto", "network_policy": {
        "type": "allowlist", "allowed_domains": ["example.com"]}}}]}, "tools[0].container.network_policy",
     "unsupported_value"),
    ({"tools": [{"type": "code_interpreter", "container": {"type": "auto", "file_ids": ["file-nope"]}}]},
     "tools[0].container.file_ids[0]", None),
    ({"prompt": {"id": "pmpt_1"}}, "prompt", "unsupported_parameter"),
    ({"background": True, "store": False}, "background", "invalid_value"),
    ({"input": [{"type": "computer_call", "id": "c"}]}, "input[0].type", "invalid_value"),
    ({"input": [{"role": "user", "content": [{"type": "input_file", "file_url": "https://x/y.pdf"}]}]},
     "input[0].content[0].file_url", "unsupported_parameter"),
    ({"tool_choice": {"type": "function", "name": "nope"}, "tools": [WEATHER]}, "tool_choice.name", "invalid_value"),
    ({"colour": "blue"}, "colour", "unknown_parameter"),
    ({"tools": [{"type": "file_search", "vector_store_ids": ["vs_nope"]}]}, "tools[0].vector_store_ids[0]", None),
])
def test_what_is_not_done_is_a_clear_400(http, body, param, code):
    answer = http.post("/v1/responses", json={"model": SCRIPTED, "input": "x", **body})
    assert answer.status_code in (400, 404), answer.text
    error = answer.json()["error"]
    assert error["param"] == param and (code is None or error["code"] == code), error


def test_input_tokens_counts_without_storing(client, http):
    counted = client.responses.input_tokens.count(model=SCRIPTED, input="one two three", instructions="be brief")
    assert counted.input_tokens > 0 and counted.object == "response.input_tokens"
    longer = client.responses.input_tokens.count(model=SCRIPTED, input="one two three four five six",
                                                 instructions="be brief")
    assert longer.input_tokens > counted.input_tokens


# ---------------------------------------------------------------- file_search

@pytest.fixture(scope="module")
def notes_store(client):
    store = client.vector_stores.create(name="notes")
    text = b"The quarterly review moved to Thursday, 14 March, at 3 pm in room Lindbergh.\n"
    done = client.vector_stores.files.upload_and_poll(vector_store_id=store.id, file=("notes.txt", text))
    assert done.status == "completed"
    return store


@pytest.mark.parametrize("include", [False, True])
def test_file_search_finds_and_the_answer_cites(client, notes_store, include):
    directive = script(tool_calls=[{"name": "file_search", "arguments": {"queries": ["quarterly review"]}}],
                       after_tools="It moved to Thursday{marker}.")
    extra = {"include": ["file_search_call.results"]} if include else {}
    with client.responses.stream(model=SCRIPTED, input=directive, **extra,
                                 tools=[{"type": "file_search", "vector_store_ids": [notes_store.id]}]) as stream:
        kinds = [e.type for e in stream]
        final = stream.get_final_response()
    call, message = final.output
    assert call.type == "file_search_call" and call.status == "completed" and call.queries == ["quarterly review"]
    assert kinds[2:7] == ["response.output_item.added", "response.file_search_call.in_progress",
                          "response.file_search_call.searching", "response.file_search_call.completed",
                          "response.output_item.done"]
    if include:
        assert call.results[0].filename == "notes.txt" and "Lindbergh" in call.results[0].text
    else:
        assert call.results is None
    assert message.content[0].text == "It moved to Thursday."
    note = message.content[0].annotations[0]
    assert (note.type, note.filename, note.index) == ("file_citation", "notes.txt", len("It moved to Thursday"))
    stored = client.responses.retrieve(final.id, include=["file_search_call.results"])
    assert stored.output[1].content[0].annotations[0].file_id == note.file_id
    assert stored.output[0].results[0].file_id == note.file_id
    assert stored.tools[0].vector_store_ids == [notes_store.id]
