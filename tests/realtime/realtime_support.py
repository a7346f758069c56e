"""Helpers the realtime tests share."""

from __future__ import annotations

import json
from typing import Any

KEY = "sk-realtime-test"


def ws_base(server: Any) -> str:
    return server.base_url.replace("http://", "ws://")


def script(**directive: Any) -> str:
    """A user message that steers the scripted model."""
    return "SCRIPT: " + json.dumps(directive)


def user_item(text: str) -> dict[str, Any]:
    return {"type": "message", "role": "user", "content": [{"type": "input_text", "text": text}]}


def until(conn: Any, last: str = "rate_limits.updated") -> list[Any]:
    """Events of an SDK connection up to and including the first of type ``last``."""
    events = []
    while True:
        events.append(conn.recv())
        if events[-1].type == last:
            return events


def opening(conn: Any) -> Any:
    """Read a realtime session's opening events from an SDK connection (``recv()`` gives typed events):
    ``session.created`` then ``conversation.created`` (as OpenAI sends them); returns ``session.created``."""
    created = conn.recv()
    assert created.type == "session.created", created
    conversation = conn.recv()
    assert conversation.type == "conversation.created", conversation
    assert conversation.conversation.id.startswith("conv_")
    assert conversation.conversation.object == "realtime.conversation"
    return created


def opening_json(frames: list[str]) -> dict[str, Any]:
    """The same for two raw frames (a WebSocket's first two texts); returns ``session.created`` as JSON."""
    created, conversation = (json.loads(frame) for frame in frames)
    assert created["type"] == "session.created", created
    assert conversation["type"] == "conversation.created", conversation
    assert conversation["conversation"]["object"] == "realtime.conversation"
    return created
