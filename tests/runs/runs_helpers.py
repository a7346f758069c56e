"""What run tests share: a function tool, scripted-provider directives, an SDK event recorder."""

from __future__ import annotations

import json
import time
from typing import Any

from openai import AssistantEventHandler

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


def recorder_for(handler_base: type) -> type:
    """An event handler class (on an SDK's ``AssistantEventHandler``) that records event names and text."""

    class Recorder(handler_base):  # type: ignore[valid-type,misc]
        """Records every event name and the text the SDK rebuilds from deltas."""

        def __init__(self) -> None:
            super().__init__()
            self.events: list[str] = []
            self.deltas: list[str] = []

        def on_event(self, event) -> None:
            self.events.append(event.event)

        def on_text_delta(self, delta, snapshot) -> None:
            self.deltas.append(delta.value or "")

        @property
        def text(self) -> str:
            return "".join(self.deltas)

    return Recorder


#: The recorder for the official SDK.
Recorder = recorder_for(AssistantEventHandler)
