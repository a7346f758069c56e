"""The embedded local model completes a forced code_interpreter run (marked ``model``)."""

from __future__ import annotations

import openai
import pytest

pytestmark = pytest.mark.model


def test_the_local_model_runs_code_and_answers(start_server, sandbox_ready, smollm2_path, db_kind):
    if db_kind != "sqlite":
        pytest.skip("one real-model run is enough (SQLite)")
    server = start_server(OPENBETA_PROVIDER="local", OPENBETA_LOCAL_CONTEXT_SIZE="2048",
                          OPENBETA_CODE_INTERPRETER_TIMEOUT="10")
    client = openai.OpenAI(base_url=server.base_url, api_key="k", max_retries=0, timeout=300)
    assistant = client.beta.assistants.create(
        model="smollm2", tools=[{"type": "code_interpreter"}],
        instructions="You are a math tutor. Write and run Python code to answer math questions.")
    thread = client.beta.threads.create(messages=[{"role": "user", "content": "What is 12 * 34? Use Python."}])
    run = client.beta.threads.runs.create_and_poll(thread_id=thread.id, assistant_id=assistant.id,
                                                   tool_choice={"type": "code_interpreter"}, temperature=0,
                                                   max_completion_tokens=256, poll_interval_ms=100)
    assert run.status in ("completed", "incomplete"), run.last_error
    steps = client.beta.threads.runs.steps.list(run.id, thread_id=thread.id, order="asc").data
    assert steps[0].type == "tool_calls"
    call = steps[0].step_details.tool_calls[0]
    assert call.type == "code_interpreter" and call.code_interpreter.input.strip()
    # whatever the small model wrote ran in the sandbox and produced output (a value or a traceback)
    assert [o.type for o in call.code_interpreter.outputs][:1] == ["logs"]
    print("code:", call.code_interpreter.input, "\noutput:", call.code_interpreter.outputs[0].logs)
