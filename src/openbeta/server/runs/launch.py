"""How a run starts: the engine's one entry point, :meth:`RunEngine.starting() <.engine.RunEngine.starting>`.

A service opens a unit of work with ``with engine.starting() as start`` and, in it, checks what it
must and records a new run (:meth:`Starts.new`) or puts a run waiting for tool outputs back in the
queue (:meth:`Starts.requeue`). Either is claimed by this replica, which drives it, and gives a
:class:`Launch`: the run, the events its stream opens with, and, after the unit of work,
:meth:`Launch.start` (drive it) or :meth:`Launch.follow` (its events, subscribed before it is driven).

A streamed new run is moved to ``in_progress`` in the unit of work that creates it (with the message
step its first turn will most likely open) and the engine starts on it before that unit of work
commits: the model is asked while the commit is written, and nothing is announced or written until
it is (:class:`Started`). If the unit of work fails, the run never existed (:class:`RunNotStored`).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
from dataclasses import dataclass, field
from typing import Any, AsyncIterator, Callable, Optional

from sqlalchemy.orm import Session

from .events import Event
from .records import assistant_message_body, insert_run, insert_started_run, insert_step, step_body, transition


class RunNotStored(Exception):
    """The unit of work creating a run started before its commit failed: the run never existed."""


@dataclass
class Started:
    """A run moved to ``in_progress`` by the unit of work that created it, and its thread's
    messages as that unit of work read them: the engine's first turn needs no database."""

    run: dict[str, Any]
    messages: list[dict[str, Any]]
    #: The (step, message) its first turn will most likely open, written in that same unit of
    #: work (not yet announced), so nothing is written between the model call and the first token.
    ahead: Optional[tuple[dict[str, Any], dict[str, Any]]] = None
    #: Set when the unit of work commits (an exception when it fails). The engine may start on a
    #: run before that: its model request goes out at once, and nothing is announced or written
    #: until the run is stored, so the model's first token and the commit overlap.
    stored: Optional["concurrent.futures.Future[None]"] = None


@dataclass
class Launch:
    """A run a request created or put back in the queue: its body (the response), the events its
    stream opens with, and how to set it going once its unit of work is over."""

    run: dict[str, Any]
    prelude: list[Event]
    #: The run engine (``RunEngine``) that drives it.
    engine: Any = field(repr=False)
    #: What the engine needs to go on with a run already started before its commit.
    started: Optional[Started] = None
    #: The run's events, subscribed to when the engine was started before the run's commit.
    queue: Optional["asyncio.Queue[Event]"] = None

    def start(self) -> None:
        """Drive the run (in a task of the engine's), nobody following its events."""
        self.engine.kick(self.run["id"], self.started)

    def follow(self, render: Optional[Callable[[str, Any], Any]] = None) -> AsyncIterator[Optional[Event]]:
        """The run's events from its prelude on, ``(event, data)`` (``render(event, data)`` as the data,
        when given; ``None`` while quiet), driving it if it is not already driven."""
        run_id = self.run["id"]
        queue = self.queue
        if queue is None:  # else started already, before its commit
            queue = self.engine.bus.subscribe(run_id)
            self.engine.kick(run_id, self.started)
        return self.engine.bus.events(run_id, queue, self.prelude, render)


class Starts:
    """The runs one unit of work (``session``) records; see :meth:`RunEngine.starting`."""

    def __init__(self, engine: Any, session: Session) -> None:
        self.engine = engine
        self.session = session
        #: Runs started before this unit of work commits: (run id, their events' queue, the commit).
        self.early: list[tuple[str, Any, "concurrent.futures.Future[None]"]] = []

    def new(self, run: dict[str, Any], prelude: list[Event], *, stream: bool,
            tool_resources: Optional[dict[str, Any]] = None, history: Optional[list[dict[str, Any]]] = None) -> Launch:
        """Insert a new ``queued`` run (with its own ``tool_resources``, if any), claimed by this replica.
        A streamed one starts in this same unit of work, and the engine starts on it before the commit:
        the model is asked while the commit is written, and nothing is announced or written until it is.
        ``history``: what the run reads of its thread, when the caller knows it (it wrote all of it in
        this unit of work); else it is read."""
        session = self.session
        claim = self.engine.claim()
        prelude = [*prelude, ("thread.run.created", run), ("thread.run.queued", run)]
        if not stream:
            insert_run(session, run, claim, tool_resources)
            return Launch(run, prelude, self.engine)
        started, messages = insert_started_run(session, run, claim, tool_resources, history)
        # The first turn's message step, written here rather than while the model is asked: the
        # same commit makes it durable, and no database work competes with the model's first token.
        message = assistant_message_body(started)
        step = step_body(started, {"type": "message_creation", "message_creation": {"message_id": message["id"]}})
        insert_step(session, step, message)
        stored: concurrent.futures.Future[None] = concurrent.futures.Future()
        queue = self.engine.bus.subscribe(run["id"])
        self.early.append((run["id"], queue, stored))
        self.engine.kick(run["id"], Started(started, messages, (step, message), stored))
        return Launch(run, [*prelude, ("thread.run.in_progress", started)], self.engine, queue=queue)

    def requeue(self, run_id: str, changes: dict[str, Any], prelude: list[Event]) -> Launch:
        """Move a run waiting for tool outputs back to ``queued`` with ``changes``, claimed by this replica."""
        run = transition(self.session, run_id, "queued", changes, claim=self.engine.claim())
        return Launch(run, [*prelude, ("thread.run.queued", run)], self.engine)

    def committed(self, ok: bool) -> None:
        """Tell the runs started early whether their unit of work committed."""
        for run_id, queue, stored in self.early:
            if ok:
                stored.set_result(None)
            else:
                self.engine.bus.unsubscribe(run_id, queue)
                stored.set_exception(RunNotStored())


__all__ = ["Launch", "RunNotStored", "Started", "Starts"]
