"""The event translator: run events, as the engine publishes them, become Responses stream events that
the official SDK's models validate and its stream accumulator (``ResponseStreamState``) accepts.

The run events are built with the engine's own pieces (its run, step and message bodies, and its
citation stream, which cuts the text the model streams), in the orders the engine publishes them.
"""

from __future__ import annotations

import copy
import json
from typing import Any, Optional, get_args

import pytest
from openai import omit
from openai.lib.streaming.responses._responses import ResponseStreamState
from openai.types.responses import ResponseStreamEvent
from pydantic import TypeAdapter

from openbeta.server.ids import new_id, now
from openbeta.server.responses.translate import END, ResponseTranslator
from openbeta.server.runs.citations import CitationStream, annotations
from openbeta.server.runs.records import assistant_message_body, step_body
from openbeta.types.response_events import ResponseStreamEvent as OurStreamEvent

SDK_EVENT = TypeAdapter(ResponseStreamEvent)
OUR_EVENT = TypeAdapter(OurStreamEvent)
#: The SDK's event model of each type (its union reports a failure against every member; this names one).
SDK_MODELS = {get_args(m.model_fields["type"].annotation)[0]: m
              for m in get_args(get_args(ResponseStreamEvent)[0])}


def sdk_event(event: dict[str, Any]) -> Any:
    """``event`` as the official SDK's model of its type (validated)."""
    SDK_MODELS[event["type"]].model_validate(event)
    return SDK_EVENT.validate_python(event)


def response_run(**asked: Any) -> dict[str, Any]:
    """A response's run body as the engine holds it (``_response``: the Responses-only request fields)."""
    return {"id": new_id("resp_"), "object": "thread.run", "created_at": now(), "thread_id": new_id("thread_"),
            "assistant_id": None, "status": "queued", "model": "scripted-model", "instructions": "Be brief.",
            "tools": [], "metadata": {}, "usage": None, "temperature": None, "top_p": None,
            "parallel_tool_calls": True, "last_error": None, "completed_at": None,
            "_response": {"tools": asked.pop("tools", []), "background": asked.pop("background", False), **asked}}


class Engine:
    """Publishes run events the way the engine's ``Turn`` and ``RunEngine`` do, for one run."""

    def __init__(self, run: dict[str, Any], known: Optional[dict[tuple[int, int], str]] = None) -> None:
        self.run = run
        self.events: list[tuple[str, Any]] = []
        self.known = known or {}
        self.tool_step: Optional[dict[str, Any]] = None
        self.records: list[dict[str, Any]] = []

    def emit(self, event: str, data: Any) -> None:
        self.events.append((event, copy.deepcopy(data)))

    def prelude(self, *, started: bool = True) -> None:
        self.emit("thread.run.created", self.run)
        self.emit("thread.run.queued", self.run)
        if started:
            self.start()

    def start(self) -> None:
        self.run["status"] = "in_progress"
        self.emit("thread.run.in_progress", self.run)

    def message(self, fragments: list[str], *, incomplete: bool = False, end: bool = True) -> dict[str, Any]:
        """A message step: created, its text through the citation stream, completed (or incomplete)."""
        message = assistant_message_body(self.run)
        step = step_body(self.run, {"type": "message_creation", "message_creation": {"message_id": message["id"]}})
        self.emit("thread.run.step.created", step)
        self.emit("thread.run.step.in_progress", step)
        self.emit("thread.message.created", message)
        self.emit("thread.message.in_progress", message)
        cites = CitationStream(self.known)
        text = ""

        def delta(piece: str, notes: list[dict[str, Any]]) -> None:
            body: dict[str, Any] = {"value": piece}
            if notes or cites.sent == len(piece):
                body["annotations"] = notes
            self.emit("thread.message.delta", {"id": message["id"], "object": "thread.message.delta",
                                               "delta": {"content": [{"index": 0, "type": "text", "text": body}]}})

        for fragment in fragments:
            text += fragment
            for piece, notes in cites.feed(fragment):
                delta(piece, notes)
        if not end:
            message["content"] = [{"type": "text", "text": {"value": text, "annotations": []}}]
            return message
        for piece, notes in cites.flush():
            delta(piece, notes)
        message["content"] = [{"type": "text", "text": {"value": text, "annotations": annotations(text, self.known)}}]
        message["status"] = "incomplete" if incomplete else "completed"
        self.emit("thread.message.incomplete" if incomplete else "thread.message.completed", message)
        step["status"] = "completed"
        self.emit("thread.run.step.completed", step)
        return message

    def tool_call(self, index: int, kind: str, name: str = "", arguments: list[str] = ()) -> str:
        """A call's first delta (and its argument deltas, for a function), opening the tool step."""
        if self.tool_step is None:
            self.tool_step = step_body(self.run, {"type": "tool_calls", "tool_calls": []})
            self.emit("thread.run.step.created", self.tool_step)
            self.emit("thread.run.step.in_progress", self.tool_step)
        call_id = new_id("call_")
        if kind == "function":
            first = {"index": index, "id": call_id, "type": "function",
                     "function": {"name": name, "arguments": "", "output": None}}
        else:
            first = {"index": index, "id": call_id, "type": kind, kind: {}}
        self.step_delta(first)
        for fragment in arguments:
            self.step_delta({"index": index, "type": "function", "function": {"arguments": fragment}})
        record = {"id": call_id, "type": kind}
        record[kind] = {"name": name, "arguments": "".join(arguments), "output": None} if kind == "function" else {}
        self.records.append(record)
        return call_id

    def step_delta(self, tool_call: dict[str, Any]) -> None:
        assert self.tool_step is not None
        self.emit("thread.run.step.delta", {"id": self.tool_step["id"], "object": "thread.run.step.delta",
                                            "delta": {"step_details": {"type": "tool_calls",
                                                                       "tool_calls": [tool_call]}}})

    def search(self, index: int, queries: list[str], results: list[dict[str, Any]]) -> None:
        """A file_search call runs: it begins (``openbeta.call.started``), then its result delta."""
        record = self.records[index]
        arguments = json.dumps({"queries": queries})
        self.emit("openbeta.call.started", {"step_id": self.tool_step["id"], "index": index,
                                            "call": {"id": record["id"], "type": "file_search",
                                                     "arguments": arguments}})
        record.update({"_marker_group": 0, "_queries": queries,
                       "file_search": {"ranking_options": {"ranker": "default_2024_08_21", "score_threshold": 0.0},
                                       "results": results}})
        self.step_delta({"index": index, "type": "file_search", "file_search": record["file_search"]})

    def end_tools(self, status: str = "completed") -> None:
        assert self.tool_step is not None
        self.tool_step["status"] = status
        self.tool_step["step_details"] = {"type": "tool_calls", "tool_calls": self.records}
        self.emit(f"thread.run.step.{status}", self.tool_step)
        self.tool_step, self.records = None, []

    def end(self, status: str, **changes: Any) -> None:
        self.run.update(status=status, usage={"prompt_tokens": 12, "completion_tokens": 5, "total_tokens": 17},
                        **changes)
        if status == "completed":
            self.run["completed_at"] = now()
        self.emit(f"thread.run.{status}", self.run)


def translate(engine: Engine, translator: Optional[ResponseTranslator] = None) -> list[dict[str, Any]]:
    translator = translator or ResponseTranslator(
        background=engine.run["_response"]["background"], include=engine.run["_response"].get("include") or ())
    out: list[dict[str, Any]] = []
    for event, data in engine.events:
        out.extend(translator.feed(event, data))
    return out


def sent(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The events a stream sends (the server's own are not)."""
    return [e for e in events if not e["type"].startswith("openbeta.")]


def accumulate(events: list[dict[str, Any]]) -> tuple[ResponseStreamState, list[Any]]:
    """Every event through the official SDK's models and stream accumulator (which raises on a stream
    it cannot follow), and through openbeta's own event models."""
    state: ResponseStreamState = ResponseStreamState(input_tools=omit, text_format=omit)
    handled = []
    for event in events:
        OUR_EVENT.validate_python(event)
        handled.extend(state.handle_event(sdk_event(event)))
    return state, handled


def check_numbering(events: list[dict[str, Any]]) -> None:
    assert [e["sequence_number"] for e in events] == list(range(len(events)))
    added = [e["output_index"] for e in events if e["type"] == "response.output_item.added"]
    assert added == list(range(len(added)))  # contiguous, in announce order
    done = {e["output_index"] for e in events if e["type"] == "response.output_item.done"}
    assert done == set(added)  # every item announced is done


def types(events: list[dict[str, Any]]) -> list[str]:
    return [e["type"] for e in events]


def final(handled: list[Any]) -> Any:
    assert handled[-1].type == "response.completed"
    return handled[-1].response


# ---------------------------------------------------------------- a text answer

def test_text_answer_is_a_stream_the_sdk_accumulates():
    engine = Engine(response_run())
    engine.prelude()
    engine.message(["Hello", ", wor", "ld!"])
    engine.end("completed")
    events = translate(engine)
    check_numbering(events)
    assert types(events) == [
        "response.created", "response.in_progress", "response.output_item.added", "response.content_part.added",
        "response.output_text.delta", "response.output_text.delta", "response.output_text.delta",
        "response.output_text.done", "response.content_part.done", "response.output_item.done",
        "response.completed"]
    state, handled = accumulate(events)
    response = final(handled)
    assert response.output_text == "Hello, world!"
    assert response.status == "completed" and response.id == engine.run["id"]
    assert events[0]["response"]["status"] == "in_progress" and events[0]["response"]["output"] == []
    assert response.usage.input_tokens == 12 and response.usage.output_tokens == 5
    assert response.usage.total_tokens == 17 and response.usage.input_tokens_details.cached_tokens == 0
    message = response.output[0]
    assert message.type == "message" and message.status == "completed" and message.id.startswith("msg_")
    assert [d.snapshot for d in handled if d.type == "response.output_text.delta"] == [
        "Hello", "Hello, wor", "Hello, world!"]


def test_citations_are_cut_out_and_announced_where_they_stood():
    known = {(0, 0): "file-abc", (0, 1): "file-def"}
    engine = Engine(response_run(), known)
    engine.prelude()
    stored = engine.message(["The review is on Thurs", "day【0:", "0†notes.txt】 in room ", "Lindbergh【0:1†rooms.md】."])
    engine.end("completed")
    events = translate(engine)
    check_numbering(events)
    _, handled = accumulate(events)
    response = final(handled)
    text = "The review is on Thursday in room Lindbergh."
    deltas = "".join(e["delta"] for e in events if e["type"] == "response.output_text.delta")
    done = next(e for e in events if e["type"] == "response.output_text.done")
    assert deltas == done["text"] == response.output_text == text
    added = [e for e in events if e["type"] == "response.output_text.annotation.added"]
    assert [(a["annotation_index"], a["annotation"]) for a in added] == [
        (0, {"type": "file_citation", "file_id": "file-abc", "filename": "notes.txt", "index": len("The review is on Thursday")}),
        (1, {"type": "file_citation", "file_id": "file-def", "filename": "rooms.md",
             "index": len("The review is on Thursday in room Lindbergh")})]
    # the stream's annotations are those of the stored message, as a retrieve shows them
    assert done["text"] == text and "【" in stored["content"][0]["text"]["value"]
    assert [a.model_dump() for a in response.output[0].content[0].annotations] == [a["annotation"] for a in added]


def test_a_marker_of_no_known_result_stays_text():
    engine = Engine(response_run(), {(0, 0): "file-abc"})
    engine.prelude()
    engine.message(["See 【3:9†ghost.txt】 and 【0:0†a.txt】"])
    engine.end("completed")
    _, handled = accumulate(translate(engine))
    response = final(handled)
    assert response.output_text == "See 【3:9†ghost.txt】 and "
    assert [a.file_id for a in response.output[0].content[0].annotations] == ["file-abc"]


# ---------------------------------------------------------------- function calls

def test_function_calls_after_text_end_the_response_with_their_arguments():
    weather = {"type": "function", "name": "get_weather", "description": None, "strict": True,
               "parameters": {"type": "object", "properties": {"city": {"type": "string"}}}}
    engine = Engine(response_run(tools=[weather]))
    engine.prelude()
    engine.message(["Let me check."])
    first = engine.tool_call(0, "function", "get_weather", ['{"city":', ' "Paris"}'])
    second = engine.tool_call(1, "function", "get_weather", ['{"city": "Oslo"}'])
    engine.end_tools()
    engine.end("completed")
    events = translate(engine)
    check_numbering(events)
    _, handled = accumulate(events)
    response = final(handled)
    calls = response.output[1:]
    assert [(c.type, c.call_id, c.name, c.arguments, c.status) for c in calls] == [
        ("function_call", first, "get_weather", '{"city": "Paris"}', "completed"),
        ("function_call", second, "get_weather", '{"city": "Oslo"}', "completed")]
    assert [c.id for c in calls] == ["fc_" + first[len("call_"):], "fc_" + second[len("call_"):]]
    assert response.output_text == "Let me check."
    snapshots = [e.snapshot for e in handled if e.type == "response.function_call_arguments.delta"]
    assert snapshots == ['{"city":', '{"city": "Paris"}', '{"city": "Oslo"}']
    per_call = [types([e for e in events if e.get("item_id") == calls[0].id or e.get("item", {}).get("id") == calls[0].id])]
    assert per_call == [["response.output_item.added", "response.function_call_arguments.delta",
                         "response.function_call_arguments.delta", "response.function_call_arguments.done",
                         "response.output_item.done"]]
    assert response.tools[0].name == "get_weather"


def test_a_call_is_announced_once_its_name_is_known():
    engine = Engine(response_run())
    engine.prelude()
    call = engine.tool_call(0, "function", "", ['{"x"', ': 1}'])
    engine.records[0]["function"]["name"] = "late_name"  # the step records the name the model gave last
    engine.end_tools()
    engine.end("completed")
    events = translate(engine)
    check_numbering(events)
    _, handled = accumulate(events)
    item = final(handled).output[0]
    assert (item.name, item.arguments, item.call_id) == ("late_name", '{"x": 1}', call)
    added = next(e for e in events if e["type"] == "response.output_item.added")
    assert added["item"]["name"] == "late_name"


# ---------------------------------------------------------------- file_search

RESULTS = [{"file_id": "file-abc", "file_name": "notes.txt", "score": 0.82,
            "content": [{"type": "text", "text": "The quarterly review moved to Thursday."}]}]


@pytest.mark.parametrize("include", [False, True])
def test_file_search_call_then_a_cited_answer(include):
    engine = Engine(response_run(include=["file_search_call.results"] if include else []), {(0, 0): "file-abc"})
    engine.prelude()
    engine.tool_call(0, "file_search")
    engine.search(0, ["quarterly review"], RESULTS)
    engine.end_tools()
    engine.message(["It is on Thursday【0:0†notes.txt】."])
    engine.end("completed")
    events = translate(engine)
    check_numbering(events)
    search = [e["type"] for e in events if e.get("output_index") == 0]
    assert search == ["response.output_item.added", "response.file_search_call.in_progress",
                      "response.file_search_call.searching", "response.file_search_call.completed",
                      "response.output_item.done"]
    _, handled = accumulate(events)
    response = final(handled)
    call, message = response.output
    assert call.type == "file_search_call" and call.status == "completed" and call.queries == ["quarterly review"]
    assert call.id.startswith("fs_")
    if include:
        assert [(r.file_id, r.filename, r.score, r.text) for r in call.results] == [
            ("file-abc", "notes.txt", 0.82, "The quarterly review moved to Thursday.")]
    else:
        assert call.results is None
    assert message.content[0].text == "It is on Thursday."
    assert message.content[0].annotations[0].filename == "notes.txt"


# ---------------------------------------------------------------- endings other than completed

def test_failure_closes_the_open_message_and_fails_the_response():
    engine = Engine(response_run())
    engine.prelude()
    message = engine.message(["Half an ans"], end=False)
    message.update(status="incomplete", incomplete_details={"reason": "run_failed"})
    engine.emit("thread.message.incomplete", message)
    engine.end("failed", last_error={"code": "server_error", "message": "The model provider is not available."})
    events = translate(engine)
    check_numbering(events)
    assert types(events)[-4:] == ["response.output_text.done", "response.content_part.done",
                                  "response.output_item.done", "response.failed"]
    state, handled = accumulate(events)
    failed = handled[-1].response
    assert failed.status == "failed" and failed.error.code == "server_error"
    assert failed.error.message == "The model provider is not available."
    assert failed.output[0].status == "incomplete" and failed.output[0].content[0].text == "Half an ans"
    assert failed.completed_at is None and failed.incomplete_details is None


def test_max_output_tokens_makes_the_response_incomplete():
    engine = Engine(response_run(max_output_tokens=16))
    engine.prelude()
    engine.message(["A long answer that was cu"], incomplete=True)
    engine.end("incomplete", incomplete_details={"reason": "max_completion_tokens"})
    events = translate(engine)
    check_numbering(events)
    _, handled = accumulate(events)
    response = handled[-1].response
    assert handled[-1].type == "response.incomplete"
    assert response.status == "incomplete" and response.incomplete_details.reason == "max_output_tokens"
    assert response.output[0].status == "incomplete" and response.max_output_tokens == 16
    done = next(e for e in events if e["type"] == "response.output_item.done")
    assert done["item"]["status"] == "incomplete"


def test_a_failed_tool_step_leaves_its_calls_incomplete():
    engine = Engine(response_run())
    engine.prelude()
    engine.tool_call(0, "function", "f", ['{"a"'])
    engine.end_tools("failed")
    engine.end("failed", last_error={"code": "server_error", "message": "cut"})
    events = translate(engine)
    check_numbering(events)
    _, handled = accumulate(events)
    call = handled[-1].response.output[0]
    assert call.status == "incomplete" and call.arguments == '{"a"'
    assert "response.function_call_arguments.done" not in types(events)


def test_a_cancel_ends_the_stream_after_its_open_items():
    engine = Engine(response_run(background=True))
    engine.prelude()
    engine.tool_call(0, "function", "f", ['{"a": '])
    engine.run["status"] = "cancelled"
    engine.emit("thread.run.cancelling", engine.run)
    engine.emit("thread.run.cancelled", engine.run)
    events = translate(engine)
    shown = sent(events)
    check_numbering(shown)
    assert events[-1]["type"] == END and "sequence_number" not in events[-1]
    assert events[-1]["response"]["status"] == "cancelled"
    assert shown[-1]["type"] == "response.output_item.done" and shown[-1]["item"]["status"] == "incomplete"
    accumulate(shown)


def test_background_response_opens_queued():
    engine = Engine(response_run(background=True))
    engine.prelude(started=False)
    engine.start()  # the engine takes it up later
    engine.message(["ok"])
    engine.end("completed")
    events = translate(engine)
    check_numbering(events)
    assert types(events)[:3] == ["response.created", "response.queued", "response.in_progress"]
    assert events[0]["response"]["status"] == "queued" and events[1]["response"]["status"] == "queued"
    assert events[0]["response"]["background"] is True
    _, handled = accumulate(events)
    assert final(handled).output_text == "ok"


def test_an_engine_error_is_an_error_event():
    engine = Engine(response_run())
    engine.prelude()
    engine.emit("error", {"message": "Run 'x' was deleted with its thread.", "type": "invalid_request_error",
                          "param": None, "code": "run_deleted"})
    events = translate(engine)
    check_numbering(events)
    assert events[-1] == {"type": "error", "sequence_number": 2, "code": "run_deleted",
                          "message": "Run 'x' was deleted with its thread.", "param": None}
    accumulate(events)


def test_a_translator_taking_over_continues_numbers_and_indexes():
    engine = Engine(response_run())
    engine.prelude()
    engine.message(["first"])
    before = len(engine.events)
    engine.tool_call(0, "function", "f", ["{}"])
    engine.end_tools()
    engine.end("completed")
    whole = translate(engine)
    head = ResponseTranslator()
    early = [e for event, data in engine.events[:before] for e in head.feed(event, data)]
    later = ResponseTranslator(next_seq=head.seq, output=head.output)
    rest = [e for event, data in engine.events[before:] for e in later.feed(event, data)]
    assert early + rest == whole


def test_lifecycle_responses_carry_the_request_echo():
    fs = {"type": "file_search", "vector_store_ids": ["vs_1"], "max_num_results": 20,
          "ranking_options": {"ranker": "auto", "score_threshold": 0.0}, "filters": None}
    engine = Engine(response_run(tools=[fs], tool_choice="required", metadata=None, store=True,
                                 text={"format": {"type": "json_object"}}, truncation="auto",
                                 previous_response_id="resp_prev", conversation=None))
    engine.run["metadata"] = {"k": "v"}
    engine.prelude()
    engine.message(["{}"])
    engine.end("completed")
    _, handled = accumulate(translate(engine))
    response = final(handled)
    assert response.tools[0].type == "file_search" and response.tools[0].vector_store_ids == ["vs_1"]
    assert response.tool_choice == "required" and response.text.format.type == "json_object"
    assert response.truncation == "auto" and response.previous_response_id == "resp_prev"
    assert response.metadata == {"k": "v"} and response.instructions == "Be brief."
    assert response.temperature == 1.0 and response.top_p == 1.0 and response.parallel_tool_calls is True


# ---------------------------------------------------------------- MCP calls

def test_mcp_calls_not_seen_streaming_are_announced_and_done_when_their_step_ends():
    """A stream taken over sees an MCP tool step only when it ends: each call is announced and done then,
    in OpenAI's order, and the SDK's accumulator rebuilds them."""
    engine = Engine(response_run())
    engine.prelude()
    engine.tool_step = step_body(engine.run, {"type": "tool_calls", "tool_calls": []})
    engine.emit("thread.run.step.created", engine.tool_step)
    listed = {"server_label": "calc", "tools": [{"name": "add", "input_schema": {"type": "object"},
                                                 "description": None, "annotations": None}], "error": None}
    called = {"server_label": "calc", "name": "add", "arguments": '{"a": 1}', "output": None,
              "error": {"type": "http_error", "code": 504, "message": "late"}, "approval_request_id": None}
    asked = {"server_label": "calc", "name": "add", "arguments": '{"a": 2}', "approval_request_id": None}
    engine.records = [{"id": new_id("call_"), "type": kind, kind: body} for kind, body in (
        ("mcp_list_tools", listed), ("mcp_call", called), ("mcp_approval_request", asked))]
    engine.end_tools()
    engine.end("completed")
    events = translate(engine)
    check_numbering(events)
    assert types(events)[2:-1] == [
        "response.output_item.added", "response.mcp_list_tools.in_progress", "response.mcp_list_tools.completed",
        "response.output_item.done", "response.output_item.added", "response.mcp_call.in_progress",
        "response.mcp_call_arguments.done", "response.mcp_call.failed",
        "response.output_item.done", "response.output_item.added", "response.output_item.done"]
    response = final(accumulate(events)[1])
    listed_item, call, request = response.output
    assert (listed_item.type, [t.name for t in listed_item.tools]) == ("mcp_list_tools", ["add"])
    assert (call.type, call.status, call.error.code, call.output) == ("mcp_call", "failed", 504, None)
    assert (request.type, request.arguments, request.id.startswith("mcpr_")) == ("mcp_approval_request", '{"a": 2}', True)
