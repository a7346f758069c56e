"""What run tests share: a function tool and scripted-provider directives."""

from __future__ import annotations

import json
from typing import Any

WEATHER = {"type": "function", "function": {
    "name": "get_weather", "description": "Weather in a city",
    "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}}


def script(**directive: Any) -> str:
    """A user message that tells the scripted provider what to answer."""
    return "SCRIPT: " + json.dumps(directive)
