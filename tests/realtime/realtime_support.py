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
