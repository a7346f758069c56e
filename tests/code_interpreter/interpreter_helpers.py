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


def run_readme_example(server, block: str) -> list[str]:
    """Run a README example (``block``) against ``server`` in a fresh Python process, with the README's
    ``client`` on it; return the lines it printed (its failure fails the test)."""
    import subprocess
    import sys

    code = ("from openai import OpenAI\n"  # the client of the README's first example, on this server
            f'client = OpenAI(base_url="{server.base_url}", api_key="anything", timeout=600)\n' + block)
    result = subprocess.run([sys.executable, "-W", "ignore::DeprecationWarning", "-c", code], capture_output=True,
                            text=True, timeout=900)
    assert result.returncode == 0, result.stderr
    print(result.stdout)
    return result.stdout.strip().splitlines()


def ran_and_got(lines: list[str]) -> None:
    """The example printed the code the model wrote (``ran: ...``) and what the sandbox printed (``got: ...``)."""
    ran = [line for line in lines if line.startswith("ran: ")]
    got = [line for line in lines if line.startswith("got: ")]
    assert ran and ran[0].removeprefix("ran: ").strip(), lines  # the model wrote code ...
    assert got and got[0].removeprefix("got: ").strip(), lines  # ... the sandbox ran it and it printed
