"""Fixtures for code_interpreter tests: one scripted server (with short limits) per database,
and helpers that make the scripted model call the ``python`` function."""

from __future__ import annotations

import json
from typing import Any

import openai
import pytest

from openbeta.server.tools.sandbox import BubblewrapLauncher, Limits

TIMEOUT_SECONDS = 3
MEMORY_MB = 512


@pytest.fixture(scope="session")
def sandbox_ready() -> None:
    reason = BubblewrapLauncher(Limits()).check()
    if reason:
        pytest.skip(f"bubblewrap sandboxes cannot run here: {reason}")


@pytest.fixture(scope="module")
def server(start_server, sandbox_ready):
    return start_server(OPENBETA_PROVIDER="scripted", OPENBETA_CODE_INTERPRETER_TIMEOUT=str(TIMEOUT_SECONDS),
                        OPENBETA_CODE_INTERPRETER_MEMORY_MB=str(MEMORY_MB),
                        OPENBETA_CODE_INTERPRETER_MAX_OUTPUT_BYTES="4096")


@pytest.fixture(scope="module")
def client(server) -> openai.OpenAI:
    return openai.OpenAI(base_url=server.base_url, api_key="k", max_retries=0)


@pytest.fixture(scope="module")
def assistant(client):
    return client.beta.assistants.create(model="scripted", tools=[{"type": "code_interpreter"}])


def calls(*codes: str, after: str | None = None) -> str:
    """A user message making the scripted model run each of ``codes`` (parallel calls of one turn)."""
    directive: dict[str, Any] = {"tool_calls": [{"name": "python", "arguments": {"code": c}} for c in codes]}
    if after is not None:
        directive["after_tools"] = after
    return "SCRIPT: " + json.dumps(directive)


def run_code(client, assistant, *codes: str, thread_id: str | None = None, after: str | None = None, **extra):
    """Run ``codes`` in a thread (a new one unless given); return (run, its code_interpreter tool calls)."""
    if thread_id is None:
        thread_id = client.beta.threads.create().id
    client.beta.threads.messages.create(thread_id, role="user", content=calls(*codes, after=after),
                                        **extra.pop("message", {}))
    run = client.beta.threads.runs.create_and_poll(thread_id=thread_id, assistant_id=assistant.id,
                                                   poll_interval_ms=50, **extra)
    assert run.status == "completed", run.last_error
    steps = client.beta.threads.runs.steps.list(run.id, thread_id=thread_id, order="asc").data
    tool_calls = [c for s in steps if s.type == "tool_calls" for c in s.step_details.tool_calls]
    return run, tool_calls


def logs(call) -> str:
    return "\n".join(o.logs for o in call.code_interpreter.outputs if o.type == "logs")
