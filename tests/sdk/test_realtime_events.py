"""Realtime events: every beta event of the spec parses into its own class; unknown types stay generic."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from pydantic import TypeAdapter

from openbeta.client.lib.realtime_connection import client_event, encode_event, parse_event
from openbeta.types import realtime_events
from openbeta.types.realtime import RealtimeClientEvent, RealtimeServerEvent
from openbeta.types.realtime_events import (
    ClientEvent,
    ErrorEvent,
    ResponseOutputTextDeltaEvent,
    ResponseTextDeltaEvent,
    ServerEvent,
    SessionCreatedEvent,
)
from server_process import SPEC_DIR

SPEC = SPEC_DIR / "openapi-beta.json"


def _first_object(example: str) -> dict[str, Any]:
    """The first JSON object of an ``x-oaiMeta`` example (they carry ``//`` comments and trailing commas)."""
    text = "\n".join(line for line in example.splitlines() if not line.lstrip().startswith("//"))
    text = re.sub(r",(\s*[}\]])", r"\1", text)
    return json.JSONDecoder().raw_decode(text.strip())[0]


def _examples(prefix: str) -> list[tuple[str, dict[str, Any]]]:
    """(schema name, example) for each event schema; the ``type`` is the schema's own (one example copies
    another event's)."""
    if not SPEC.is_file():
        pytest.skip("OpenAI spec not available")
    schemas = json.loads(SPEC.read_text())["components"]["schemas"]
    return [(name, {**_first_object(schema["x-oaiMeta"]["example"]),
                    "type": schema["properties"]["type"]["enum"][0]})
            for name, schema in schemas.items() if name.startswith(prefix)]


def _class_for(event_type: str) -> type:
    matches = [cls for cls in vars(realtime_events).values()
               if isinstance(cls, type) and "type" in getattr(cls, "model_fields", {})
               and cls.model_fields["type"].default == event_type]
    assert len(matches) == 1, (event_type, matches)
    return matches[0]


@pytest.mark.parametrize(("prefix", "union", "generic"), [
    ("RealtimeBetaServerEvent", ServerEvent, RealtimeServerEvent),
    ("RealtimeBetaClientEvent", ClientEvent, RealtimeClientEvent),
])
def test_every_spec_example_parses_into_its_class(prefix, union, generic) -> None:
    examples = _examples(prefix)
    assert len(examples) >= 12
    adapter = TypeAdapter(union)
    seen = set()
    for name, example in examples:
        event = adapter.validate_python(example)
        assert type(event) is _class_for(example["type"]), name
        assert isinstance(event, generic) and type(event) is not generic
        assert event.model_dump(mode="json", exclude_unset=True) == example, name
        seen.add(type(event))
    assert len(seen) == len(examples)  # one class per event


def test_recv_parses_typed_events_and_keeps_unknown_ones() -> None:
    delta = parse_event(json.dumps({"type": "response.text.delta", "event_id": "e1", "response_id": "r",
                                    "item_id": "i", "output_index": 0, "content_index": 0, "delta": "Hi"}))
    assert isinstance(delta, ResponseTextDeltaEvent) and delta.delta == "Hi" and delta.output_index == 0
    ga = parse_event(json.dumps({"type": "response.output_text.delta", "event_id": "e1", "response_id": "r",
                                 "item_id": "i", "output_index": 0, "content_index": 0, "delta": "Hi"}))
    assert isinstance(ga, ResponseOutputTextDeltaEvent) and ga.delta == "Hi"
    created = parse_event(b'{"type": "session.created", "event_id": "e0", "session": {"id": "s1", "model": "m"}}')
    assert isinstance(created, SessionCreatedEvent) and created.session.id == "s1"
    error = parse_event('{"type": "error", "event_id": "e2", "error": {"type": "invalid_request_error", '
                        '"message": "bad", "param": "session.voice"}}')
    assert isinstance(error, ErrorEvent) and error.error.param == "session.voice"
    future = parse_event('{"type": "response.hologram.delta", "event_id": "e3", "beam": 7}')
    assert type(future) is RealtimeServerEvent and future.beam == 7  # type: ignore[attr-defined]
    broken = parse_event('{"type": "response.output_text.delta", "event_id": "e4"}')  # fields missing
    assert type(broken) is RealtimeServerEvent and broken.type == "response.output_text.delta"


def test_client_events_are_typed_and_encode_only_what_was_given() -> None:
    event = client_event(type="conversation.item.truncate", item_id="it", content_index=0, audio_end_ms=1500)
    assert type(event).__name__ == "ConversationItemTruncateEvent"
    assert json.loads(encode_event(event)) == {"type": "conversation.item.truncate", "item_id": "it",
                                               "content_index": 0, "audio_end_ms": 1500}
    with pytest.raises(ValueError):
        client_event(type="conversation.item.truncate", item_id="it", content_index=0, audio_end_ms="soon")
    typed = realtime_events.ResponseCancelEvent(response_id="r1")
    assert json.loads(encode_event(typed)) == {"type": "response.cancel", "response_id": "r1"}
