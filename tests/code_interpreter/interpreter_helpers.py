"""What code_interpreter tests share: limits of their server, and helpers that make the
scripted model call the ``python`` function."""

from __future__ import annotations

import json
from typing import Any

TIMEOUT_SECONDS = 3
MEMORY_MB = 512


def calls(*codes: str, after: str | None = None) -> str:
    """A user message making the scripted model run each of ``codes`` (parallel calls of one turn)."""
    directive: dict[str, Any] = {"tool_calls": [{"name": "python", "arguments": {"code": c}} for c in codes]}
    if after is not None:
        directive["after_tools"] = after
    return "SCRIPT: " + json.dumps(directive)


def run_code(sandbox_client, assistant, *codes: str, thread_id: str | None = None, after: str | None = None, **extra):
    """Run ``codes`` in a thread (a new one unless given); return (run, its code_interpreter tool calls)."""
    if thread_id is None:
        thread_id = sandbox_client.beta.threads.create().id
    sandbox_client.beta.threads.messages.create(thread_id, role="user", content=calls(*codes, after=after),
                                        **extra.pop("message", {}))
    run = sandbox_client.beta.threads.runs.create_and_poll(thread_id=thread_id, assistant_id=assistant.id,
                                                   poll_interval_ms=50, **extra)
    assert run.status == "completed", run.last_error
    steps = sandbox_client.beta.threads.runs.steps.list(run.id, thread_id=thread_id, order="asc").data
    tool_calls = [c for s in steps if s.type == "tool_calls" for c in s.step_details.tool_calls]
    return run, tool_calls


def logs(call) -> str:
    return "\n".join(o.logs for o in call.code_interpreter.outputs if o.type == "logs")
