"""Every event the server sends validates against the official SDK's own types (pydantic validation, not the
lenient parse ``recv()`` does), and lands on the class for its ``type``: beta events on the beta union,
GA events on the GA union."""

from __future__ import annotations

import json
from typing import Any, get_args

import pytest
from pydantic import TypeAdapter
from websockets.sync.client import connect

from realtime_support import KEY, script, user_item, ws_base

beta_types = pytest.importorskip("openai.types.beta.realtime")
ga_types = pytest.importorskip("openai.types.realtime")

#: Fields the server sends beyond an SDK type, as the hosted API does: the beta type of
#: ``function_call_arguments.done`` lacks ``name`` (the GA type declares it), and the session types lack
#: the ``id``, ``object`` and ``expires_at`` that ``session.created/updated`` carry; the beta usage type lacks
#: ``cached_tokens_details``.
EXTRA = {"response.function_call_arguments.done.name",
         "response.done.response.usage.input_token_details.cached_tokens_details"} | {
    f"{event}.session.{field}" for event in ("session.created", "session.updated")
    for field in ("id", "object", "expires_at")}
WEATHER = {"type": "function", "name": "get_weather", "parameters": {"type": "object"}}


def _session(server: Any, beta: bool) -> list[dict[str, Any]]:
    """A session that makes the server send most of its events: text, a tool call, items, errors."""
    headers = {"Authorization": f"Bearer {KEY}", **({"OpenAI-Beta": "realtime=v1"} if beta else {})}
    events: list[dict[str, Any]] = []

    def until(ws: Any, last: str) -> None:
        while True:
            events.append(json.loads(ws.recv(timeout=10)))
            if events[-1]["type"] == last:
                return

    with connect(ws_base(server) + "/realtime?model=gpt-realtime", additional_headers=headers) as ws:
        until(ws, "session.created")
        update = {"tools": [WEATHER]} if beta else {"type": "realtime", "tools": [WEATHER]}
        ws.send(json.dumps({"type": "session.update", "session": update}))
        until(ws, "session.updated")
        ws.send(json.dumps({"type": "conversation.item.create", "item": user_item(script(
            text="Let me check.", tool_calls=[{"name": "get_weather", "arguments": {"city": "Rome"}}]))}))
        ws.send(json.dumps({"type": "response.create"}))
        until(ws, "rate_limits.updated")
        call = next(e for e in events if e["type"] == "response.function_call_arguments.done")
        ws.send(json.dumps({"type": "conversation.item.create",
                            "item": {"type": "function_call_output", "call_id": call["call_id"], "output": "ok"}}))
        ws.send(json.dumps({"type": "conversation.item.retrieve", "item_id": call["item_id"]}))
        until(ws, "conversation.item.retrieved")
        ws.send(json.dumps({"type": "conversation.item.delete", "item_id": call["item_id"]}))
        until(ws, "conversation.item.deleted")
        ws.send(json.dumps({"type": "input_audio_buffer.clear"}))
        until(ws, "input_audio_buffer.cleared")
        ws.send(json.dumps({"type": "response.cancel", "event_id": "c1"}))
        until(ws, "error")
        ws.send(json.dumps({"type": "conversation.item.create", "item": user_item(script(text="a b c", delay=0.3))}))
        ws.send(json.dumps({"type": "response.create"}))
        until(ws, "response.output_item.added")
        ws.send(json.dumps({"type": "response.cancel"}))
        until(ws, "rate_limits.updated")
    return events


def _extras(model: Any, path: str) -> set[str]:
    """Paths of fields the SDK's types do not declare, anywhere in ``model``."""
    from pydantic import BaseModel

    found: set[str] = set()
    if isinstance(model, BaseModel):
        found |= {f"{path}.{key}" for key in model.model_extra or {}}
        for name in type(model).model_fields:
            found |= _extras(getattr(model, name), f"{path}.{name}")
    elif isinstance(model, list):
        for item in model:
            found |= _extras(item, f"{path}[]")
    return found


def _literal(cls: type) -> str:
    return get_args(cls.model_fields["type"].annotation)[0]


@pytest.mark.parametrize("beta", [True, False], ids=["beta", "ga"])
def test_every_server_event_validates_against_the_official_sdk(rt_server, beta) -> None:
    module = beta_types if beta else ga_types
    adapter = TypeAdapter(module.RealtimeServerEvent)
    events = _session(rt_server, beta)
    kinds = {e["type"] for e in events}
    assert len(kinds) >= 17
    for event in events:
        model = adapter.validate_python(event)
        assert _literal(type(model)) == event["type"], event["type"]
        # Nothing the SDK types declare is left out or renamed (extra fields would show as model_extra).
        extra = _extras(model, event["type"])
        assert extra <= EXTRA, extra


def test_rest_answers_validate_against_the_official_sdk(rt_server) -> None:
    import httpx

    from openai.types.beta.realtime import SessionCreateResponse, TranscriptionSession
    from openai.types.realtime import ClientSecretCreateResponse

    headers = {"Authorization": f"Bearer {KEY}"}
    for path, body, cls in [
        ("/realtime/sessions", {"model": "gpt-realtime", "tools": [WEATHER]}, SessionCreateResponse),
        ("/realtime/transcription_sessions", {"input_audio_format": "g711_alaw"}, TranscriptionSession),
        ("/realtime/client_secrets", {"session": {"type": "realtime"}}, ClientSecretCreateResponse),
        ("/realtime/client_secrets", {"session": {"type": "transcription"}}, ClientSecretCreateResponse),
    ]:
        answer = httpx.post(rt_server.base_url + path, json=body, headers=headers)
        assert answer.status_code == 200, answer.text
        model = cls.model_validate(answer.json())
        # Beyond the SDK's types: the spec's id/object/model, and the turn detection's create_response and
        # interrupt_response (the REST response types list an older, shorter turn detection).
        allowed = {f"{cls.__name__}.{f}" for f in ("id", "object", "model")} | {
            f"{cls.__name__}.session.{f}" for f in ("id", "object", "expires_at")} | {
            f"{cls.__name__}.turn_detection.{f}" for f in ("create_response", "interrupt_response")}
        assert _extras(model, cls.__name__) <= allowed, path
