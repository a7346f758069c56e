"""What run tests share: a function tool and scripted-provider directives."""

from __future__ import annotations

import json
import time
from typing import Any

WEATHER = {"type": "function", "function": {
    "name": "get_weather", "description": "Weather in a city",
    "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}}


def script(**directive: Any) -> str:
    """A user message that tells the scripted provider what to answer."""
    return "SCRIPT: " + json.dumps(directive)


def wait_for(client: Any, thread_id: str, run_id: str, statuses: set[str], timeout: float = 20.0) -> Any:
    """Poll a run (official SDK client) until its status is one of ``statuses``."""
    deadline = time.monotonic() + timeout
    while True:
        run = client.beta.threads.runs.retrieve(run_id, thread_id=thread_id)
        if run.status in statuses:
            return run
        if time.monotonic() > deadline:
            raise AssertionError(f"run {run_id} stayed {run.status}")
        time.sleep(0.05)
