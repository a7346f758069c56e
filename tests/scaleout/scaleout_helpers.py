"""What the scale-out tests share: scripted-provider directives, an SDK client per replica, polling."""

from __future__ import annotations

import json
import time
from typing import Any

import openai

TERMINAL = {"completed", "cancelled", "failed", "expired", "incomplete"}


def script(**directive: Any) -> str:
    """A user message that tells the scripted provider what to answer."""
    return "SCRIPT: " + json.dumps(directive)


def sdk(server: Any) -> openai.OpenAI:
    return openai.OpenAI(base_url=server.base_url, api_key="k", max_retries=0)


def wait_for(client: openai.OpenAI, thread_id: str, run_id: str, statuses: set[str], timeout: float = 30) -> Any:
    """Poll a run until its status is one of ``statuses``."""
    deadline = time.monotonic() + timeout
    while True:
        run = client.beta.threads.runs.retrieve(run_id, thread_id=thread_id)
        if run.status in statuses:
            return run
        assert time.monotonic() < deadline, f"run {run_id} stayed {run.status}"
        time.sleep(0.05)
