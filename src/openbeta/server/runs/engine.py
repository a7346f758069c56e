"""The run engine: asyncio tasks that drive runs through their states.

One task per running run, started by :meth:`RunEngine.kick` (from any thread).
Each model call is one turn: text becomes a ``message_creation`` step, tool calls
a ``tool_calls`` step. Server tools run here; function calls stop the run in
``requires_action`` until the caller submits outputs (or it expires). Every
boundary is written before the next begins; token deltas only go to subscribers.

A response (a run whose body carries the Responses face's switches) is driven the same way,
with three differences: it reads its thread's items rather than its messages (``_history``), its
function calls end it (``_client_calls``: completed, the calls are its answer), and its events reach
subscribers through the translator its face registered (:attr:`RunEngine.translators`).

Work is claimed, not assumed: a replica drives only the runs it holds a lease on
(``runs.owner``/``lease_expires_at``, see :mod:`.leases`). The replica that takes a
request (create, submit tool outputs) claims the run and drives it, so its stream
is local; a lease it stops renewing lapses after ``lease_seconds`` and another
replica takes the run over: a ``queued`` run runs, a ``cancelling`` one is
cancelled, and an ``in_progress`` one resumes from its last stored step boundary
(the half-written turn is dropped) or, when that is not safe (a server tool with
effects was running), fails with ``server_error``. ``requires_action`` runs are
nobody's: they wait for outputs and any replica expires them on time. A cancel
(or a thread deletion) on another replica reaches the driving one through the
database: its lease renewal reads the statuses of the runs it drives.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import functools
import logging
import time
from contextlib import contextmanager
from typing import Any, AsyncIterator, Awaitable, Callable, Iterator, Optional, Protocol, TypeVar

from ..ids import new_id, now
from ..providers.base import Delta, Provider, ProviderError, Usage
from ..providers.handle import ProviderHandle
from ..store import Database
from ..tools.registry import ServerTools, ToolFailed
from .citations import CitationStream, annotations, missing_marker, passages, path_annotations, sources
from .context import Context, PromptTooLong
from .events import EventBus
from .launch import RunNotStored, Started, Starts
from .leases import RunLeases
from .records import (RunCancelled, RunRecords, TransitionRefused, assistant_message_body, step_body,
                      usage_dict)

log = logging.getLogger("openbeta.runs")
T = TypeVar("T")

RESTART_ERROR = {"code": "server_error",
                 "message": "The server stopped while this run was in progress. Please start a new run."}
CONTEXT_ERROR = {"code": "server_error",
                 "message": "The model's context window filled up before its reply ended: the thread and the reply "
                            "together are longer than the model can read. Start a new thread, keep fewer messages "
                            "(truncation_strategy), or give the model a larger context (OPENBETA_LOCAL_CONTEXT_SIZE)."}
#: Tool calls a run taken over may repeat: they change nothing outside the run.
REPEATABLE_CALLS = frozenset({"function", "file_search", "mcp_list_tools", "mcp_approval_request"})


#: An event only translated runs get (a face's translator reads it; Assistants streams never see it): a
#: server tool's call begins, ``{"step_id", "index", "call": {"id", "type", "arguments"}}``.
CALL_STARTED = "openbeta.call.started"


class Translator(Protocol):
    """A face's shape for one run's events (a response's: see ``RunEngine.translators``)."""

    #: Set once the run's last event went through: the engine then closes it and lets it go.
    ended: bool

    def feed(self, event: str, data: Any) -> list[tuple[str, Any]]:
        """The events (name, data) that the run event ``event`` becomes, in order (maybe none)."""
        ...

    async def close(self) -> None:
        """Finish what the translator keeps (its events written out)."""
        ...


class RunLost(Exception):
    """Another replica holds the run's lease now: stop driving it, write nothing."""


def text_content(text: str, annotations: Optional[list[dict[str, Any]]] = None) -> list[dict[str, Any]]:
    return [{"type": "text", "text": {"value": text, "annotations": annotations or []}}]


def image_content(file_ids: list[str], *, indexed: bool = False) -> list[dict[str, Any]]:
    """``image_file`` blocks (with their ``index``, for a message delta)."""
    return [{**({"index": i} if indexed else {}), "type": "image_file", "image_file": {"file_id": file_id}}
            for i, file_id in enumerate(file_ids)]


async def db(fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Run a (blocking) database call off the event loop."""
    return await asyncio.to_thread(fn, *args, **kwargs)


class Turn:
    """One model call: the message and tool-call step it opens, and what streamed."""

    def __init__(self, engine: "RunEngine", run: dict[str, Any]) -> None:
        self.engine = engine
        self.run = run
        self.message: Optional[dict[str, Any]] = None
        self.message_step: Optional[dict[str, Any]] = None
        self.text = ""
        self.cites = CitationStream({})
        self.passages: dict[tuple[int, int], tuple[str, str]] = {}  # what file_search found, to cite
        self.tool_step: Optional[dict[str, Any]] = None
        self.calls: list[dict[str, Any]] = []  # {"id", "name", "arguments", "server", "sent"}
        #: From this run's earlier tool calls: images the message shows first, linkable sandbox files.
        self.images: list[str] = []
        self.paths: dict[str, str] = {}
        self._index: dict[int, int] = {}
        self._ahead: Optional[tuple[dict[str, Any], dict[str, Any], Awaitable[Any]]] = None
        self._flush: Optional[asyncio.Task[None]] = None
        self._flushed_at = 0.0
        #: The commit of the unit of work that created this run, when it may still be under way.
        self.stored: Optional["concurrent.futures.Future[None]"] = None

    async def until_stored(self) -> None:
        """Wait until the run is stored (:class:`RunNotStored` when its creation failed)."""
        if self.stored is None:
            return
        stored, self.stored = self.stored, None
        try:
            await asyncio.wrap_future(stored)
        except Exception:
            raise RunNotStored() from None

    def emit(self, event: str, data: Any) -> None:
        self.engine.emit(self.run["id"], event, data)

    def write_ahead(self) -> None:
        """Start writing the message step this turn will most likely open, while the model
        is asked: its first text then waits on no database. Nothing is announced until
        text comes; a turn that opens with tool calls (or ends first) drops it. A step
        already written (:meth:`written_ahead`) is kept."""
        if self._ahead is not None:
            return
        message = assistant_message_body(self.run)
        step = step_body(self.run, {"type": "message_creation", "message_creation": {"message_id": message["id"]}})
        self._ahead = (step, message, asyncio.create_task(db(self.engine.records.add_step, step, message,
                                                                      owner=self.engine.replica)))

    def written_ahead(self, step: dict[str, Any], message: dict[str, Any]) -> None:
        """The message step this turn will most likely open, already stored (not announced)."""
        done = asyncio.get_running_loop().create_future()
        done.set_result(None)
        self._ahead = (step, message, done)

    async def take_ahead(self) -> Optional[tuple[str, str]]:
        """Stop writing ahead; return the (step id, message id) written and not announced."""
        if self._ahead is None:
            return None
        step, message, task = self._ahead
        self._ahead = None
        await task
        return step["id"], message["id"]

    async def drop_ahead(self) -> None:
        """Delete the message step written ahead, if it was never announced."""
        unannounced = await self.take_ahead()
        if unannounced is not None:
            await db(self.engine.records.drop_step, *unannounced, owner=self.engine.replica)

    async def on_text(self, fragment: str) -> None:
        if self.message is None:
            if self._ahead is not None:
                self.message_step, self.message = self._ahead[0], self._ahead[1]
                await self.take_ahead()
            else:
                self.message = assistant_message_body(self.run)
                self.message_step = step_body(self.run, {"type": "message_creation",
                                                         "message_creation": {"message_id": self.message["id"]}})
                await db(self.engine.records.add_step, self.message_step, self.message, owner=self.engine.replica)
            assert self.message_step is not None
            self.emit("thread.run.step.created", self.message_step)
            self.emit("thread.run.step.in_progress", self.message_step)
            self.emit("thread.message.created", self.message)
            self.emit("thread.message.in_progress", self.message)
            if self.images:
                self.emit("thread.message.delta", {"id": self.message["id"], "object": "thread.message.delta",
                                                   "delta": {"content": image_content(self.images, indexed=True)}})
            self._flushed_at = time.monotonic()
        if not fragment:
            return
        self.text += fragment
        for piece, notes in self.cites.feed(fragment):
            self._text_delta(piece, notes)
        if (self._flush is None or self._flush.done()) and \
                time.monotonic() - self._flushed_at >= self.engine.flush_seconds:
            self._flushed_at = time.monotonic()
            self._flush = asyncio.create_task(self._persist_text(self.message["id"], self.text))

    async def _persist_text(self, message_id: str, text: str) -> None:
        """Write the text streamed so far into the in-progress message (off the stream's path),
        so a process killed mid-stream leaves it for start-up recovery to mark ``incomplete``."""
        try:
            await db(self.engine.records.update_message, message_id, content=text_content(text),
                     owner=self.engine.replica)
        except Exception as exc:  # deleted with its thread meanwhile: the run stops on its own
            log.debug("streamed text of %s not persisted: %s", message_id, exc)

    async def wait_flush(self) -> None:
        """Let a text write in flight land before the message is written again."""
        if self._flush is not None:
            await asyncio.gather(self._flush, return_exceptions=True)
            self._flush = None

    def _text_delta(self, piece: str, notes: list[dict[str, Any]]) -> None:
        """A message delta; the first one and those with file citations carry ``annotations``."""
        assert self.message is not None
        text: dict[str, Any] = {"value": piece}
        if notes or self.cites.sent == len(piece):
            text["annotations"] = notes
        self.emit("thread.message.delta", {"id": self.message["id"], "object": "thread.message.delta",
                                           "delta": {"content": [{"index": len(self.images), "type": "text",
                                                                  "text": text}]}})

    async def close_message(self, usage: Optional[dict[str, int]], *, incomplete: bool = False) -> None:
        if self.message is None:
            await self.on_text("")
        assert self.message is not None and self.message_step is not None
        await self.wait_flush()
        cite = None if incomplete else missing_marker(self.text, self.passages)
        if cite is not None:
            addition = cite if not self.text or self.text[-1].isspace() else " " + cite
            self.text += addition
            for piece, notes in self.cites.feed(addition):
                self._text_delta(piece, notes)
        for piece, notes in self.cites.flush():
            self._text_delta(piece, notes)
        stamp = now()
        notes = sorted(annotations(self.text, self.cites.known) + path_annotations(self.text, self.paths),
                       key=lambda note: note["start_index"])
        changes: dict[str, Any] = {"content": image_content(self.images) + text_content(self.text, notes)}
        if incomplete:
            changes.update(status="incomplete", incomplete_at=stamp, incomplete_details={"reason": "max_tokens"})
        else:
            changes.update(status="completed", completed_at=stamp)
        self.message, self.message_step = await db(
            self.engine.records.close_message, self.message["id"], changes, self.message_step["id"],
            {"status": "completed", "usage": usage}, owner=self.engine.replica)
        self.emit("thread.message.incomplete" if incomplete else "thread.message.completed", self.message)
        self.emit("thread.run.step.completed", self.message_step)

    async def settle_message(self) -> None:
        """Complete the text written so far, before tool calls follow it."""
        if self.message_step is not None and self.message_step["status"] == "in_progress":
            await self.close_message(None)

    async def on_tool_call(self, index: int, name: Optional[str], arguments: str) -> None:
        await self.settle_message()
        if self.tool_step is None:
            self.tool_step = step_body(self.run, {"type": "tool_calls", "tool_calls": []})
            await db(self.engine.records.add_step, self.tool_step, drop=await self.take_ahead(),
                     owner=self.engine.replica)
            self.emit("thread.run.step.created", self.tool_step)
            self.emit("thread.run.step.in_progress", self.tool_step)
        if index not in self._index:
            server = self.engine.tools.for_call(self.run["tools"], name or "")
            # openbeta's own id, never the provider's (which may repeat across steps, e.g. ``call_0``);
            # replayed history (runs/context.py) pairs tool messages with it on both sides.
            call = {"id": new_id("call_"), "name": name or "", "arguments": arguments, "server": server, "sent": 0}
            self._index[index] = len(self.calls)
            self.calls.append(call)
            if server is not None:
                if hasattr(server[0], "opening"):  # a tool of many functions: the call says which
                    kind, body = server[0].opening(server[1], "")
                else:
                    kind = server[0].type
                    body = server[0].first_delta() if hasattr(server[0], "first_delta") else {}
                call["kind"] = kind
                first: dict[str, Any] = {"index": self._index[index], "id": call["id"], "type": kind, kind: body}
            else:
                first = {"index": self._index[index], "id": call["id"], "type": "function",
                         "function": {"name": call["name"], "arguments": arguments, "output": None}}
            self.step_delta(first)
            self._stream_input(index, call)
            return
        call = self.calls[self._index[index]]
        if name and not call["name"]:
            call["name"] = name
        call["arguments"] += arguments
        if arguments and call["server"] is None:
            self.step_delta({"index": self._index[index], "type": "function", "function": {"arguments": arguments}})
        elif arguments:
            self._stream_input(index, call)

    def _stream_input(self, index: int, call: dict[str, Any]) -> None:
        """A delta with the input a server tool call has streamed since the last one (if it streams)."""
        server = call["server"]
        if server is None or not call["arguments"] or not hasattr(server[0], "input_delta"):
            return
        body, call["sent"] = server[0].input_delta(call["arguments"], call["sent"])
        if body is not None:
            kind = call.get("kind") or server[0].type
            self.step_delta({"index": self._index[index], "type": kind, kind: body})

    def step_delta(self, tool_call: dict[str, Any]) -> None:
        assert self.tool_step is not None
        self.emit("thread.run.step.delta", {"id": self.tool_step["id"], "object": "thread.run.step.delta",
                                            "delta": {"step_details": {"type": "tool_calls",
                                                                       "tool_calls": [tool_call]}}})


class RunEngine:
    def __init__(self, db_: Database, tools: ServerTools, provider: ProviderHandle,
                 expiry_seconds: float, keepalive_seconds: float = 15.0, flush_seconds: float = 0.25,
                 lease_seconds: float = 30.0, replica: Optional[str] = None, takeover: str = "resume") -> None:
        self.records = RunRecords(db_)
        #: Streamed text is written into its message at most this often (never before the first token).
        self.flush_seconds = flush_seconds
        self.leases = RunLeases(db_, lease_seconds, replica)
        #: What an ``in_progress`` run taken over does: ``resume`` (where safe) or ``fail``.
        self.takeover = takeover
        self.bus = EventBus(keepalive_seconds, self._current)
        self.tools = tools
        self.expiry_seconds = expiry_seconds
        #: The model runs ask (built on first use, closed by whoever built the handle).
        self.models = provider
        self._loop: Optional[asyncio.AbstractEventLoop] = None
        self._tasks: dict[str, asyncio.Task[None]] = {}
        self._cancels: set[str] = set()
        #: Runs whose task waits for the model's next delta now, and those whose wait was interrupted.
        self._waiting: dict[str, asyncio.Task[None]] = {}
        self._interrupted: set[str] = set()
        self._sweeper: Optional[asyncio.Task[None]] = None
        self._again: set[str] = set()
        self._lost: set[str] = set()
        self._takeover: set[str] = set()
        self._leaser: Optional[asyncio.Task[None]] = None
        self._stopping = False
        #: Runs this replica took over from another (a lapsed lease), for ``/metrics``.
        self.takeovers = 0
        #: ``observe_provider(seconds to the first delta or None, seconds in all)`` per model call.
        self.observe_provider: Callable[[Optional[float], float], None] = lambda first, total: None
        #: Runs whose events a face gives its own shape (a response's): run id -> its translator, registered
        #: by the face before the run can start. Subscribers then get what ``translator.feed`` returns.
        self.translators: dict[str, Translator] = {}
        self._letting_go: dict[str, asyncio.Task[None]] = {}

    @property
    def replica(self) -> str:
        return self.leases.replica

    def claim(self) -> tuple[str, float]:
        """This replica's claim on a run it starts driving now: (owner, lease_expires_at)."""
        return self.leases.claim()

    @contextmanager
    def starting(self) -> Iterator[Starts]:
        """The one way runs start: a unit of work that records new runs (or requeues waiting ones),
        claimed by this replica, each given as a :class:`~.launch.Launch` to set going (see :mod:`.launch`)."""
        starts: Optional[Starts] = None
        try:
            with self.records.db.session() as session:
                starts = Starts(self, session)
                yield starts
        except BaseException:
            if starts is not None:
                starts.committed(False)
            raise
        starts.committed(True)

    # ------------------------------------------------------------ lifecycle

    async def startup(self) -> None:
        """Start the expiry sweep and the lease loop. Start-up touches no run another live replica
        holds: the first lease tick takes over only lapsed (or, on SQLite, every earlier process's) leases."""
        self._loop = asyncio.get_running_loop()
        await self._lease_tick(first=True)
        self._sweeper = asyncio.create_task(self._sweep())
        self._leaser = asyncio.create_task(self._lease_loop())

    async def shutdown(self) -> None:
        """Stop every task and hand the runs this replica drove back (their leases are released,
        so another replica, or the next start, takes them over at once)."""
        self._stopping = True
        for run_id in self._tasks:
            log.warning("run %s cut by shutdown; its lease is handed back", run_id)
        tasks = [t for t in [self._sweeper, self._leaser, *self._tasks.values()] if t is not None]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        try:
            released = await db(self.leases.release_all)
            if released:
                log.info("handed back %d run lease(s)", released)
        except Exception:
            log.exception("could not hand back run leases; they lapse in %ss", self.leases.seconds)

    # ------------------------------------------------------------ leases

    async def _lease_loop(self) -> None:
        while True:
            await asyncio.sleep(self.leases.tick)
            try:
                await self._lease_tick()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("lease renewal failed")

    async def _lease_tick(self, first: bool = False) -> None:
        """Renew the leases of the runs driven here (hearing of cancels and deletions made on other
        replicas), then take over runs whose lease lapsed."""
        driven = [run_id for run_id, task in self._tasks.items() if not task.done()]
        if driven:
            held = await db(self.leases.renew, driven)
            for run_id in driven:
                found = held.get(run_id)
                if found is None:  # deleted with its thread on another replica
                    self._stop(run_id)
                elif found["owner"] is not None and found["owner"] != self.replica:
                    # (no owner: the run rests, and the task that put it there is ending)
                    log.warning("run %s: replica %s holds its lease now; this one stops driving it",
                                run_id, found["owner"])
                    self._lost.add(run_id)
                    self._interrupt(run_id)
                elif found["status"] == "cancelling" and run_id not in self._cancels:
                    self._cancel(run_id, found["body"])
        for run_id, previous in await db(self.leases.take_lapsed, first):
            if previous is not None and previous != self.replica:
                self.takeovers += 1
                log.warning("run %s taken over from replica %s (its lease lapsed)", run_id, previous)
            self._takeover.add(run_id)
            self._spawn(run_id)


    @property
    def provider(self) -> Provider:
        """The model provider (:class:`ProviderError` when it cannot be built)."""
        return self.models()

    # ------------------------------------------------------------ requests (any thread)

    def kick(self, run_id: str, started: Optional[Started] = None) -> None:
        """Drive ``run_id`` (queued, cancelling, or just ``started``) in a task of its own."""
        self._call(self._spawn, run_id, started)

    def request_cancel(self, run: dict[str, Any]) -> None:
        """Stop a run now ``cancelling`` (its stream hears ``thread.run.cancelling``)."""
        self._call(self._cancel, run["id"], run)

    def request_stop(self, run_id: str) -> None:
        """Stop driving a run being deleted with its thread (its stream ends with an ``error`` event)."""
        self._call(self._stop, run_id)

    def _call(self, fn: Callable[..., None], *args: Any) -> None:
        if self._loop is None:
            raise RuntimeError("the run engine is not started")
        self._loop.call_soon_threadsafe(fn, *args)

    def _spawn(self, run_id: str, started: Optional[Started] = None) -> None:
        """One task per run; a request while it is busy drives the run again after it."""
        if self._stopping:
            return
        task = self._tasks.get(run_id)
        if task is not None and not task.done():
            self._again.add(run_id)
            return
        task = asyncio.create_task(self._drive(run_id, started))
        self._tasks[run_id] = task
        task.add_done_callback(functools.partial(self._finished, run_id))

    def _finished(self, run_id: str, task: "asyncio.Task[None]") -> None:
        if self._tasks.get(run_id) is task:
            del self._tasks[run_id]
        if run_id in self._again:
            self._again.discard(run_id)
            self._spawn(run_id)

    def _stop(self, run_id: str) -> None:
        if run_id in self._tasks:
            self._cancels.add(run_id)
            self._interrupt(run_id)

    def _cancel(self, run_id: str, run: dict[str, Any]) -> None:
        self._cancels.add(run_id)
        self.emit(run_id, "thread.run.cancelling", run)
        self._interrupt(run_id)
        self._spawn(run_id)

    # ------------------------------------------------------------ driving a run

    def emit(self, run_id: str, event: str, data: Any) -> None:
        translator = self.translators.get(run_id)
        if translator is None:
            self.bus.publish(run_id, event, data)
            return
        for shaped, body in translator.feed(event, data):
            self.bus.publish(run_id, shaped, body)
        if translator.ended and self._loop is not None and run_id not in self._letting_go:
            task = self._loop.create_task(self._let_go(run_id, translator))
            self._letting_go[run_id] = task

    async def _let_go(self, run_id: str, translator: Translator) -> None:
        """Close an ended run's translator (its last events written), then forget it."""
        try:
            await translator.close()
        finally:
            self._letting_go.pop(run_id, None)
            if self.translators.get(run_id) is translator:
                del self.translators[run_id]

    async def _current(self, run_id: str) -> Optional[dict[str, Any]]:
        return await db(self.records.find, run_id)

    async def _drive(self, run_id: str, started: Optional[Started] = None) -> None:
        """Drive a run to its next resting state; a run deleted meanwhile stops quietly."""
        resume = run_id in self._takeover
        self._takeover.discard(run_id)
        self._lost.discard(run_id)  # a mark for an earlier task of this run
        try:
            if started is None and not resume and not await db(self.leases.claim_run, run_id):
                return  # another live replica drives it (and hears of a cancel through the database)
            await self._settle(run_id, started, resume)
        except asyncio.CancelledError:
            raise
        except RunNotStored:
            log.info("run %s: its creation was not stored; the model call stops", run_id)
        except (RunLost, TransitionRefused) as exc:
            if await db(self.records.find, run_id) is None:  # its row went (its lease with it): deleted, not moved
                self.emit(run_id, "error", self._deleted(run_id))
            else:
                log.warning("run %s: this replica stops driving it (%s)", run_id, exc or "lease lost")
                self.emit(run_id, "error", {"message": f"Run '{run_id}' moved to another server; poll it for its "
                                            "state.", "type": "server_error", "param": None, "code": "run_moved"})
        except Exception:
            if await db(self.records.find, run_id) is not None:
                log.exception("run %s could not be marked failed", run_id)
                error = {"message": "The server had an error while processing the run.", "type": "server_error",
                         "param": None, "code": "server_error"}
            else:
                error = self._deleted(run_id)
            self.emit(run_id, "error", error)
        finally:
            self._cancels.discard(run_id)
            self._lost.discard(run_id)

    async def _settle(self, run_id: str, started: Optional[Started], resume: bool = False) -> None:
        turn: Optional[Turn] = None
        try:
            history = None
            ahead = stored = None
            if started is not None:
                run, history, ahead, stored = started.run, (started.messages, []), started.ahead, started.stored
            else:
                current = await db(self.records.find, run_id) if resume else None
                if current is not None and current["status"] == "in_progress":
                    found = await self._resume(run_id)
                else:
                    found = await db(self.records.start, run_id, self.replica)
                    if found is not None:
                        self.emit(run_id, "thread.run.in_progress", found)
                if found is None:
                    return
                run = found
            while True:
                turn = Turn(self, run)
                if ahead is not None:
                    turn.written_ahead(*ahead)
                    ahead = None
                turn.stored, stored = stored, None
                if not await self._turn(turn, history):
                    return
                turn = history = None
        except RunCancelled:
            await self._cancelled(run_id, turn)
        except PromptTooLong:
            if turn is not None:
                await turn.drop_ahead()
            await self._end(run_id, status="incomplete", incomplete_details={"reason": "max_prompt_tokens"})
        except (ProviderError, ToolFailed) as exc:
            error = {"code": exc.code, "message": exc.message}
            await self._close(run_id, "failed", "run_failed", error, partial=turn)
            await self._end(run_id, status="failed", last_error=error)
        except (asyncio.CancelledError, RunLost, TransitionRefused, RunNotStored):
            raise  # not this replica's run (any more), or no run at all: write nothing
        except Exception:
            if not await db(self.records.find, run_id) is not None:
                raise  # deleted: nothing left to settle
            log.exception("run %s crashed", run_id)
            error = {"code": "server_error", "message": "The server had an error while processing the run."}
            await self._close(run_id, "failed", "run_failed", error, partial=turn)
            await self._end(run_id, status="failed", last_error=error)

    async def _model_call(self, run_id: str, stream: AsyncIterator[Delta]) -> AsyncIterator[Delta]:
        """The provider's deltas; a cancel (or a deletion, or a lost lease) while the model is being
        waited for interrupts that wait at once (``_interrupt``), so a stalled upstream or a long local
        generation does not hold the run in ``cancelling``: the provider's stream is closed (its HTTP
        request, or the local generation at its next token) and the run ends."""
        deltas = stream.__aiter__()
        task = asyncio.current_task()
        assert task is not None
        try:
            while True:
                self._check_cancel(run_id)
                self._waiting[run_id] = task
                try:
                    delta = await deltas.__anext__()
                except StopAsyncIteration:
                    return
                except asyncio.CancelledError:
                    if run_id in self._interrupted:
                        self._interrupted.discard(run_id)
                        if task.uncancel() == 0:  # ours alone: the run stops (a shutdown's goes on up)
                            self._check_cancel(run_id)
                    raise
                finally:
                    self._waiting.pop(run_id, None)
                yield delta
        finally:
            self._interrupted.discard(run_id)
            close = getattr(deltas, "aclose", None)
            if close is not None:
                await close()

    def _interrupt(self, run_id: str) -> None:
        """Stop waiting for the model on ``run_id``'s behalf, if its task is waiting now."""
        task = self._waiting.get(run_id)
        if task is not None and run_id not in self._interrupted and not task.done():
            self._interrupted.add(run_id)
            task.cancel()

    @staticmethod
    def _deleted(run_id: str) -> dict[str, Any]:
        """The stream's ``error`` for a run deleted with its thread while it ran."""
        log.info("run %s was deleted with its thread; it stops here", run_id)
        return {"message": f"Run '{run_id}' was deleted with its thread.", "type": "invalid_request_error",
                "param": None, "code": "run_deleted"}

    def _check_cancel(self, run_id: str) -> None:
        if run_id in self._lost:
            raise RunLost(run_id)
        if run_id in self._cancels:
            raise RunCancelled(run_id)

    async def _cancelled(self, run_id: str, turn: Optional[Turn] = None) -> None:
        await self._close(run_id, "cancelled", "run_cancelled", partial=turn)
        run = await db(self.records.move, run_id, "cancelled", owner=self.replica, with_usage=True)
        self.emit(run_id, "thread.run.cancelled", run)

    async def _resume(self, run_id: str) -> Optional[dict[str, Any]]:
        """An ``in_progress`` run taken over: drop its half-written turn and go on from the last stored
        step boundary; end it if its answer was already stored; fail it when a call in the cut turn
        may have had effects (``None``: it rests now)."""
        run = await db(self.records.find, run_id)
        if run is None or run["status"] != "in_progress":
            return None
        steps = await db(self.records.steps, run_id)
        cut = [s for s in steps if s["status"] == "in_progress"]
        if self.takeover == "fail" or any(
                call.get("type") not in REPEATABLE_CALLS for s in cut if s["type"] == "tool_calls"
                for call in s["step_details"].get("tool_calls") or []):
            log.warning("run %s taken over mid-turn: failed (%s)", run_id,
                        "OPENBETA_RUN_TAKEOVER=fail" if self.takeover == "fail" else "a tool call may have had effects")
            await self._close(run_id, "failed", "run_failed", RESTART_ERROR)
            await self._end(run_id, status="failed", last_error=RESTART_ERROR)
            return None
        for step in cut:
            message_id = (step["step_details"].get("message_creation") or {}).get("message_id")
            await db(self.records.drop_step, step["id"], message_id, owner=self.replica)
        kept = [s for s in steps if s["status"] != "in_progress"]
        last = kept[-1] if kept else None
        if last is not None and last["type"] == "message_creation":  # the answer was stored: end the run
            message = await db(self.records.message, last["step_details"]["message_creation"]["message_id"])
            if message is not None and message["status"] == "incomplete":
                await self._end(run_id, status="incomplete", incomplete_details={"reason": "max_completion_tokens"})
            else:
                await self._end(run_id, status="completed")
            return None
        log.info("run %s resumes after %d stored step(s); %d cut step(s) dropped", run_id, len(kept), len(cut))
        return run

    async def _turn(self, turn: Turn, history: Optional[tuple[list[dict[str, Any]], list[dict[str, Any]]]]) -> bool:
        """One model call on ``history`` (messages, steps; read now when ``None``).
        True: call the model again (server tools ran). A run started before its commit asks
        the model at once and waits for the commit before anything else (any failure included)."""
        try:
            return await self._ask(turn, history)
        except asyncio.CancelledError:
            raise
        except BaseException:
            await turn.until_stored()
            raise

    async def _ask(self, turn: Turn, history: Optional[tuple[list[dict[str, Any]], list[dict[str, Any]]]]) -> bool:
        run = turn.run
        run_id = run["id"]
        self._check_cancel(run_id)
        messages, steps = history or await db(self.records.history, run)
        setup = self.tools.setup_calls(run["tools"], messages, steps)
        if setup:
            await turn.until_stored()
            await self._setup(turn, setup)
            messages, steps = await db(self.records.history, run)
        expanded = self.tools.expand(run["tools"], messages, steps)
        if expanded is not run["tools"]:
            run = turn.run = {**run, "tools": expanded}
        max_tokens = run.get("max_completion_tokens")
        if max_tokens is not None:
            max_tokens -= sum(s["usage"]["completion_tokens"] for s in steps if s.get("usage"))
            if max_tokens <= 0:
                await self._end(run_id, status="incomplete", incomplete_details={"reason": "max_completion_tokens"})
                return False
        request = Context(run, messages, steps).build(self.provider, self.tools, max_tokens)
        turn.images, turn.paths = self.tools.message_parts(steps)
        turn.cites = CitationStream(sources(steps), turn.paths)
        turn.passages = passages(steps)
        turn.write_ahead()
        finish, usage, cause = "stop", Usage(), None
        asked, first = time.perf_counter(), None
        async for delta in self._model_call(run_id, self.provider.stream(request)):
            if first is None:
                first = time.perf_counter() - asked
                await turn.until_stored()
            self._check_cancel(run_id)
            if delta.text:
                await turn.on_text(delta.text)
            for call in delta.tool_calls:
                await turn.on_tool_call(call.index, call.name, call.arguments)
            if delta.finish_reason:
                finish = delta.finish_reason
            if delta.usage:
                usage = delta.usage
            if delta.length_cause:
                cause = delta.length_cause
        await turn.until_stored()  # a stream that ended without a delta
        self.observe_provider(first, time.perf_counter() - asked)
        self._check_cancel(run_id)
        used = usage_dict(usage)
        if finish == "length" and cause == "context":  # not max_completion_tokens: say what happened
            if turn.tool_step is not None:
                await db(self.records.update_step, turn.tool_step["id"], usage=used, owner=self.replica)
            await self._close(run_id, "failed", "run_failed", CONTEXT_ERROR, partial=turn)
            await self._end(run_id, status="failed", last_error=CONTEXT_ERROR)
            return False
        if finish == "length":
            if turn.tool_step is not None:  # text before the calls is already complete: only the calls fail
                error = {"code": "server_error", "message": "The model reached max_completion_tokens while calling tools."}
                await db(self.records.update_step, turn.tool_step["id"], usage=used, owner=self.replica)
                await self._close(run_id, "failed", "max_tokens", error, partial=turn)
            else:
                await turn.close_message(used, incomplete=True)
            await self._end(run_id, status="incomplete", incomplete_details={"reason": "max_completion_tokens"})
            return False
        if not turn.calls:
            await turn.close_message(used)
            await self._end(run_id, status="completed")
            return False
        await turn.settle_message()
        return await self._tool_calls(turn, used)

    async def _setup(self, turn: Turn, calls: list[tuple[Any, dict[str, Any], str]]) -> None:
        """Server calls made before the model is asked (an MCP server's tool list, an approved call), as
        one tool step; a call that fails the run (:class:`ToolFailed`) ends it once the step is stored."""
        run = turn.run
        step = step_body(run, {"type": "tool_calls", "tool_calls": []})
        await db(self.records.add_step, step, owner=self.replica)
        turn.tool_step = step
        self.emit(run["id"], "thread.run.step.created", step)
        self.emit(run["id"], "thread.run.step.in_progress", step)
        records: list[dict[str, Any]] = []
        failed: Optional[ToolFailed] = None
        for index, (server, tool, arguments) in enumerate(calls):
            self._check_cancel(run["id"])
            call = {"id": new_id("call_"), "arguments": arguments}
            kind, body = server.opening(tool, arguments)
            turn.step_delta({"index": index, "id": call["id"], "type": kind, kind: body})
            if run["id"] in self.translators:
                self.emit(run["id"], CALL_STARTED, {"step_id": step["id"], "index": index, "call": {
                    "id": call["id"], "type": kind, "arguments": arguments}})
            result = await self._server_call(run, server, tool, call)
            turn.step_delta({"index": index, "type": kind, kind: server.result_delta(result.record, len(arguments))})
            records.append(result.record)
            if result.fails is not None:
                failed = result.fails
                break
        step = await db(self.records.update_step, step["id"], step_details={"type": "tool_calls", "tool_calls": records},
                        status="completed", owner=self.replica)
        self.emit(run["id"], "thread.run.step.completed", step)
        turn.tool_step = None
        if failed is not None:
            raise failed

    async def _tool_calls(self, turn: Turn, usage: dict[str, int]) -> bool:
        run = turn.run
        assert turn.tool_step is not None
        records: list[dict[str, Any]] = []
        pending: list[dict[str, Any]] = []
        ends = False
        failed: Optional[ToolFailed] = None
        for index, call in enumerate(turn.calls):
            if call["server"] is None:
                record = {"id": call["id"], "type": "function",
                          "function": {"name": call["name"], "arguments": call["arguments"], "output": None}}
                pending.append({"id": call["id"], "type": "function",
                                "function": {"name": call["name"], "arguments": call["arguments"]}})
            else:
                server, tool = call["server"]
                kind = call.get("kind") or server.type
                if run["id"] in self.translators:  # a face shows when a server call begins (its input is whole)
                    self.emit(run["id"], CALL_STARTED, {"step_id": turn.tool_step["id"], "index": index, "call": {
                        "id": call["id"], "type": kind, "arguments": call["arguments"]}})
                result = await self._server_call(run, server, tool, call)
                record = result.record
                ends = ends or result.ends
                failed = failed or result.fails
                body = server.result_delta(record, call["sent"]) if hasattr(server, "result_delta") \
                    else record[server.type]
                turn.step_delta({"index": index, "type": kind, kind: body})
            records.append(record)
        details = {"type": "tool_calls", "tool_calls": records}
        if run["id"] in self._cancels:  # the step keeps what ran; closing the run cancels it
            await db(self.records.update_step, turn.tool_step["id"], step_details=details, usage=usage,
                     owner=self.replica)
            raise RunCancelled(run["id"])
        if failed is not None:
            step = await db(self.records.update_step, turn.tool_step["id"], step_details=details,
                            status="completed", usage=usage, owner=self.replica)
            self.emit(run["id"], "thread.run.step.completed", step)
            raise failed
        if not pending and not ends:
            step = await db(self.records.update_step, turn.tool_step["id"], step_details=details,
                            status="completed", usage=usage, owner=self.replica)
            self.emit(run["id"], "thread.run.step.completed", step)
            return True
        if run.get("_client_calls") == "end" or not pending:  # a response: its function calls (and calls
            # waiting for approval) are its answer
            step = await db(self.records.update_step, turn.tool_step["id"], step_details=details,
                            status="completed", usage=usage, owner=self.replica)
            self.emit(run["id"], "thread.run.step.completed", step)
            await self._end(run["id"], status="completed")
            return False
        await db(self.records.update_step, turn.tool_step["id"], step_details=details, usage=usage,
                 owner=self.replica)
        run = await db(self.records.move, run["id"], "requires_action", owner=self.replica,
                       expires_at=now() + int(self.expiry_seconds),
                       required_action={"type": "submit_tool_outputs",
                                        "submit_tool_outputs": {"tool_calls": pending}})
        self.emit(run["id"], "thread.run.requires_action", run)
        return False

    async def _server_call(self, run: dict[str, Any], server: Any, tool: dict[str, Any],
                           call: dict[str, Any]) -> Any:
        """Run a server tool's call; a cancel meanwhile asks the tool (if it can) to stop it."""
        task = asyncio.ensure_future(server.run(run, tool, call["id"], call["arguments"]))
        while True:
            done, _ = await asyncio.wait({task}, timeout=0.25)
            if done:
                return task.result()
            if run["id"] in self._cancels and hasattr(server, "cancel"):
                await asyncio.to_thread(server.cancel, run)  # again while it runs: it may not have begun

    async def _end(self, run_id: str, status: str, **changes: Any) -> None:
        """Put a run in a terminal state and announce it. A cancel stored first wins: the run
        ends ``cancelled`` instead."""
        try:
            run = await db(self.records.move, run_id, status, owner=self.replica, with_usage=True, **changes)
        except RunCancelled:
            await self._cancelled(run_id)
            return
        self.emit(run_id, f"thread.run.{run['status']}", run)

    async def _close(self, run_id: str, status: str, reason: str, last_error: Optional[dict[str, str]] = None, *,
                     partial: Optional[Turn] = None) -> None:
        """End every open step of a run with ``status`` (and its message as incomplete)."""
        if partial is not None:
            await partial.drop_ahead()
            await partial.wait_flush()
        for step in await db(self.records.steps, run_id):
            if step["status"] != "in_progress":
                continue
            if step["type"] == "message_creation":
                message_id = step["step_details"]["message_creation"]["message_id"]
                changes: dict[str, Any] = {"status": "incomplete", "incomplete_at": now(),
                                           "incomplete_details": {"reason": reason}}
                if partial is not None and partial.message and partial.message["id"] == message_id:
                    changes["content"] = text_content(partial.text)
                self.emit(run_id, "thread.message.incomplete",
                          await db(self.records.update_message, message_id, owner=self.replica, **changes))
            step_changes: dict[str, Any] = {"status": status}
            if status == "failed" and last_error:
                step_changes["last_error"] = last_error
            self.emit(run_id, f"thread.run.step.{status}",
                      await db(self.records.update_step, step["id"], owner=self.replica, **step_changes))

    # ------------------------------------------------------------ expiry

    async def _sweep(self) -> None:
        interval = min(1.0, self.expiry_seconds / 4)
        while True:
            await asyncio.sleep(interval)
            try:
                for run in await db(self.records.runs_in, {"requires_action"}):
                    if run.get("expires_at") is not None and run["expires_at"] <= now():
                        await self._expire(run["id"])
            except Exception:
                log.exception("expiry sweep failed")

    async def _expire(self, run_id: str) -> None:
        expired = await db(self.records.expire, run_id)
        if expired is None:
            return
        run, steps = expired
        for step in steps:
            self.emit(run_id, "thread.run.step.expired", step)
        self.emit(run_id, "thread.run.expired", run)
