"""The Open Responses compliance scenarios (openresponses.org; its suite posts each scenario's body to
``/responses`` with ``stream`` set, and checks the answer against its schema and a few semantic rules) against a
live server (scripted model provider), on SQLite and PostgreSQL. Every response object is validated against
``openresponses-types``' ``ResponseResource``, and every stream event against the streaming event model its
``type`` names, strictly (no coercion: a number sent as a string fails): an event type the Open Responses spec does
not define fails the test, as a missing required field or a wrong type does. The same checks run over the WebSocket mode of ``/v1/responses``.

The scripted provider answers what it is told: where a scenario needs a particular answer (a function call),
its directive rides in ``instructions``, the one field the suite's bodies leave out; every other field of each
body is the suite's."""

from __future__ import annotations

import enum
import inspect
import json
from typing import Any, Optional

import pytest
from pydantic import BaseModel, ValidationError
from websockets.sync.client import connect

from responses_support import SCRIPTED, script

types = pytest.importorskip("openresponses_types.types")

WEATHER_TOOL = {
    "type": "function", "name": "get_weather", "description": "Get the current weather for a location",
    "parameters": {"type": "object", "required": ["location"], "properties": {
        "location": {"type": "string", "description": "The city and state, e.g. San Francisco, CA"}}},
}
#: A 1x1 PNG, as a data URL.
PIXEL = ("data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJ"
         "RU5ErkJggg==")
CALL = script(tool_calls=[{"name": "get_weather", "arguments": {"location": "San Francisco, CA"}}])


def _streaming_models() -> dict[str, type[BaseModel]]:
    """Every streaming event model of the Open Responses types, by the ``type`` it carries."""
    found: dict[str, type[BaseModel]] = {}
    for name, cls in inspect.getmembers(types, inspect.isclass):
        if not (issubclass(cls, BaseModel) and name.endswith("StreamingEvent")):
            continue
        kind = cls.model_fields["type"].annotation
        if inspect.isclass(kind) and issubclass(kind, enum.Enum) and len(kind) == 1:
            found[next(iter(kind)).value] = cls
    return found


STREAMING = _streaming_models()


def _check_response(data: Any) -> Any:
    try:
        return types.ResponseResource.model_validate_json(json.dumps(data), strict=True)
    except ValidationError as exc:
        pytest.fail(f"not an Open Responses ResponseResource: {exc}\n{json.dumps(data)[:2000]}")


def _check_event(event: dict[str, Any]) -> BaseModel:
    model = STREAMING.get(event.get("type"))
    if model is None:
        pytest.fail(f"event type {event.get('type')!r} is not an Open Responses streaming event")
    try:
        return model.model_validate_json(json.dumps(event), strict=True)
    except ValidationError as exc:
        pytest.fail(f"not an Open Responses {model.__name__}: {exc}\n{json.dumps(event)[:2000]}")


def _post(http, body: dict[str, Any], streaming: bool) -> tuple[Any, list[dict[str, Any]]]:
    """The suite's request: the body with ``stream`` set. The final response, and the events if streamed
    (each checked), as the suite reads them."""
    sent = {**body, "stream": streaming}
    if not streaming:
        r = http.post("/v1/responses", json=sent)
        assert r.status_code == 200, r.text
        return _check_response(r.json()), []
    with http.stream("POST", "/v1/responses", json=sent) as r:
        assert r.status_code == 200, r.read()
        data = [line[len("data: "):] for line in r.iter_lines() if line.startswith("data: ")]
    assert data and data[-1] == "[DONE]"
    events = [json.loads(d) for d in data[:-1]]
    assert events, "no streaming events"
    checked = [_check_event(e) for e in events]
    assert [e["sequence_number"] for e in events] == list(range(len(events)))
    final = [c for c in checked if c.type.value in ("response.completed", "response.failed", "response.incomplete")]
    assert len(final) == 1 and events[-1] is events[[c is final[0] for c in checked].index(True)]
    return final[0].response, events


def _user(content: Any, role: str = "user") -> dict[str, Any]:
    return {"type": "message", "role": role, "content": content}


def test_basic_text_response(http):
    response, _ = _post(http, {"model": SCRIPTED, "input": [_user("Say hello in exactly 3 words.")]}, False)
    assert response.output and response.status == "completed"
    assert response.output[0].content[0].text == "Say hello in exactly 3 words."


def test_streaming_response(http):
    response, events = _post(http, {"model": SCRIPTED, "input": [_user("Count from 1 to 5.")]}, True)
    assert response.status == "completed"
    kinds = [e["type"] for e in events]
    assert kinds[:2] == ["response.created", "response.in_progress"] and kinds[-1] == "response.completed"
    deltas = "".join(e["delta"] for e in events if e["type"] == "response.output_text.delta")
    assert deltas == "Count from 1 to 5." == response.output[0].content[0].text


def test_system_prompt(http):
    response, _ = _post(http, {"model": SCRIPTED, "input": [
        _user("You are a pirate. Always respond in pirate speak.", role="system"), _user("Say hello.")]}, False)
    assert response.output and response.status == "completed"
    items = http.get(f"/v1/responses/{response.id}/input_items", params={"order": "asc"}).json()["data"]
    assert [(i["role"], i["content"][0]["text"]) for i in items] == [
        ("system", "You are a pirate. Always respond in pirate speak."), ("user", "Say hello.")]


def test_tool_calling(http):
    response, _ = _post(http, {"model": SCRIPTED, "instructions": CALL, "tools": [WEATHER_TOOL],
                               "input": [_user("What's the weather like in San Francisco?")]}, False)
    calls = [item for item in response.output if item.type == "function_call"]
    assert calls and calls[0].name == "get_weather"
    assert json.loads(calls[0].arguments) == {"location": "San Francisco, CA"}


def test_tool_calling_streaming(http):
    response, events = _post(http, {"model": SCRIPTED, "instructions": CALL, "tools": [WEATHER_TOOL],
                                    "input": [_user("What's the weather like in San Francisco?")]}, True)
    kinds = [e["type"] for e in events]
    assert any(e["type"] == "response.output_item.added" and e["item"]["type"] == "function_call" for e in events)
    assert "response.function_call_arguments.delta" in kinds and "response.function_call_arguments.done" in kinds
    assert any(e["type"] == "response.output_item.done" and e["item"]["type"] == "function_call" for e in events)
    assert any(item.type == "function_call" for item in response.output)


def test_image_input(http):
    response, _ = _post(http, {"model": SCRIPTED, "input": [_user([
        {"type": "input_text", "text": "What do you see in this image? Answer in one sentence."},
        {"type": "input_image", "image_url": PIXEL}])]}, False)
    assert response.output and response.status == "completed"


def test_multi_turn(http):
    response, _ = _post(http, {"model": SCRIPTED, "input": [
        _user("My name is Alice."), _user("Hello Alice! Nice to meet you. How can I help you today?", role="assistant"),
        _user("What is my name?")]}, False)
    assert response.status == "completed" and response.output[0].content[0].text == "What is my name?"


def test_retrieved_and_continued_responses_are_open_responses_objects(http):
    first, _ = _post(http, {"model": SCRIPTED, "input": [_user("first")]}, False)
    _check_response(http.get(f"/v1/responses/{first.id}").json())
    second, _ = _post(http, {"model": SCRIPTED, "previous_response_id": first.id, "input": [_user("second")]}, True)
    assert second.previous_response_id == first.id


# ---------------------------------------------------------------- the WebSocket mode

def _ws(live_server):
    return connect(live_server.base_url.replace("http://", "ws://") + "/responses", open_timeout=30,
                   additional_headers={"Authorization": "Bearer test-key"})


def _socket_response(ws, body: dict[str, Any]) -> tuple[Any, list[dict[str, Any]]]:
    ws.send(json.dumps({"type": "response.create", **body}))
    events: list[dict[str, Any]] = []
    while True:
        event = json.loads(ws.recv(timeout=30))
        events.append(event)
        checked = _check_event(event)
        if event["type"] in ("response.completed", "response.failed", "response.incomplete"):
            return checked.response, events  # type: ignore[attr-defined]


def test_websocket_text_and_tool_call(live_server):
    with _ws(live_server) as ws:
        response, events = _socket_response(ws, {"model": SCRIPTED, "input": [_user("Count from 1 to 5.")]})
        assert response.status == "completed" and response.output[0].content[0].text == "Count from 1 to 5."
        assert [e["sequence_number"] for e in events] == list(range(len(events)))
        called, _ = _socket_response(ws, {"model": SCRIPTED, "instructions": CALL, "tools": [WEATHER_TOOL],
                                          "input": [_user("What's the weather like in San Francisco?")]})
        assert [item.type for item in called.output] == ["function_call"]


def test_websocket_errors_are_open_responses_error_events(live_server):
    with _ws(live_server) as ws:
        ws.send(json.dumps({"type": "response.create", "input": "no model"}))
        event = json.loads(ws.recv(timeout=30))
        checked = types.WebSocketErrorEvent.model_validate_json(json.dumps(event), strict=True)
        assert checked.status == 400 and checked.error.param == "model"
