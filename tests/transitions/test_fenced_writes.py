"""A replica that lost a run's lease writes none of its steps or messages: every step and message
write of the engine compares the run's lease owner in its own unit of work, like its status writes."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select, update

from openbeta.server.runs.records import LeaseLost, assistant_message_body, step_body
from openbeta.server.compose import build_services
from openbeta.server.settings import Settings
from openbeta.server.store.tables import DEFAULT_PROJECT_ID, MessageRow, RunRow, RunStepRow
from openbeta.types.assistant import AssistantCreateParams
from openbeta.types.run import RunCreateParams
from openbeta.types.thread import ThreadCreateParams

A, B = "host:1:aaaaaa", "host:2:bbbbbb"


@pytest.fixture()
def world(tmp_path, database_url):
    """A run held by replica A (services only: no engine runs to take it), with one message step."""
    services = build_services(Settings(data_dir=tmp_path, provider="scripted", database_url=database_url))
    try:
        assistant = services.assistants.create(DEFAULT_PROJECT_ID, AssistantCreateParams(model="m"))
        thread = services.threads.create(DEFAULT_PROJECT_ID, ThreadCreateParams())
        run = services.runs.create(DEFAULT_PROJECT_ID, thread["id"],
                                   RunCreateParams(assistant_id=assistant["id"])).run  # not kicked
        db, records = services.db, services.runs.engine.records
        with db.session() as s:
            s.execute(update(RunRow).where(RunRow.id == run["id"]).values(owner=A))
        run = records.start(run["id"], A)
        message = assistant_message_body(run)
        step = step_body(run, {"type": "message_creation", "message_creation": {"message_id": message["id"]}})
        records.add_step(step, message, owner=A)
        yield {"db": db, "records": records, "run": run, "step": step, "message": message}
    finally:
        services.db.dispose()


def stored(world) -> tuple:
    """Everything the run's writes touch, as stored."""
    with world["db"].session() as s:
        steps = list(s.scalars(select(RunStepRow.body).where(RunStepRow.run_id == world["run"]["id"])
                               .order_by(RunStepRow.seq)))
        messages = list(s.scalars(select(MessageRow.body).where(MessageRow.run_id == world["run"]["id"])
                                  .order_by(MessageRow.seq)))
        count = s.scalar(select(func.count()).select_from(RunStepRow))
    return steps, messages, count


def test_writes_of_a_replica_that_lost_the_lease_are_refused(world):
    records, run, step, message = world["records"], world["run"], world["step"], world["message"]
    with world["db"].session() as s:  # replica B takes the run over (its lease lapsed)
        s.execute(update(RunRow).where(RunRow.id == run["id"]).values(owner=B))
    before = stored(world)
    tool_step = step_body(run, {"type": "tool_calls", "tool_calls": []})
    other = assistant_message_body(run)
    other_step = step_body(run, {"type": "message_creation", "message_creation": {"message_id": other["id"]}})
    text = [{"type": "text", "text": {"value": "stale", "annotations": []}}]
    writes = [
        lambda owner: records.add_step(other_step, other, owner=owner),
        lambda owner: records.add_step(tool_step, drop=(step["id"], message["id"]), owner=owner),
        lambda owner: records.update_message(message["id"], content=text, owner=owner),
        lambda owner: records.update_step(step["id"], status="failed", owner=owner),
        lambda owner: records.close_message(message["id"], {"status": "completed", "content": text}, step["id"],
                                            {"status": "completed"}, owner=owner),
        lambda owner: records.drop_step(step["id"], message["id"], owner=owner),
    ]
    for write in writes:
        with pytest.raises(LeaseLost) as lost:
            write(A)
        assert lost.value.owner == B
        assert stored(world) == before  # nothing of the refused write landed
    # the holder writes as before
    records.update_message(message["id"], content=text, owner=B)
    records.close_message(message["id"], {"status": "completed"}, step["id"], {"status": "completed"}, owner=B)
    steps, messages, _ = stored(world)
    assert [s["status"] for s in steps] == ["completed"]
    assert messages[0]["status"] == "completed" and messages[0]["content"] == text


def test_a_resting_run_takes_no_engine_writes(world):
    """Once the run rests (no lease holder, waiting for tool outputs), its old driver writes nothing."""
    records, run, step = world["records"], world["run"], world["step"]
    records.move(run["id"], "requires_action", owner=A, required_action={
        "type": "submit_tool_outputs", "submit_tool_outputs": {"tool_calls": []}}, expires_at=None)
    with pytest.raises(LeaseLost) as lost:
        records.update_step(step["id"], status="failed", owner=A)
    assert lost.value.owner is None
    assert stored(world)[0][0]["status"] == "in_progress"
