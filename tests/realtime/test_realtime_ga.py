"""The official Python SDK's GA realtime client (``client.realtime.connect``) against a live server."""

from __future__ import annotations

import json
from typing import Any, Iterator

import pytest
from openai import OpenAI

from realtime_support import KEY, opening, script, until, user_item

WEATHER = {"type": "function", "name": "get_weather", "description": "Weather in a city",
           "parameters": {"type": "object", "properties": {"city": {"type": "string"}}}}


@pytest.fixture
def conn(rt_server) -> Iterator[Any]:
    # No websocket_base_url: the GA client derives ws:// from the http:// base URL.
    client = OpenAI(base_url=rt_server.base_url, api_key=KEY)
    with client.realtime.connect(model="gpt-realtime") as connection:
        created = opening(connection)
        assert created.session.type == "realtime" and created.session.output_modalities == ["text"]
        assert created.session.audio.input.format.type == "audio/pcm"
        yield connection


def test_session_update_uses_the_ga_shape(conn) -> None:
    conn.session.update(session={"type": "realtime", "instructions": "Be brief.", "tools": [WEATHER],
                                 "max_output_tokens": 300, "audio": {"input": {"turn_detection": None},
                                                                     "output": {"voice": "marin"}}})
    updated = conn.recv()
    assert updated.type == "session.updated"
    session = updated.session
    assert session.type == "realtime" and session.instructions == "Be brief." and session.max_output_tokens == 300
    assert session.audio.input.turn_detection is None and session.audio.output.voice == "marin"
    assert session.tools[0].name == "get_weather"
    conn.send({"type": "session.update", "session": {"instructions": "no type"}, "event_id": "ga1"})
    error = conn.recv()
    assert error.type == "error" and error.error.param == "session.type" and error.error.event_id == "ga1"
    conn.send({"type": "transcription_session.update", "session": {}, "event_id": "ga2"})
    assert conn.recv().error.param == "type"  # a beta-only event
    conn.input_audio_buffer.append(audio="AAAA", event_id="ga3")
    assert conn.recv().error.code == "audio_unavailable"  # no voice pipeline on this server
    conn.input_audio_buffer.commit(event_id="ga4")
    assert conn.recv().error.event_id == "ga4"
    conn.input_audio_buffer.clear()
    assert conn.recv().type == "input_audio_buffer.cleared"
    conn.output_audio_buffer.clear(event_id="ga5")
    assert conn.recv().error.event_id == "ga5"


def test_text_response_uses_ga_event_names(conn) -> None:
    conn.conversation.item.create(item=user_item(script(text="Hi GA world")))
    added, done = conn.recv(), conn.recv()
    assert (added.type, done.type) == ("conversation.item.added", "conversation.item.done")
    assert added.item.id == done.item.id
    conn.response.create()
    events = until(conn)
    kinds = [e.type for e in events]
    assert kinds == ["response.created", "response.output_item.added", "conversation.item.added",
                     "response.content_part.added"] + ["response.output_text.delta"] * 3 + [
        "response.output_text.done", "response.content_part.done", "response.output_item.done",
        "conversation.item.done", "response.done", "rate_limits.updated"]
    assert events[2].previous_item_id == added.item.id
    text = "".join(e.delta for e in events if e.type == "response.output_text.delta")
    assert text == "Hi GA world" and events[7].text == text
    item = events[9].item
    assert item.content[0].type == "output_text" and item.content[0].text == text
    response = events[11].response
    assert response.status == "completed" and response.output_modalities == ["text"]
    assert response.output[0].content[0].type == "output_text" and response.usage.output_tokens == 3


def test_function_round_trip_and_response_overrides(conn) -> None:
    conn.conversation.item.create(item=user_item(script(tool_calls=[{"name": "get_weather",
                                                                     "arguments": {"city": "Oslo"}}])))
    until(conn, "conversation.item.done")
    conn.response.create(response={"tools": [WEATHER], "tool_choice": "auto", "output_modalities": ["text"]})
    events = until(conn)
    call = next(e for e in events if e.type == "response.function_call_arguments.done")
    assert call.name == "get_weather" and json.loads(call.arguments) == {"city": "Oslo"}
    conn.conversation.item.create(item={"type": "function_call_output", "call_id": call.call_id, "output": "cold"})
    until(conn, "conversation.item.done")
    conn.response.create(response={"max_output_tokens": 2})
    events = until(conn)
    response = events[-2].response
    assert response.status == "incomplete" and response.status_details.reason == "max_output_tokens"
    assert "".join(e.delta for e in events if e.type == "response.output_text.delta") == "Tool outputs: "


def test_cancel_and_item_edits(conn) -> None:
    conn.conversation.item.create(item=user_item(script(text="a b c d e f", delay=0.2)))
    until(conn, "conversation.item.done")
    conn.response.create()
    first = until(conn, "response.output_text.delta")
    conn.response.cancel(response_id=first[0].response.id)
    events = until(conn)
    assert events[-2].response.status == "cancelled"
    assert events[-2].response.status_details.reason == "client_cancelled"
    assert [e.type for e in events[-5:-2]] == ["response.content_part.done", "response.output_item.done",
                                               "conversation.item.done"]
    item_id = events[-2].response.output[0].id
    conn.conversation.item.retrieve(item_id=item_id)
    retrieved = conn.recv()
    assert retrieved.type == "conversation.item.retrieved" and retrieved.item.status == "incomplete"
    conn.conversation.item.delete(item_id=item_id)
    assert conn.recv().type == "conversation.item.deleted"


def test_ga_opening_events_follow_openai_order(rt_server) -> None:
    """``session.created`` first ("the first server event"), then ``conversation.created`` ("emitted right
    after session creation"), both in the GA SDK's server-event union; then nothing until the client speaks."""
    from openai.types.realtime import ConversationCreatedEvent, SessionCreatedEvent

    client = OpenAI(base_url=rt_server.base_url, api_key=KEY)
    with client.realtime.connect(model="gpt-realtime") as conn:
        created, conversation = conn.recv(), conn.recv()
        assert isinstance(created, SessionCreatedEvent) and isinstance(conversation, ConversationCreatedEvent)
        assert conversation.conversation.id.startswith("conv_")
        assert conversation.conversation.object == "realtime.conversation"
        conn.send({"type": "input_audio_buffer.clear", "event_id": "first"})
        assert conn.recv().type == "input_audio_buffer.cleared"
        conn.conversation.item.create(item=user_item(script(text="hello")))
        until(conn, "conversation.item.done")
        conn.response.create()
        response = conn.recv()
        assert response.type == "response.created"
        assert response.response.conversation_id == conversation.conversation.id
