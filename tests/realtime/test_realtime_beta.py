"""The official Python SDK's beta realtime client (``client.beta.realtime.connect``) against a live server."""

from __future__ import annotations

import json
from typing import Any, Iterator

import pytest
from openai import OpenAI

from realtime_support import KEY, opening, script, until, user_item, ws_base

TEXT_ORDER = ["response.created", "response.output_item.added", "conversation.item.created",
              "response.content_part.added", "response.text.delta", "response.text.delta", "response.text.done",
              "response.content_part.done", "response.output_item.done", "response.done", "rate_limits.updated"]
WEATHER = {"type": "function", "name": "get_weather", "description": "Weather in a city",
           "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}


@pytest.fixture
def realtime_client(rt_server) -> OpenAI:
    return OpenAI(base_url=rt_server.base_url, api_key=KEY, websocket_base_url=ws_base(rt_server))


@pytest.fixture
def conn(realtime_client) -> Iterator[Any]:
    with realtime_client.beta.realtime.connect(model="gpt-realtime") as connection:
        opening(connection)
        yield connection


def add_user(conn: Any, text: str) -> Any:
    conn.conversation.item.create(item=user_item(text))
    created = conn.recv()
    assert created.type == "conversation.item.created"
    return created.item


def test_session_created_then_update_answers_the_full_session(realtime_client) -> None:
    with realtime_client.beta.realtime.connect(model="my-model") as conn:
        created = opening(conn)
        assert created.event_id.startswith("event_")
        session = created.session
        assert session.id.startswith("sess_") and session.model == "my-model"
        assert session.modalities == ["text"] and session.input_audio_format == "pcm16"
        assert session.turn_detection.type == "server_vad" and session.tool_choice == "auto"
        conn.session.update(session={"instructions": "Be brief.", "tools": [WEATHER], "temperature": 0.7,
                                     "turn_detection": None, "max_response_output_tokens": 200})
        updated = conn.recv()
        assert updated.type == "session.updated"
        assert updated.session.instructions == "Be brief." and updated.session.tools[0].name == "get_weather"
        assert updated.session.turn_detection is None and updated.session.max_response_output_tokens == 200
        assert updated.session.temperature == 0.7 and updated.session.id == session.id


def test_text_response_streams_in_openai_order(conn) -> None:
    user = add_user(conn, script(text="Hello there friend"))
    assert user.role == "user" and user.status == "completed" and user.content[0].type == "input_text"
    conn.response.create()
    events = until(conn)
    kinds = [e.type for e in events]
    assert kinds == TEXT_ORDER[:4] + ["response.text.delta"] * 3 + TEXT_ORDER[6:]
    created, added, item_created, part_added = events[:4]
    response_id = created.response.id
    assert created.response.status == "in_progress" and created.response.output == []
    assert created.response.conversation_id.startswith("conv_")
    assert added.item.type == "message" and added.item.role == "assistant" and added.item.status == "in_progress"
    assert item_created.previous_item_id == user.id and item_created.item.id == added.item.id
    assert part_added.part.type == "text" and part_added.part.text == ""
    deltas = [e for e in events if e.type == "response.text.delta"]
    assert all(d.response_id == response_id and d.item_id == added.item.id and d.output_index == 0
               and d.content_index == 0 for d in deltas)
    text = "".join(d.delta for d in deltas)
    assert text == "Hello there friend" and events[7].text == text
    assert events[8].part.text == text
    assert events[9].item.status == "completed" and events[9].item.content[0].text == text
    done = events[10].response
    assert done.status == "completed" and done.output[0].content[0].text == text
    assert done.usage.output_tokens == 3 and done.usage.total_tokens == done.usage.input_tokens + 3
    assert {r.name for r in events[11].rate_limits} == {"requests", "tokens"}


def test_function_call_round_trip(conn) -> None:
    conn.session.update(session={"tools": [WEATHER]})
    assert conn.recv().type == "session.updated"
    add_user(conn, script(tool_calls=[{"name": "get_weather", "arguments": {"city": "Paris"}}],
                          after_tools="It is sunny in Paris."))
    conn.response.create()
    events = until(conn)
    kinds = [e.type for e in events]
    assert kinds[:3] == ["response.created", "response.output_item.added", "conversation.item.created"]
    assert set(kinds[3:-4]) == {"response.function_call_arguments.delta"}
    assert kinds[-4:] == ["response.function_call_arguments.done", "response.output_item.done", "response.done",
                          "rate_limits.updated"]
    call = events[1].item
    assert call.type == "function_call" and call.name == "get_weather" and call.call_id
    done_args = events[-4]
    assert done_args.call_id == call.call_id and done_args.name == "get_weather"
    assert json.loads(done_args.arguments) == {"city": "Paris"}
    assert "".join(e.delta for e in events if e.type == "response.function_call_arguments.delta") == \
        done_args.arguments
    assert events[-2].response.output[0].arguments == done_args.arguments
    conn.conversation.item.create(item={"type": "function_call_output", "call_id": call.call_id,
                                        "output": json.dumps({"sky": "sunny"})})
    output = conn.recv()
    assert output.type == "conversation.item.created" and output.previous_item_id == call.id
    assert output.item.type == "function_call_output" and output.item.call_id == call.call_id
    conn.response.create()
    second = until(conn)
    text = "".join(e.delta for e in second if e.type == "response.text.delta")
    assert text == "It is sunny in Paris."
    assert second[-2].response.status == "completed"


def test_cancel_stops_the_response_and_closes_its_parts(conn) -> None:
    add_user(conn, script(text="one two three four five six seven eight", delay=0.2))
    conn.response.create()
    events = []
    while not events or events[-1].type != "response.text.delta":
        events.append(conn.recv())
    conn.response.create(event_id="second")
    conflict = conn.recv()
    assert conflict.type == "error" and conflict.error.code == "conversation_already_has_active_response"
    assert conflict.error.event_id == "second" and events[0].response.id in conflict.error.message
    conn.response.cancel()
    events += until(conn)
    kinds = [e.type for e in events]
    assert kinds[-5:] == ["response.text.done", "response.content_part.done", "response.output_item.done",
                          "response.done", "rate_limits.updated"]
    done = events[-2].response
    assert done.status == "cancelled" and done.status_details.type == "cancelled"
    assert done.status_details.reason == "client_cancelled"
    assert done.output[0].status == "incomplete" and len(kinds) < 20  # not all eight words
    conn.response.cancel(event_id="again")
    error = conn.recv()
    assert error.type == "error" and error.error.code == "response_cancel_not_active"
    assert error.error.event_id == "again" and error.error.type == "invalid_request_error"


def test_items_retrieve_delete_and_truncate(conn) -> None:
    first = add_user(conn, "first")
    conn.conversation.item.create(item=user_item("zeroth"), previous_item_id="root")
    zeroth = conn.recv()
    assert zeroth.previous_item_id is None
    conn.conversation.item.create(item={"id": "item_mine", "type": "message", "role": "system",
                                        "content": [{"type": "input_text", "text": "between"}]},
                                  previous_item_id=zeroth.item.id)
    between = conn.recv()
    assert between.item.id == "item_mine" and between.previous_item_id == zeroth.item.id
    conn.conversation.item.retrieve(item_id=first.id)
    retrieved = conn.recv()
    assert retrieved.type == "conversation.item.retrieved" and retrieved.item.content[0].text == "first"
    conn.conversation.item.delete(item_id=first.id)
    deleted = conn.recv()
    assert deleted.type == "conversation.item.deleted" and deleted.item_id == first.id
    conn.conversation.item.retrieve(item_id=first.id, event_id="ev-gone")
    gone = conn.recv()
    assert gone.type == "error" and gone.error.event_id == "ev-gone" and gone.error.param == "item_id"
    conn.conversation.item.delete(item_id="item_nope")
    assert conn.recv().error.code == "item_not_found"
    # Only audio can be truncated; a text item is refused (audio truncation: test_realtime_voice_hooks.py).
    conn.conversation.item.truncate(item_id="item_mine", content_index=0, audio_end_ms=100)
    refused = conn.recv()
    assert refused.type == "error" and refused.error.param == "content_index"
    # The context the model sees follows the edits: zeroth, between (system), then the new message.
    add_user(conn, script(reveal=True))
    conn.response.create()
    events = until(conn)
    seen = json.loads("".join(e.delta for e in events if e.type == "response.text.delta"))
    assert [m["content"] for m in seen["messages"][:2]] == ["zeroth", "between"]
    assert [m["role"] for m in seen["messages"]] == ["user", "system", "user"]


def test_out_of_band_response_with_its_own_settings(conn) -> None:
    before = add_user(conn, "in the conversation")
    conn.response.create(response={
        "conversation": "none", "modalities": ["text"], "metadata": {"topic": "side"},
        "instructions": script(reveal=True), "temperature": 0.6, "max_response_output_tokens": 4000,
        "tools": [WEATHER], "tool_choice": "none",
        "input": [{"type": "item_reference", "id": before.id},
                  user_item("only for this response")]})
    events = until(conn)
    kinds = [e.type for e in events]
    assert "conversation.item.created" not in kinds
    done = events[-2].response
    assert done.conversation_id is None and done.metadata == {"topic": "side"} and done.status == "completed"
    seen = json.loads(done.output[0].content[0].text)
    assert seen["temperature"] == 0.6 and seen["max_tokens"] == 4000 and seen["tools"] == ["get_weather"]
    assert seen["tool_choice"] == "none"
    assert [m["content"] for m in seen["messages"][1:]] == ["in the conversation", "only for this response"]
    conn.conversation.item.retrieve(item_id=done.output[0].id)
    assert conn.recv().type == "error"  # out-of-band output is not in the conversation


def test_max_response_output_tokens_makes_the_response_incomplete(conn) -> None:
    add_user(conn, script(text="one two three four five"))
    conn.response.create(response={"max_response_output_tokens": 2})
    events = until(conn)
    done = events[-2].response
    assert done.status == "incomplete" and done.status_details.reason == "max_output_tokens"
    assert done.output[0].content[0].text == "one two "


def test_errors_echo_the_event_and_the_session_goes_on(conn) -> None:
    conn.send({"type": "nonsense.event", "event_id": "e1"})
    unknown = conn.recv()
    assert unknown.error.code == "invalid_value" and unknown.error.param == "type" and unknown.error.event_id == "e1"
    conn.send({"type": "conversation.item.retrieve", "event_id": "e2"})
    missing = conn.recv()
    assert missing.error.code == "missing_required_parameter" and missing.error.param == "item_id"
    conn.session.update(session={"voice": 7}, event_id="e3")
    typed = conn.recv()
    assert typed.error.code == "invalid_type" and typed.error.param == "session.voice"
    conn.session.update(session={"input_audio_format": "mp3"}, event_id="e4")
    fmt = conn.recv()
    assert fmt.error.param == "session.input_audio_format" and fmt.error.event_id == "e4"
    conn.session.update(session={"modalities": ["text", "audio"]}, event_id="e5")
    no_voice = conn.recv()
    assert no_voice.error.code == "audio_unavailable" and "openbeta[voice]" in no_voice.error.message
    conn.input_audio_buffer.append(audio="AAAA", event_id="e6")
    assert conn.recv().error.code == "audio_unavailable"
    conn.input_audio_buffer.commit(event_id="e7")
    assert conn.recv().error.event_id == "e7"
    conn.input_audio_buffer.clear()
    assert conn.recv().type == "input_audio_buffer.cleared"
    conn.output_audio_buffer.clear(event_id="e8")
    assert conn.recv().error.event_id == "e8"
    conn.conversation.item.create(item={"type": "function_call_output", "call_id": "call_nope", "output": "x"})
    assert conn.recv().error.param == "item.call_id"
    conn.transcription_session.update(session={"input_audio_format": "pcm16"}, event_id="e9")
    assert conn.recv().error.event_id == "e9"
    conn.response.create(response={"modalities": ["audio", "text"]}, event_id="e10")
    assert conn.recv().error.param == "response.modalities"
    add_user(conn, script(text="still here"))
    conn.response.create()
    events = until(conn)
    assert events[-2].response.status == "completed"


def test_conversation_created_follows_session_created_and_names_the_conversation(realtime_client) -> None:
    from openai.types.beta.realtime import ConversationCreatedEvent

    with realtime_client.beta.realtime.connect(model="gpt-realtime") as conn:
        kinds = [conn.recv(), conn.recv()]
        assert [e.type for e in kinds] == ["session.created", "conversation.created"]
        conversation = kinds[1]
        assert isinstance(conversation, ConversationCreatedEvent)
        assert conversation.event_id.startswith("event_") and conversation.event_id != kinds[0].event_id
        assert conversation.conversation.object == "realtime.conversation"
        add_user(conn, script(text="in the conversation"))
        conn.response.create()
        created = conn.recv()
        assert created.type == "response.created"
        assert created.response.conversation_id == conversation.conversation.id


def test_a_transcription_session_has_no_conversation(realtime_client) -> None:
    with realtime_client.beta.realtime.connect(model="gpt-realtime", extra_query={"intent": "transcription"}) as conn:
        created = conn.recv_bytes()
        assert json.loads(created)["type"] == "transcription_session.created"
        conn.send({"type": "input_audio_buffer.clear"})
        assert conn.recv().type == "input_audio_buffer.cleared"  # the next event answers the client's
