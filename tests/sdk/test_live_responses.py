"""openbeta's own ``client.responses`` and ``client.conversations`` against a live server (scripted model
provider), where they go beyond what the shared Responses tests (tests/responses, run on every SDK) check:
every event the server sends parses into a declared type with no undeclared field, the stream helper's
snapshot and final response equal the stored response, the async helpers natively (``async with``,
``async for``), the raw and streaming wrappers, and the typed errors with the OpenAI error body."""

from __future__ import annotations

import json
from typing import Any

import pytest
from pydantic import BaseModel

from openbeta import (AsyncOpenBeta, AsyncResponseStream, BadRequestError, NotFoundError, OpenBeta, ParsedResponse,
                     ResponseStream)
from openbeta.types import response_events as ev
from openbeta.types.conversations import Conversation, ConversationItemList
from openbeta.types.responses import FileSearchCall, FunctionCall, Message, OutputText, Response
from sdk_clients import undeclared

SCRIPTED = "scripted-model"
WEATHER = {"type": "function", "name": "get_weather", "description": "Weather in a city",
           "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}
#: The event classes a response's stream may hold (the fallback ``OtherEvent`` is not one of them).
DECLARED = (ev.ResponseLifecycleEvent, ev.OutputItemEvent, ev.ContentPartEvent, ev.OutputTextDeltaEvent,
            ev.OutputTextDoneEvent, ev.AnnotationAddedEvent, ev.FunctionCallArgumentsDeltaEvent,
            ev.FunctionCallArgumentsDoneEvent, ev.ToolCallProgressEvent, ev.CodeDeltaEvent, ev.CodeDoneEvent,
            ev.ErrorEvent)


def script(**directive: Any) -> str:
    return "SCRIPT: " + json.dumps(directive)


def calls(*cities: str) -> str:
    return script(tool_calls=[{"name": "get_weather", "arguments": {"city": c}} for c in cities])


@pytest.fixture(scope="module")
def notes_store(live_server):
    with OpenBeta(base_url=live_server.base_url, api_key="test-key") as c:
        store = c.vector_stores.create(name="notes")
        text = b"The quarterly review moved to Thursday, 14 March, at 3 pm in room Lindbergh.\n"
        assert c.vector_stores.files.upload_and_poll(vector_store_id=store.id, file=("notes.txt", text)).status \
            == "completed"
        return store


# ---------------------------------------------------------------- every event typed and declared

def test_every_event_is_typed_and_declared(openbeta_client: OpenBeta, notes_store) -> None:
    """Streams of every kind the server sends (text, function calls, file_search with results and a
    citation, a background response resumed, an incomplete and a failed one): each event parses as its own
    class, nothing in it (nor in the objects it carries) is a field its type does not declare."""
    seen: list[Any] = []
    searched = script(tool_calls=[{"name": "file_search", "arguments": {"queries": ["quarterly review"]}}],
                      after_tools="It moved to Thursday{marker}.")
    streams = [
        dict(input=script(text="Hello typed world")),
        dict(input=calls("Oslo", "Rome"), tools=[WEATHER]),
        dict(input=searched, include=["file_search_call.results"],
             tools=[{"type": "file_search", "vector_store_ids": [notes_store.id]}]),
        dict(input=" ".join(f"w{i}" for i in range(40)), max_output_tokens=16),
        dict(input=script(text="partial", error={"message": "boom"})),
    ]
    for params in streams:
        with openbeta_client.responses.stream(model=SCRIPTED, **params) as stream:
            seen += list(stream)
    background = openbeta_client.responses.create(model=SCRIPTED, input=script(text="b1 b2 b3", delay=0.02),
                                                  background=True, stream=True)
    seen += list(background)
    kinds = {e.type for e in seen}
    assert {"response.created", "response.queued", "response.in_progress", "response.completed",
            "response.incomplete", "response.failed", "response.output_item.added", "response.output_item.done",
            "response.content_part.added", "response.content_part.done", "response.output_text.delta",
            "response.output_text.done", "response.output_text.annotation.added",
            "response.function_call_arguments.delta", "response.function_call_arguments.done",
            "response.file_search_call.in_progress", "response.file_search_call.searching",
            "response.file_search_call.completed"} <= kinds
    assert [e.type for e in seen if not isinstance(e, DECLARED)] == []
    found = sorted({p for e in seen for p in [*(f"{e.type}.{k}" for k in e.model_extra or {}), *undeclared(e, e.type)]})
    assert found == []
    items = [e.item for e in seen if isinstance(e, ev.OutputItemEvent)]
    assert {type(i) for i in items} == {Message, FunctionCall, FileSearchCall}
    notes = [e.annotation for e in seen if isinstance(e, ev.AnnotationAddedEvent)]
    assert notes and notes[0].type == "file_citation" and notes[0].filename == "notes.txt"


def test_stored_items_and_conversations_are_declared(openbeta_client: OpenBeta, notes_store) -> None:
    """What the reads answer (a response with results, its input items, a conversation's items)."""
    conversation = openbeta_client.conversations.create(items=[{"role": "user", "content": "hi"}])
    asked = openbeta_client.responses.create(model=SCRIPTED, conversation=conversation.id, tools=[WEATHER],
                                             input=calls("Lima"))
    answered = openbeta_client.responses.create(
        model=SCRIPTED, conversation=conversation.id, tools=[WEATHER],
        input=[{"type": "function_call_output", "call_id": asked.output[-1].call_id, "output": "mild"}])
    searched = openbeta_client.responses.create(
        model=SCRIPTED, include=["file_search_call.results"],
        input=script(tool_calls=[{"name": "file_search", "arguments": {"query": "review"}}],
                     after_tools="Thursday{marker}."),
        tools=[{"type": "file_search", "vector_store_ids": [notes_store.id]}])
    stored = openbeta_client.responses.retrieve(searched.id, include=["file_search_call.results"])
    objects: list[BaseModel] = [asked, answered, stored, openbeta_client.conversations.retrieve(conversation.id)]
    objects += list(openbeta_client.conversations.items.list(conversation.id))
    objects += list(openbeta_client.responses.input_items.list(answered.id))
    found = sorted({p for o in objects for p in [*(f"{type(o).__name__}.{k}" for k in o.model_extra or {}),
                                                  *undeclared(o, type(o).__name__)]})
    assert found == []
    assert [i.type for i in openbeta_client.conversations.items.list(conversation.id, order="asc")] == [
        "message", "message", "function_call", "function_call_output", "message"]


# ---------------------------------------------------------------- the stream helper

def test_final_response_equals_the_stored_one(openbeta_client: OpenBeta) -> None:
    with openbeta_client.responses.stream(model=SCRIPTED, input=calls("Oslo"), tools=[WEATHER],
                                          instructions="Be brief.", metadata={"k": "v"}) as stream:
        assert isinstance(stream, ResponseStream)
        first = next(stream)
        assert isinstance(first, ev.ResponseLifecycleEvent) and first.type == "response.created"
        final = stream.get_final_response()
        snapshot = stream.current_snapshot
    assert isinstance(final, Response) and final.status == "completed"
    stored = openbeta_client.responses.retrieve(final.id)
    assert final.model_dump() == stored.model_dump()
    assert snapshot is not None and snapshot.model_dump()["output"] == stored.model_dump()["output"]
    call = final.output[0]
    assert isinstance(call, FunctionCall) and json.loads(call.arguments) == {"city": "Oslo"}


def test_text_deltas_and_until_done(openbeta_client: OpenBeta) -> None:
    with openbeta_client.responses.stream(model=SCRIPTED, input=script(text="one two three")) as stream:
        assert "".join(stream.text_deltas) == "one two three"
        assert stream.until_done().get_final_response().output_text == "one two three"


def test_a_stream_that_ends_without_a_response_says_so(openbeta_client: OpenBeta) -> None:
    created = openbeta_client.responses.create(model=SCRIPTED, input=script(text=" ".join(["w"] * 200), delay=0.05),
                                               background=True)
    openbeta_client.responses.cancel(created.id)
    with openbeta_client.responses.stream(response_id=created.id) as stream:
        with pytest.raises(RuntimeError, match="before the response did"):
            stream.get_final_response()
    assert openbeta_client.responses.retrieve(created.id).status == "cancelled"


def test_background_response_resumed_by_the_stream_helper(openbeta_client: OpenBeta) -> None:
    created = openbeta_client.responses.create(model=SCRIPTED, input=script(text="r1 r2 r3 r4", delay=0.05),
                                               background=True)
    assert created.status == "queued" and created.background is True
    with openbeta_client.responses.stream(response_id=created.id, starting_after=1) as stream:
        events = list(stream)
        final = stream.get_final_response()
        snapshot = stream.current_snapshot
    assert events[0].sequence_number == 2 and [e.sequence_number for e in events] == list(range(2, 2 + len(events)))
    assert final.output_text == "r1 r2 r3 r4" and final.id == created.id
    assert snapshot is not None and snapshot.output_text == "r1 r2 r3 r4"
    with pytest.raises(TypeError):
        openbeta_client.responses.stream(starting_after=3, model=SCRIPTED, input="x")
    with pytest.raises(TypeError):
        openbeta_client.responses.stream(response_id=created.id, model=SCRIPTED)


class Weather(BaseModel):
    echo: str


def test_parse_and_stream_with_a_text_format(openbeta_client: OpenBeta) -> None:
    parsed = openbeta_client.responses.parse(model=SCRIPTED, input="cloudy", text_format=Weather)
    assert isinstance(parsed, ParsedResponse) and parsed.output_parsed == Weather(echo="cloudy")
    fmt = parsed.text.format
    assert (fmt.type, fmt.name, fmt.strict) == ("json_schema", "Weather", True)
    assert fmt.schema_["additionalProperties"] is False and fmt.schema_["required"] == ["echo"]
    with openbeta_client.responses.stream(model=SCRIPTED, input="sunny", text_format=Weather) as stream:
        final = stream.get_final_response()
    assert isinstance(final, ParsedResponse) and final.output_parsed == Weather(echo="sunny")
    with pytest.raises(TypeError):
        openbeta_client.responses.parse(model=SCRIPTED, input="x", text_format=Weather, stream=True)


# ---------------------------------------------------------------- wrappers, paging, errors

def test_raw_and_streaming_wrappers(openbeta_client: OpenBeta) -> None:
    raw = openbeta_client.responses.with_raw_response.create(model=SCRIPTED, input="raw one")
    assert raw.status_code == 200 and json.loads(raw.http_request.content) == {"model": SCRIPTED,
                                                                             "input": "raw one"}
    response = raw.parse()
    assert isinstance(response, Response) and response.output_text == "raw one"
    with openbeta_client.responses.with_streaming_response.retrieve(response.id) as lazy:
        assert json.loads(b"".join(lazy.iter_bytes()))["id"] == response.id
    raw_stream = openbeta_client.with_raw_response.responses.create(model=SCRIPTED, input="x y", stream=True)
    assert raw_stream.headers["content-type"].startswith("text/event-stream")
    assert [e.type for e in raw_stream.parse()][-1] == "response.completed"
    conversation = openbeta_client.conversations.with_raw_response.create(metadata={"a": "b"})
    assert conversation.status_code == 200 and isinstance(conversation.parse(), Conversation)
    added = openbeta_client.conversations.items.with_raw_response.create(
        conversation.parse().id, items=[{"role": "user", "content": "hello"}])
    assert isinstance(added.parse(), ConversationItemList) and added.parse().data[0].content[0].text == "hello"


def test_input_items_page(openbeta_client: OpenBeta) -> None:
    sent = [{"role": "user", "content": f"m{i}"} for i in range(5)]
    response = openbeta_client.responses.create(model=SCRIPTED, input=sent)
    page = openbeta_client.responses.input_items.list(response.id, limit=2, order="asc")
    assert len(page.data) == 2 and page.has_more and page.has_next_page()
    assert [i.content[0].text for i in page] == ["m0", "m1", "m2", "m3", "m4"]  # walks every page
    newest = openbeta_client.responses.input_items.list(response.id, limit=2)
    assert [i.content[0].text for i in newest.data] == ["m4", "m3"]
    assert [i.content[0].text for i in newest.get_next_page().data] == ["m2", "m1"]


def test_errors_are_typed_with_the_openai_body(openbeta_client: OpenBeta) -> None:
    with pytest.raises(BadRequestError) as bad:
        openbeta_client.responses.create(model=SCRIPTED, input="x", tools=[{"type": "web_search"}])
    assert bad.value.status_code == 400
    assert bad.value.body == {"message": bad.value.body["message"], "type": "invalid_request_error",
                              "param": "tools[0]", "code": "unsupported_tool"}
    assert bad.value.code == "unsupported_tool" and bad.value.param == "tools[0]"
    with pytest.raises(BadRequestError) as unknown:
        openbeta_client.responses.create(model=SCRIPTED, input="x", extra_body={"colour": "blue"})
    assert unknown.value.body["code"] == "unknown_parameter" and unknown.value.body["param"] == "colour"
    with pytest.raises(BadRequestError) as personality:
        openbeta_client.responses.input_tokens.count(model=SCRIPTED, input="x", personality="friendly")
    assert personality.value.body["code"] == "unsupported_parameter"
    with pytest.raises(NotFoundError) as missing:
        openbeta_client.responses.retrieve("resp_nope")
    assert missing.value.status_code == 404 and missing.value.body["type"] == "invalid_request_error"
    with pytest.raises(BadRequestError) as compact:
        openbeta_client.responses.compact(model=SCRIPTED, input="x", image={"detail": "low"})
    assert compact.value.body["code"] == "unsupported_parameter" and compact.value.body["param"] == "image"
    with pytest.raises(NotFoundError):
        openbeta_client.conversations.items.list("conv_nope")
    with pytest.raises(BadRequestError) as update:
        openbeta_client.conversations.update("conv_nope", metadata={"k": "x" * 600})
    assert update.value.body["param"].startswith("metadata")


# ---------------------------------------------------------------- async, natively

async def test_async_responses_natively(async_client: AsyncOpenBeta) -> None:
    response = await async_client.responses.create(model=SCRIPTED, input="async hello")
    assert isinstance(response, Response) and response.output_text == "async hello"
    async with async_client.responses.stream(model=SCRIPTED, input=calls("Bern"), tools=[WEATHER]) as stream:
        assert isinstance(stream, AsyncResponseStream)
        kinds = [event.type async for event in stream]
        final = await stream.get_final_response()
    assert kinds[0] == "response.created" and kinds[-1] == "response.completed"
    assert (await async_client.responses.retrieve(final.id)).model_dump() == final.model_dump()
    async with async_client.responses.stream(model=SCRIPTED, input=script(text="a b c")) as stream:
        assert "".join([d async for d in stream.text_deltas]) == "a b c"
    live = await async_client.responses.create(model=SCRIPTED, input="s t", stream=True)
    assert [e.type async for e in live][-1] == "response.completed"
    replay = await async_client.responses.retrieve(final.id, stream=True, starting_after=2)
    assert [e.sequence_number async for e in replay][0] == 3
    parsed = await async_client.responses.parse(model=SCRIPTED, input="rain", text_format=Weather)
    assert parsed.output_parsed == Weather(echo="rain")
    answered = await async_client.responses.create(
        model=SCRIPTED, tools=[WEATHER], previous_response_id=final.id,
        input=[{"type": "function_call_output", "call_id": final.output[0].call_id, "output": "cold"}])
    assert answered.output_text == "Tool outputs: cold"
    assert [i.type async for i in async_client.responses.input_items.list(answered.id)] == ["function_call_output"]
    counted = await async_client.responses.input_tokens.count(model=SCRIPTED, input="one two")
    assert counted.input_tokens > 0
    assert await async_client.responses.delete(answered.id) is None
    with pytest.raises(NotFoundError):
        await async_client.responses.retrieve(answered.id)


async def test_async_conversations_natively(async_client: AsyncOpenBeta) -> None:
    conversation = await async_client.conversations.create(items=[{"role": "user", "content": f"c{i}"}
                                                                  for i in range(3)], metadata={"t": "1"})
    assert (await async_client.conversations.update(conversation.id, metadata={"t": "2"})).metadata == {"t": "2"}
    first = await async_client.conversations.items.list(conversation.id, limit=1, order="asc")
    assert len(first.data) == 1 and first.has_more
    texts = [i.content[0].text async for i in async_client.conversations.items.list(conversation.id, limit=1,
                                                                                    order="asc")]
    assert texts == ["c0", "c1", "c2"]
    added = await async_client.conversations.items.create(conversation.id, items=[{"role": "user", "content": "d"}])
    item = await async_client.conversations.items.retrieve(added.data[0].id, conversation_id=conversation.id)
    assert isinstance(item, Message) and isinstance(item.content[0], OutputText) is False
    assert (await async_client.conversations.items.delete(item.id, conversation_id=conversation.id)).id \
        == conversation.id
    raw = await async_client.conversations.with_raw_response.retrieve(conversation.id)
    assert raw.status_code == 200 and (await raw.parse()).metadata == {"t": "2"}
    assert (await async_client.conversations.delete(conversation.id)).deleted
    with pytest.raises(NotFoundError):
        await async_client.conversations.retrieve(conversation.id)
