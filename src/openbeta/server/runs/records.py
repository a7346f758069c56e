"""Runs, steps and run-authored messages as stored: their bodies and every write to them.

Each write is its own unit of work, so a run's state is on disk at every step
boundary. A status change logs one ``run transition`` line.

Every status change is a guarded transition (:func:`transition`): a compare-and-set
on the stored status (``UPDATE runs ... WHERE id = :id AND status IN (:allowed)``),
allowed only along :data:`ALLOWED_FROM`. Terminal statuses are final, and
``cancelling`` ends only ``cancelled``: a cancel the database accepted wins over a
model that finishes meanwhile (a run that reached a terminal state first refuses
the cancel instead). A refused transition is logged as a warning, never applied.
The engine's own transitions are also fenced by its lease (``owner``), so a replica
that lost a run to another cannot write its status; so are its step and message writes
(``owner=`` of :meth:`RunRecords.add_step` and the others, see :func:`fence`): each first
compares the run's stored owner with the writer in the same unit of work, holding the
run's row until it commits, so a takeover lands wholly before or wholly after it.
"""

from __future__ import annotations

import logging
from typing import Any, Optional

from sqlalchemy import delete, insert, select, update

from ...types.run import ACTIVE_STATUSES, TERMINAL_STATUSES
from ..errors import NotFound
from ..ids import new_id, now
from ..providers.base import Usage
from ..store import Database
from ..store.items import assistants_visible
from ..store.rows import add_message, load, message_body, set_body
from ..store.tables import MessageRow, RunRow, RunStepRow, ThreadRow
from .items import thread_items

log = logging.getLogger("openbeta.runs")


class RunCancelled(Exception):
    """The run was asked to stop (its status is ``cancelling``)."""


class TransitionRefused(Exception):
    """A status change the stored run does not allow (its status, or its owner, moved on)."""

    def __init__(self, run_id: str, current: Optional[str], to: str) -> None:
        super().__init__(f"run {run_id}: {current} -> {to} refused")
        self.run_id = run_id
        self.current = current
        self.to = to


class LeaseLost(TransitionRefused):
    """A step or message write of a run whose lease another replica (or nobody) holds now: refused."""

    def __init__(self, run_id: str, owner: Optional[str]) -> None:
        Exception.__init__(self, f"run {run_id}: its lease is held by {owner or 'nobody'} now; write refused")
        self.run_id = run_id
        self.current = None
        self.to = "write"
        self.owner = owner


#: For each status, the statuses a run may move to it from. Terminal ones appear on no right-hand side.
ALLOWED_FROM: dict[str, frozenset[str]] = {
    "in_progress": frozenset({"queued"}),
    "requires_action": frozenset({"in_progress"}),
    "queued": frozenset({"requires_action"}),
    "cancelling": frozenset({"queued", "in_progress", "requires_action"}),
    "cancelled": frozenset({"cancelling"}),
    "completed": frozenset({"in_progress"}),
    "incomplete": frozenset({"in_progress"}),
    "failed": frozenset({"queued", "in_progress"}),
    "expired": frozenset({"requires_action"}),
}
#: Statuses a replica drives (and holds a lease on); ``requires_action`` waits on nobody.
DRIVEN_STATUSES = frozenset({"queued", "in_progress", "cancelling"})
#: ``owner=`` default of :func:`transition`: no lease check.
ANY_OWNER = object()


Claim = tuple[Optional[str], Optional[float]]  # (owner, lease_expires_at)


def insert_run(session: Any, body: dict[str, Any], claim: Claim = (None, None),
               tool_resources: Optional[dict[str, Any]] = None) -> None:
    """Insert a new run; ``tool_resources``: its own, over the assistant's (see :func:`run_tool_resources`)."""
    _insert_run(session, body, claim, tool_resources)
    log_transition(body, None)


def insert_started_run(session: Any, run: dict[str, Any], claim: Claim = (None, None),
                       tool_resources: Optional[dict[str, Any]] = None,
                       history: Optional[list[dict[str, Any]]] = None) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Insert a new ``queued`` run already moved to ``in_progress``, in the unit of work that
    creates it; return its started body and its thread's messages, oldest first (``history``, when
    the caller knows them)."""
    started = dict(run, status="in_progress", started_at=now())
    _insert_run(session, started, claim, tool_resources)
    log_transition(run, None)
    log_transition(started, "queued")
    return started, history if history is not None else history_rows(session, started)


def insert_step(session: Any, body: dict[str, Any], message: Optional[dict[str, Any]] = None) -> None:
    """Insert a step (and the message it creates, still empty) in ``session``'s unit of work."""
    if message is not None:
        add_message(session, message)
    session.execute(insert(RunStepRow).values(id=body["id"], run_id=body["run_id"], thread_id=body["thread_id"],
                                              created_at=body["created_at"], body=body))


def _insert_run(session: Any, body: dict[str, Any], claim: Claim, tool_resources: Optional[dict[str, Any]]) -> None:
    session.execute(insert(RunRow).values(id=body["id"], thread_id=body["thread_id"], status=body["status"],
                                          created_at=body["created_at"], body=body, owner=claim[0],
                                          lease_expires_at=claim[1], tool_resources=tool_resources or None,
                                          kind="response" if "_response" in body else "run"))


def transition(session: Any, run_id: str, to: str, changes: Optional[dict[str, Any]] = None, *,
               allowed: Optional[frozenset[str]] = None, owner: Any = ANY_OWNER,
               claim: Optional[Claim] = None) -> dict[str, Any]:
    """Move run ``run_id`` to status ``to`` with ``changes`` to its body, as a compare-and-set on
    its stored status (``allowed``: default :data:`ALLOWED_FROM`) and, given ``owner``, its lease
    holder; ``claim`` sets the lease. Raise :class:`TransitionRefused` (logged) when the stored run
    does not allow it, :class:`NotFound` when it is gone."""
    allowed = ALLOWED_FROM[to] if allowed is None else allowed
    row = load(session, RunRow, run_id, "run", for_update=True)
    current = row.status
    if current not in allowed or (owner is not ANY_OWNER and row.owner != owner):
        refuse(row.body, current, to, row.owner)
    body = dict(row.body)
    body.update(changes or {})
    body["status"] = to
    if to in TERMINAL_STATUSES:
        body["required_action"] = None
        if to != "expired":
            body["expires_at"] = None
        if to != "failed":  # no failure lingers on a run that ended otherwise
            body["failed_at"] = None
            body["last_error"] = None
        if to in STAMPS:
            body[STAMPS[to]] = now()
    where = [RunRow.id == run_id, RunRow.status.in_(allowed)]
    if owner is not ANY_OWNER:
        where.append(RunRow.owner.is_(None) if owner is None else RunRow.owner == owner)
    values: dict[str, Any] = {"status": to, "body": body}
    if claim is not None:
        values.update(owner=claim[0], lease_expires_at=claim[1])
    elif to not in DRIVEN_STATUSES:
        values.update(owner=None, lease_expires_at=None)  # nobody drives a resting run
    done = session.execute(update(RunRow).where(*where).values(**values).execution_options(
        synchronize_session=False))
    if done.rowcount != 1:
        refuse(row.body, current, to, row.owner)
    log_transition(body, current)
    return body


def fence(session: Any, run_id: Optional[str], owner: Any) -> None:
    """In the caller's unit of work, before its step or message writes: go on only while ``owner``
    holds run ``run_id``'s lease (``ANY_OWNER``: no check). A no-op update compared on the owner
    takes the run's row lock (on SQLite, the write lock) until the unit of work ends, so no takeover
    interleaves. :class:`LeaseLost` (logged) otherwise; :class:`NotFound` when the run is gone."""
    if owner is ANY_OWNER or run_id is None:
        return
    held = session.execute(update(RunRow).where(RunRow.id == run_id, RunRow.owner == owner)
                           .values(owner=RunRow.owner).execution_options(synchronize_session=False))
    if held.rowcount == 1:
        return
    found = session.execute(select(RunRow.owner).where(RunRow.id == run_id)).first()
    if found is None:
        raise NotFound.of("run", run_id)
    log.warning("run write refused run_id=%s owner=%s writer=%s", run_id, found.owner or "-", owner)
    raise LeaseLost(run_id, found.owner)


def refuse(body: dict[str, Any], current: Optional[str], to: str, owner: Optional[str] = None) -> None:
    log.warning("run transition refused run_id=%s thread_id=%s from=%s to=%s owner=%s", body["id"],
                body.get("thread_id"), current, to, owner or "-")
    raise TransitionRefused(body["id"], current, to)


def thread_messages(session: Any, thread_id: str) -> list[dict[str, Any]]:
    """A thread's message bodies as the Assistants API shows them, oldest first."""
    return list(session.scalars(select(MessageRow.body).where(MessageRow.thread_id == thread_id, assistants_visible())
                                .order_by(MessageRow.seq.asc())))


def history_rows(session: Any, run: dict[str, Any]) -> list[dict[str, Any]]:
    """What a run reads of its thread, oldest first: its messages; for a run whose history is items
    (a response), the thread's items (its forks' ancestry included, its own output left out) and then
    the run's own messages (its steps say where they go)."""
    if run.get("_history") != "items":
        return thread_messages(session, run["thread_id"])
    own = session.scalars(select(MessageRow.body).where(MessageRow.run_id == run["id"], MessageRow.input_of.is_(None))
                          .order_by(MessageRow.seq.asc()))
    return [*thread_items(session, run["thread_id"], leave_out=run["id"]), *own]


def log_transition(body: dict[str, Any], before: Optional[str]) -> None:
    log.info("run transition run_id=%s thread_id=%s from=%s to=%s", body["id"], body["thread_id"],
             before or "-", body["status"])


def active_run_id(session: Any, thread_id: str) -> Optional[str]:
    """The thread's active run, if any, with the thread locked until the unit of work ends
    (404 when there is no such thread).

    The lock is a no-op write to the thread row: it serializes "check, then add a
    run or message" on SQLite (whose reads take no locks) and PostgreSQL alike.
    """
    locked = session.execute(update(ThreadRow).where(ThreadRow.id == thread_id)
                             .values(created_at=ThreadRow.created_at))
    if locked.rowcount == 0:
        raise NotFound.of("thread", thread_id)
    return session.scalar(select(RunRow.id).where(RunRow.thread_id == thread_id,
                                                  RunRow.status.in_(ACTIVE_STATUSES)).limit(1))


def run_body(thread_id: str, expiry_seconds: float, *, assistant_id: Optional[str], model: Optional[str],
             instructions: str, tools: list[dict[str, Any]], metadata: dict[str, Any], temperature: Optional[float],
             top_p: Optional[float], max_completion_tokens: Optional[int], max_prompt_tokens: Optional[int],
             truncation_strategy: dict[str, Any], response_format: Any, tool_choice: Any,
             parallel_tool_calls: bool, reasoning_effort: Optional[str]) -> dict[str, Any]:
    """A new ``queued`` run as it is stored (and answered), waiting at most ``expiry_seconds`` to start."""
    created = now()
    return {
        "id": new_id("run_"), "object": "thread.run", "created_at": created,
        "assistant_id": assistant_id, "thread_id": thread_id, "status": "queued",
        "started_at": None, "expires_at": created + int(expiry_seconds),
        "cancelled_at": None, "failed_at": None, "completed_at": None, "required_action": None,
        "last_error": None, "model": model, "instructions": instructions,
        "tools": tools, "metadata": metadata, "temperature": temperature,
        "top_p": top_p, "max_completion_tokens": max_completion_tokens,
        "max_prompt_tokens": max_prompt_tokens,
        "truncation_strategy": truncation_strategy,
        "incomplete_details": None, "usage": None, "response_format": response_format,
        "tool_choice": tool_choice,
        "parallel_tool_calls": parallel_tool_calls,
        "reasoning_effort": reasoning_effort,
    }


def step_body(run: dict[str, Any], details: dict[str, Any]) -> dict[str, Any]:
    """A new ``in_progress`` step of ``run`` as it is stored (and answered)."""
    return {
        "id": new_id("step_"), "object": "thread.run.step", "created_at": now(),
        "run_id": run["id"], "assistant_id": run["assistant_id"], "thread_id": run["thread_id"],
        "type": details["type"], "status": "in_progress", "cancelled_at": None, "completed_at": None,
        "expired_at": None, "failed_at": None, "last_error": None, "step_details": details,
        "metadata": {}, "usage": None,
    }


def assistant_message_body(run: dict[str, Any]) -> dict[str, Any]:
    """The (empty, ``in_progress``) message a run's turn writes its answer into."""
    return message_body(run["thread_id"], "assistant", status="in_progress", run_id=run["id"],
                        assistant_id=run["assistant_id"])


#: Where a run or step status stamps its time.
STAMPS = {"completed": "completed_at", "failed": "failed_at", "cancelled": "cancelled_at",
          "expired": "expired_at"}


class RunRecords:
    """The engine's writes, one committed unit of work each."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def find(self, run_id: str) -> Optional[dict[str, Any]]:
        """The run's body (``None``: it was deleted)."""
        with self.db.session() as s:
            return s.scalar(select(RunRow.body).where(RunRow.id == run_id))

    def start(self, run_id: str, owner: Any = ANY_OWNER) -> Optional[dict[str, Any]]:
        """Move a ``queued`` run to ``in_progress`` (``None``: it is not queued)."""
        try:
            return self.move(run_id, "in_progress", owner=owner, started_at=now())
        except TransitionRefused as refused:
            if refused.current == "cancelling":
                raise RunCancelled(run_id) from None
            return None

    def move(self, run_id: str, to: str, *, owner: Any = ANY_OWNER, with_usage: bool = False,
             **changes: Any) -> dict[str, Any]:
        """A guarded :func:`transition` to ``to`` with ``changes`` (and, ``with_usage``, the sum of the
        steps' usage); raise :class:`RunCancelled` when a cancel came in first, else
        :class:`TransitionRefused`."""
        with self.db.session() as s:
            if with_usage:
                changes["usage"] = total_usage(self._steps(s, run_id))
            try:
                return transition(s, run_id, to, changes, owner=owner)
            except TransitionRefused as refused:
                if refused.current == "cancelling" and to != "cancelled":
                    raise RunCancelled(run_id) from None
                raise

    def expire(self, run_id: str) -> Optional[tuple[dict[str, Any], list[dict[str, Any]]]]:
        """Expire a run still waiting for tool outputs, and its open steps, in one unit of work (no
        replica's death leaves them apart); return the run and the steps expired (``None``: it moved on)."""
        try:
            with self.db.session() as s:
                run = transition(s, run_id, "expired")
                open_steps = [step for step in self._steps(s, run_id) if step["status"] == "in_progress"]
                return run, [self._update_step(s, step["id"], {"status": "expired"}) for step in open_steps]
        except (TransitionRefused, NotFound):
            return None

    def history(self, run: dict[str, Any]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        """The run's thread messages and its own steps, oldest first, read together."""
        with self.db.session() as s:
            return history_rows(s, run), self._steps(s, run["id"])

    def steps(self, run_id: str) -> list[dict[str, Any]]:
        with self.db.session() as s:
            return self._steps(s, run_id)

    @staticmethod
    def _steps(session: Any, run_id: str) -> list[dict[str, Any]]:
        return list(session.scalars(select(RunStepRow.body).where(RunStepRow.run_id == run_id)
                                    .order_by(RunStepRow.seq.asc())))

    def add_step(self, body: dict[str, Any], message: Optional[dict[str, Any]] = None, *,
                 drop: Optional[tuple[str, str]] = None, owner: Any = ANY_OWNER) -> None:
        """Insert a step (and the message it creates); first delete ``drop``'s (step id,
        message id), a message step written ahead that nobody was told of. Given ``owner``,
        only while it holds the run's lease (:func:`fence`); so for every write below."""
        with self.db.session() as s:
            fence(s, body["run_id"], owner)
            if drop is not None:
                self._drop(s, *drop)
            insert_step(s, body, message)

    def drop_step(self, step_id: str, message_id: Optional[str], *, owner: Any = ANY_OWNER) -> None:
        with self.db.session() as s:
            run_id = s.scalar(select(RunStepRow.run_id).where(RunStepRow.id == step_id))
            if run_id is None and message_id is not None:
                run_id = s.scalar(select(MessageRow.run_id).where(MessageRow.id == message_id))
            fence(s, run_id, owner)
            self._drop(s, step_id, message_id)

    @staticmethod
    def _drop(session: Any, step_id: str, message_id: Optional[str]) -> None:
        session.execute(delete(RunStepRow).where(RunStepRow.id == step_id))
        if message_id is not None:
            session.execute(delete(MessageRow).where(MessageRow.id == message_id))

    def message(self, message_id: str) -> Optional[dict[str, Any]]:
        with self.db.session() as s:
            return s.scalar(select(MessageRow.body).where(MessageRow.id == message_id))

    def update_step(self, step_id: str, *, owner: Any = ANY_OWNER, **changes: Any) -> dict[str, Any]:
        with self.db.session() as s:
            fence(s, s.scalar(select(RunStepRow.run_id).where(RunStepRow.id == step_id)), owner)
            return self._update_step(s, step_id, changes)

    def update_message(self, message_id: str, *, owner: Any = ANY_OWNER, **changes: Any) -> dict[str, Any]:
        with self.db.session() as s:
            fence(s, s.scalar(select(MessageRow.run_id).where(MessageRow.id == message_id)), owner)
            return self._update_message(s, message_id, changes)

    def close_message(self, message_id: str, message_changes: dict[str, Any], step_id: str,
                      step_changes: dict[str, Any], *, owner: Any = ANY_OWNER) -> tuple[dict[str, Any], dict[str, Any]]:
        """Finish a message and the step that created it, in one unit of work."""
        with self.db.session() as s:
            fence(s, s.scalar(select(RunStepRow.run_id).where(RunStepRow.id == step_id)), owner)
            return self._update_message(s, message_id, message_changes), self._update_step(s, step_id, step_changes)

    @staticmethod
    def _update_step(session: Any, step_id: str, changes: dict[str, Any]) -> dict[str, Any]:
        row = load(session, RunStepRow, step_id, "run step", for_update=True)
        body = finish(dict(row.body), changes)
        set_body(row, body)
        return body

    @staticmethod
    def _update_message(session: Any, message_id: str, changes: dict[str, Any]) -> dict[str, Any]:
        row = load(session, MessageRow, message_id, "message", for_update=True)
        body = dict(row.body)
        body.update(changes)
        set_body(row, body)
        return body

    def runs_in(self, statuses: frozenset[str] | set[str]) -> list[dict[str, Any]]:
        with self.db.session() as s:
            return [row.body for row in s.scalars(select(RunRow).where(RunRow.status.in_(statuses)))]


def usage_dict(usage: Usage) -> dict[str, int]:
    return {"prompt_tokens": usage.prompt_tokens, "completion_tokens": usage.completion_tokens,
            "total_tokens": usage.total_tokens}


def total_usage(steps: list[dict[str, Any]]) -> Optional[dict[str, int]]:
    """The sum of the steps' usage (``None`` when no step used the model)."""
    used = [s["usage"] for s in steps if s.get("usage")]
    if not used:
        return None
    total = Usage(sum(u["prompt_tokens"] for u in used), sum(u["completion_tokens"] for u in used))
    return usage_dict(total)


def finish(step: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    """A step with ``changes`` applied and its status time stamped."""
    step.update(changes)
    stamp = STAMPS.get(changes.get("status", ""))
    if stamp and step.get(stamp) is None:
        step[stamp] = now()
    return step
