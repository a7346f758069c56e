"""A run whose stored state is inconsistent answers an OpenAI-shaped error, not a crash."""

from __future__ import annotations

import pytest

from openbeta.server.ids import new_id, now
from openbeta.server.store.tables import RunRow, RunStepRow


@pytest.mark.parametrize("step_type", [None, "message_creation"])
def test_tool_outputs_without_a_pending_tool_call_step(api, step_type):
    thread_id = api.post("/v1/threads", json={}).json()["id"]
    run_id = new_id("run_")
    call = {"id": "call_1", "type": "function", "function": {"name": "f", "arguments": "{}"}}
    body = {"id": run_id, "object": "thread.run", "created_at": now(), "thread_id": thread_id,
            "status": "requires_action",
            "required_action": {"type": "submit_tool_outputs", "submit_tool_outputs": {"tool_calls": [call]}}}
    with api.app.state.services.db.session() as s:
        s.add(RunRow(id=run_id, thread_id=thread_id, status="requires_action", created_at=body["created_at"],
                     body=body))
        if step_type:
            s.flush()
            step_id = new_id("step_")
            s.add(RunStepRow(id=step_id, run_id=run_id, thread_id=thread_id, created_at=now(),
                             body={"id": step_id, "type": step_type, "status": "completed"}))
    response = api.post(f"/v1/threads/{thread_id}/runs/{run_id}/submit_tool_outputs",
                        json={"tool_outputs": [{"tool_call_id": "call_1", "output": "x"}]})
    assert response.status_code == 500
    error = response.json()["error"]
    assert error["code"] == "invalid_state" and run_id in error["message"]
