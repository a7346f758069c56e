"""Realtime events parse into typed objects all the way down (``event.item.id``,
``event.response.usage.output_tokens``), on the beta and the GA protocol, against a live server; and
the types describe what the server sends: no nested object carries a field its model does not declare."""

from __future__ import annotations

import json
from typing import Any

import pytest

from openbeta import OpenBeta
from openbeta.types import realtime_events as ev
from openbeta.types.beta.realtime import ConversationItem, RealtimeResponse, RealtimeResponseUsage
from openbeta.types.realtime import RealtimeServerEvent
from sdk_clients import undeclared

TOOL = {"type": "function", "name": "lookup", "description": "Look a word up",
        "parameters": {"type": "object", "properties": {"q": {"type": "string"}}}}


def _text(directive: dict[str, Any], ga: bool) -> dict[str, Any]:
    return {"type": "message", "role": "user",
            "content": [{"type": "input_text", "text": "SCRIPT: " + json.dumps(directive)}]}


def _until(conn, last: str, seen: list) -> list:
    events = []
    while not events or events[-1].type != last:
        events.append(conn.recv())
    seen.extend(events)
    return events


def _session(conn, ga: bool) -> list:
    seen: list = []
    seen += [conn.recv(), conn.recv()]  # session.created, conversation.created
    session = {"type": "realtime", "output_modalities": ["text"], "tools": [TOOL]} if ga else \
        {"modalities": ["text"], "tools": [TOOL]}
    conn.session.update(session=session)
    _until(conn, "session.updated", seen)
    conn.conversation.item.create(item=_text({"text": "Hi typed"}, ga))
    _until(conn, "conversation.item.done" if ga else "conversation.item.created", seen)
    conn.response.create()
    _until(conn, "response.done", seen)
    conn.conversation.item.create(item=_text({"tool_calls": [{"name": "lookup", "arguments": {"q": "x"}}]}, ga))
    _until(conn, "conversation.item.done" if ga else "conversation.item.created", seen)
    conn.response.create()
    done = _until(conn, "response.done", seen)[-1]
    call = done.response.output[0]
    conn.conversation.item.create(item={"type": "function_call_output", "call_id": call.call_id, "output": "x!"})
    _until(conn, "conversation.item.done" if ga else "conversation.item.created", seen)
    conn.conversation.item.retrieve(item_id=call.id)
    _until(conn, "conversation.item.retrieved", seen)
    return seen


@pytest.mark.parametrize("ga", [False, True], ids=["beta", "ga"])
def test_nested_objects_are_typed_and_declared(openbeta_client: OpenBeta, ga: bool) -> None:
    realtime = openbeta_client.realtime if ga else openbeta_client.beta.realtime
    with realtime.connect(model="m") as conn:
        seen = _session(conn, ga)
    # every event parsed as its own class, not the generic fallback
    assert [e.type for e in seen if type(e) is RealtimeServerEvent] == []
    done = [e for e in seen if isinstance(e, ev.ResponseDoneEvent)]
    assert len(done) == 2 and all(isinstance(e.response, RealtimeResponse) for e in done)
    text_done, call_done = done
    assert isinstance(text_done.response.usage, RealtimeResponseUsage)
    assert text_done.response.usage.output_tokens > 0 and text_done.response.status == "completed"
    message = text_done.response.output[0]
    assert isinstance(message, ConversationItem) and message.id.startswith("item_")
    assert message.content[0].text == "Hi typed"
    assert message.content[0].type == ("output_text" if ga else "text")
    call = call_done.response.output[0]
    assert (call.type, call.name, json.loads(call.arguments)) == ("function_call", "lookup", {"q": "x"})
    retrieved = next(e for e in seen if isinstance(e, ev.ConversationItemRetrievedEvent))
    assert retrieved.item.id == call.id and retrieved.item.call_id == call.call_id
    created = next(e for e in seen if isinstance(e, ev.ConversationCreatedEvent))
    assert created.conversation.id.startswith("conv_")
    limits = next(e for e in seen if isinstance(e, ev.RateLimitsUpdatedEvent))
    assert limits.rate_limits and limits.rate_limits[0].name
    found = sorted({p for e in seen for p in [*(f"{e.type}.{k}" for k in e.model_extra or {}),
                                                   *undeclared(e, e.type)]})
    assert found == []
