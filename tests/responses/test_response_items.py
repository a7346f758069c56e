"""The item codec: input items are checked (400s naming their param), stored as rows (messages in the
Assistants shape, so threads read them), shown again as the official SDK's item models validate them,
and read by the model as chat messages."""

from __future__ import annotations

from typing import Any

import pytest
from openai.types.conversations import ConversationItem
from openai.types.responses import ResponseItem
from pydantic import TypeAdapter

from openbeta.server.errors import InvalidRequest
from openbeta.server.runs.citations import annotations
from openbeta.server.runs.items import call_item, items_to_chat
from openbeta.server.services.items import check_call_outputs, normalize_input, stored_from_input, wire_item
from openbeta.types.message import Message as AssistantsMessage
from openbeta.types.responses import Item

SDK_ITEM = TypeAdapter(ResponseItem)
SDK_CONVERSATION_ITEM = TypeAdapter(ConversationItem)
OUR_ITEM = TypeAdapter(Item)
THREAD = "thread_abc"


def shown(item: dict[str, Any], include: tuple[str, ...] = ()) -> dict[str, Any]:
    """An input item stored and shown again, checked against the SDK's models and ours."""
    wire = wire_item(stored_from_input(item, THREAD), include)
    SDK_ITEM.validate_python(wire)
    SDK_CONVERSATION_ITEM.validate_python(wire)
    OUR_ITEM.validate_python(wire)
    return wire


def refused(value: Any) -> InvalidRequest:
    with pytest.raises(InvalidRequest) as caught:
        normalize_input(value)
    return caught.value


# ---------------------------------------------------------------- input

def test_a_string_is_one_user_message():
    assert normalize_input("Hi") == [{"type": "message", "role": "user",
                                      "content": [{"type": "input_text", "text": "Hi"}]}]


def test_easy_messages_take_parts_by_role():
    items = normalize_input([{"role": "developer", "content": "Be terse."},
                             {"role": "assistant", "content": "Earlier answer."},
                             {"type": "message", "role": "user", "content": [
                                 {"type": "input_text", "text": "Look:"},
                                 {"type": "input_image", "image_url": "https://example.com/a.png"}]}])
    assert [i["content"][0]["type"] for i in items] == ["input_text", "output_text", "input_text"]
    assert items[1]["content"][0] == {"type": "output_text", "text": "Earlier answer.", "annotations": [],
                                      "logprobs": []}
    assert items[2]["content"][1]["detail"] == "auto"


@pytest.mark.parametrize(("value", "param", "code"), [
    ([{"type": "computer_call", "id": "x"}], "input[0].type", "invalid_value"),
    (["text"], "input[0]", "invalid_type"),
    ([{"content": "no role"}], "input[0].type", "missing_required_parameter"),
    ([{"role": "user", "content": "ok"}, {"role": "user", "content": "x", "colour": 1}],
     "input[1].colour", "unknown_parameter"),
    ([{"role": "user", "content": [{"type": "input_text", "text": 3}]}], "input[0].content[0].text", "invalid_type"),
    ([{"role": "user", "content": [{"type": "output_text", "text": "x"}]}], "input[0].content[0].type",
     "invalid_value"),
    ([{"role": "assistant", "content": [{"type": "input_text", "text": "x"}]}], "input[0].content[0].type",
     "invalid_value"),
    ([{"role": "user", "content": [{"type": "input_image"}]}], "input[0].content[0].image_url",
     "missing_required_parameter"),
    ([{"role": "user", "content": [{"type": "input_file", "file_url": "https://example.com/a.pdf"}]}],
     "input[0].content[0].file_url", "unsupported_parameter"),
    ([{"role": "user", "content": [{"type": "input_file", "file_data": "data:application/pdf;base64,AA==",
                                    "filename": "a.pdf"}]}], "input[0].content[0].file_data", "unsupported_parameter"),
    ([{"role": "critic", "content": "x"}], "input[0].role", "invalid_value"),
    ([{"type": "function_call_output", "output": "x"}], "input[0].call_id", "missing_required_parameter"),
])
def test_bad_items_are_refused_naming_their_param(value, param, code):
    error = refused(value)
    assert (error.param, error.code, error.status_code) == (param, code, 400)


def test_outputs_must_answer_a_call():
    items = normalize_input([{"type": "function_call", "call_id": "call_1", "name": "f", "arguments": "{}"},
                             {"type": "function_call_output", "call_id": "call_1", "output": "1"},
                             {"type": "function_call_output", "call_id": "call_0", "output": "0"}])
    check_call_outputs(items, {"call_0"})
    with pytest.raises(InvalidRequest) as caught:
        check_call_outputs(items, set())
    assert caught.value.param == "input[2].call_id" and "call_0" in caught.value.message


# ---------------------------------------------------------------- stored and shown again

def test_a_user_message_is_an_assistants_message_and_comes_back_alike():
    item = normalize_input([{"role": "user", "content": [
        {"type": "input_text", "text": "What is this?"},
        {"type": "input_image", "image_url": "data:image/png;base64,iVBORw0KGgo=", "detail": "low"},
        {"type": "input_image", "file_id": "file-img"}]}])[0]
    stored = stored_from_input(item, THREAD)
    assert "_content" not in stored  # the blocks give the parts back exactly
    AssistantsMessage.model_validate(stored)
    assert [b["type"] for b in stored["content"]] == ["text", "image_url", "image_file"]
    wire = shown(item)
    assert wire["content"] == [{"type": "input_text", "text": "What is this?"},
                               {"type": "input_image", "image_url": "data:image/png;base64,iVBORw0KGgo=",
                                "file_id": None, "detail": "low"},
                               {"type": "input_image", "image_url": None, "file_id": "file-img", "detail": "auto"}]
    assert wire["id"].startswith("msg_") and wire["role"] == "user" and wire["status"] == "completed"


def test_parts_the_blocks_cannot_hold_are_kept():
    item = normalize_input([{"role": "user", "content": [{"type": "input_text", "text": "Summarize"},
                                                         {"type": "input_file", "file_id": "file-pdf",
                                                          "filename": "a.pdf"}]}])[0]
    stored = stored_from_input(item, THREAD)
    assert stored["content"] == [{"type": "text", "text": {"value": "Summarize", "annotations": []}}]
    assert shown(item)["content"][1] == {"type": "input_file", "file_id": "file-pdf", "filename": "a.pdf"}
    replay = normalize_input([{"type": "message", "id": "msg_old", "role": "assistant", "status": "completed",
                               "content": [{"type": "output_text", "text": "See it.", "logprobs": [],
                                            "annotations": [{"type": "file_citation", "file_id": "file-a",
                                                             "filename": "a.txt", "index": 6}]}]}])[0]
    wire = shown(replay)
    assert wire["content"][0]["annotations"] == [{"type": "file_citation", "file_id": "file-a", "filename": "a.txt",
                                                  "index": 6}]
    assert wire["id"] != "msg_old"  # a sent-back item is a new row


def test_calls_and_outputs_get_new_ids_of_their_type():
    items = normalize_input([
        {"type": "function_call", "id": "fc_old", "call_id": "call_9", "name": "f", "arguments": '{"a":1}',
         "status": "completed"},
        {"type": "function_call_output", "call_id": "call_9", "output": "42"},
        {"type": "function_call_output", "call_id": "call_9", "output": [{"type": "input_text", "text": "4"},
                                                                         {"type": "input_text", "text": "2"}]},
        {"type": "reasoning", "id": "rs_1", "summary": []}])
    call, output, parts, reasoning = (shown(i) for i in items)
    assert call["id"].startswith("fc_") and call["id"] != "fc_old"
    assert (call["call_id"], call["name"], call["arguments"], call["status"]) == ("call_9", "f", '{"a":1}', "completed")
    assert output["id"].startswith("fco_") and output["output"] == "42" and output["status"] == "completed"
    assert parts["output"][1] == {"type": "input_text", "text": "2"}
    assert reasoning["id"].startswith("rs_") and reasoning["summary"] == []


def test_an_answer_the_engine_stored_shows_its_citations_as_responses_does():
    text = "It is on Thursday【0:0†notes.txt】, in room 4【0:1†rooms.md】."
    known = {(0, 0): "file-a", (0, 1): "file-b"}
    body = {"id": "msg_1", "object": "thread.message", "created_at": 1, "thread_id": THREAD, "status": "completed",
            "role": "assistant", "run_id": "resp_1", "assistant_id": None, "attachments": [], "metadata": {},
            "content": [{"type": "image_file", "image_file": {"file_id": "file-png"}},
                        {"type": "text", "text": {"value": text, "annotations": annotations(text, known)}}]}
    wire = wire_item(body)
    SDK_ITEM.validate_python(wire)
    assert wire["content"] == [{"type": "output_text", "text": "It is on Thursday, in room 4.", "logprobs": [],
                                "annotations": [
                                    {"type": "file_citation", "file_id": "file-a", "filename": "notes.txt",
                                     "index": len("It is on Thursday")},
                                    {"type": "file_citation", "file_id": "file-b", "filename": "rooms.md",
                                     "index": len("It is on Thursday, in room 4")}]}]


def test_an_assistants_message_with_attachments_shows_them_as_files():
    body = {"id": "msg_2", "object": "thread.message", "created_at": 1, "thread_id": THREAD, "status": "completed",
            "role": "user", "content": [{"type": "text", "text": {"value": "See attached", "annotations": []}}],
            "attachments": [{"file_id": "file-x", "tools": [{"type": "file_search"}]}], "metadata": {}}
    wire = wire_item(body)
    SDK_CONVERSATION_ITEM.validate_python(wire)
    assert wire["content"] == [{"type": "input_text", "text": "See attached"},
                               {"type": "input_file", "file_id": "file-x", "filename": None}]


def test_file_search_results_show_only_when_included():
    record = {"id": "call_fs1", "type": "file_search", "_queries": ["review"],
              "file_search": {"ranking_options": {}, "results": [
                  {"file_id": "file-a", "file_name": "a.txt", "score": 0.5, "content": [{"type": "text", "text": "T"}]}]}}
    stored = call_item(record, "completed")
    assert stored["id"] == "fs_fs1" and stored["_record"] is record
    hidden = wire_item(stored)
    assert hidden["results"] is None and "_record" not in hidden and hidden["queries"] == ["review"]
    included = wire_item(stored, ("file_search_call.results",))
    SDK_ITEM.validate_python(included)
    assert included["results"] == [{"file_id": "file-a", "filename": "a.txt", "score": 0.5, "text": "T",
                                    "attributes": {}}]


# ---------------------------------------------------------------- the model's view

def stored(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [stored_from_input(i, THREAD) for i in normalize_input(items)]


def test_items_become_chat_messages_in_order():
    rows = stored([
        {"role": "developer", "content": "Be terse."},
        {"role": "user", "content": "Weather in Paris and Oslo?"},
        {"type": "function_call", "call_id": "call_a", "name": "weather", "arguments": '{"city": "Paris"}'},
        {"type": "function_call", "call_id": "call_b", "name": "weather", "arguments": '{"city": "Oslo"}'},
        {"type": "function_call_output", "call_id": "call_b", "output": "cold"},
        {"type": "function_call_output", "call_id": "call_a", "output": "mild"},
        {"role": "assistant", "content": "Paris is mild, Oslo cold."},
        {"type": "reasoning", "id": "rs_x", "summary": []},
        {"role": "user", "content": [{"type": "input_text", "text": "And this?"},
                                     {"type": "input_image", "image_url": "https://example.com/x.png"},
                                     {"type": "input_file", "file_id": "file-doc", "filename": "doc.pdf"}]},
    ])
    assert items_to_chat(rows, lambda record: None) == [
        {"role": "system", "content": "Be terse."},
        {"role": "user", "content": "Weather in Paris and Oslo?"},
        {"role": "assistant", "content": None, "tool_calls": [
            {"id": "call_a", "type": "function", "function": {"name": "weather", "arguments": '{"city": "Paris"}'}},
            {"id": "call_b", "type": "function", "function": {"name": "weather", "arguments": '{"city": "Oslo"}'}}]},
        {"role": "tool", "tool_call_id": "call_a", "content": "mild"},
        {"role": "tool", "tool_call_id": "call_b", "content": "cold"},
        {"role": "assistant", "content": "Paris is mild, Oslo cold."},
        {"role": "user", "content": [
            {"type": "text", "text": "And this?"},
            {"type": "image_url", "image_url": {"url": "https://example.com/x.png", "detail": "auto"}},
            {"type": "text", "text": "[attached file: file-doc (doc.pdf)]"}]},
    ]


def test_unanswered_calls_and_orphan_outputs_are_left_out():
    rows = stored([
        {"role": "user", "content": "hi"},
        {"type": "function_call", "call_id": "call_open", "name": "f", "arguments": "{}"},
        {"type": "function_call_output", "call_id": "call_gone", "output": "?"},
        {"type": "function_call", "call_id": "call_1", "name": "g", "arguments": "{}"},
        {"role": "user", "content": "meanwhile"},
        {"type": "function_call_output", "call_id": "call_1", "output": [{"type": "input_text", "text": "done"}]},
    ])
    assert items_to_chat(rows, lambda record: None) == [
        {"role": "user", "content": "hi"},
        {"role": "assistant", "content": None, "tool_calls": [
            {"id": "call_1", "type": "function", "function": {"name": "g", "arguments": "{}"}}]},
        {"role": "tool", "tool_call_id": "call_1", "content": "done"},
        {"role": "user", "content": "meanwhile"},
    ]


def test_a_server_call_is_read_back_through_its_record():
    record = {"id": "call_s", "type": "file_search", "_queries": ["q"], "file_search": {"results": []}}
    rows = [*stored([{"role": "user", "content": "find it"}]), call_item(record, "completed")]
    replayed = items_to_chat(rows, lambda r: ("file_search", '{"queries": ["q"]}', "No results found.")
                             if r is record else None)
    assert replayed[1:] == [
        {"role": "assistant", "content": None, "tool_calls": [
            {"id": "call_s", "type": "function", "function": {"name": "file_search", "arguments": '{"queries": ["q"]}'}}]},
        {"role": "tool", "tool_call_id": "call_s", "content": "No results found."}]
