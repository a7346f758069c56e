"""The ``code_interpreter`` tool of runs: the model writes Python, a sandbox of the
thread runs it, and the call is recorded with its input and outputs.

The model sees a function ``python`` taking ``{"code": "..."}`` (a call whose
arguments are not JSON is taken as the code itself). Each thread has one
interpreter (:class:`SandboxPool`): variables live on between calls and runs until
it has been idle ``idle_seconds``. Its ``/mnt/data`` holds the files of the
assistant's and thread's ``tool_resources.code_interpreter.file_ids`` and of the
thread's message attachments for the tool; when a sandbox is rebuilt (after the
idle timeout or a restart) it gets them again, with the files earlier calls wrote.

A call's outputs: a ``logs`` output (standard output and error, then the traceback
of an error) and one ``image`` output per matplotlib figure, stored as a file of
purpose ``assistants_output``. Files the code writes or changes under ``/mnt/data``
become ``assistants_output`` files too; the step keeps their paths (in a private key),
so the answer's ``sandbox:/mnt/data/...`` links become ``file_path`` annotations.

Files cross into and out of the sandbox only as bytes, through the interpreter itself (see
:mod:`.sandbox`): inputs are put, and after the call the sandbox lists its files and the ones
the call wrote or changed are read, each bounded (:data:`MAX_FILE_BYTES`, :data:`MAX_FILES_PER_CALL`,
:data:`MAX_BYTES_PER_CALL`) and stored only as files of the run's own project.

Sandbox work runs on the pool's own threads (:attr:`SandboxPool.executor`, sized to the
number of sandboxes), never on the threads that serve requests and drive runs; every step has a
deadline. A cancelled run's call is interrupted, and its sandbox killed when the code has not
stopped ``cancel_grace_seconds`` later; a call still waiting for a thread is dropped.
"""

from __future__ import annotations

import asyncio
import base64
import concurrent.futures
import dataclasses
import importlib.util
import json
import logging
import shutil
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Callable, Optional

from sqlalchemy import select

from ...types.containers import MEMORY_LIMIT_MB
from ..errors import APIError
from ..ids import new_id
from ..store import Database
from ..store.containers import ContainerStore
from ..store.rows import run_tool_resources
from ..store.tables import DEFAULT_PROJECT_ID, FileRow, MessageRow, RunStepRow, ThreadRow
from .registry import RETRY_KEY, ServerToolResult
from .sandbox import MOUNT, Execution, FileRefused, Launcher, Limits, Sandbox, SandboxError, safe_name, valid_path

log = logging.getLogger("openbeta.code_interpreter")

NAME = "python"
#: Packages the description names when the server's Python (which the sandbox runs) has them.
NAMED_PACKAGES = ("numpy", "pandas", "matplotlib", "sympy", "scipy")


def description() -> str:
    """What the model is told about the tool: how it runs, where files are, which packages it has (and,
    where sympy is installed, to use it for equations: small models otherwise solve them with names
    they never defined)."""
    packages = [p for p in NAMED_PACKAGES if importlib.util.find_spec(p) is not None]
    text = ("Run Python code in a stateful sandbox (like a Jupyter notebook: variables persist between calls; "
            "the value of the last expression is shown). Files the user uploaded are in /mnt/data (list them "
            "with os.listdir('/mnt/data')); save files for the user to /mnt/data and link them as "
            "sandbox:/mnt/data/<name>.")
    if packages:
        named = ", ".join(packages[:-1]) + " and " + packages[-1] if len(packages) > 1 else packages[0]
        text += f" {named} {'are' if len(packages) > 1 else 'is'} installed"
        text += " (figures are shown to the user)." if "matplotlib" in packages else "."
    if "sympy" in packages:
        text += (" Plain arithmetic needs no import (Python integers are exact); for an equation with unknowns, "
                 "use sympy.symbols and sympy.solve.")
    return text + " There is no internet access."


DESCRIPTION = description()
PARAMETERS = {"type": "object", "properties": {"code": {"type": "string", "description": "The Python code to run."}},
              "required": ["code"]}
#: Paths (``/mnt/data/...``) of the files a call wrote -> their file ids; never shown to callers.
FILES_KEY = "_files"
#: On a response's call: the container it ran in (its written files are that container's files).
CONTAINER_KEY = "_container"
#: What one call may turn into files: the largest file, how many, and all of them together.
MAX_FILE_BYTES = 64 * 1024 * 1024
MAX_FILES_PER_CALL = 20
MAX_BYTES_PER_CALL = 256 * 1024 * 1024
#: The most files a sandbox lists (those past it are not seen as written).
MAX_LISTED = 1000
#: Bytes of files on their way into or out of all sandboxes together (held in the server's memory
#: meanwhile); a transfer waits for room up to the sandbox's ``io_timeout``. One file larger than
#: this (an upload may be up to the upload limit) moves alone.
MAX_BYTES_IN_FLIGHT = 512 * 1024 * 1024
#: How much a file may have grown between the sandbox's listing and its read.
READ_SLACK = 1024 * 1024


class ByteBudget:
    """Bytes held at once by transfers on many threads, bounded: :meth:`hold` waits for room."""

    def __init__(self, capacity: int) -> None:
        self.capacity = capacity
        self.held = 0
        self._room = threading.Condition()

    def hold(self, size: int, timeout: float) -> "_Held":
        """Hold ``size`` bytes (all of the capacity when it is larger) until the returned
        context manager exits; :class:`TimeoutError` when there is no room within ``timeout``."""
        size = max(0, min(size, self.capacity))
        with self._room:
            if not self._room.wait_for(lambda: self.held + size <= self.capacity, timeout):
                raise TimeoutError("the server is moving too many sandbox files at once; try again")
            self.held += size
        return _Held(self, size)

    def _release(self, size: int) -> None:
        with self._room:
            self.held -= size
            self._room.notify_all()


class _Held:
    def __init__(self, budget: ByteBudget, size: int) -> None:
        self.budget, self.size = budget, size

    def __enter__(self) -> "_Held":
        return self

    def __exit__(self, *exc: object) -> None:
        self.budget._release(self.size)


def code_of(arguments: str) -> str:
    """The code of a call: ``{"code": "..."}``, or the arguments themselves when they are not JSON.
    Broken JSON (a weak model's) gives the code of its longest prefix that reads as the start of a
    call: what :func:`partial_code` streamed while it came."""
    try:
        data = json.loads(arguments or "{}")
    except ValueError:
        if not arguments.lstrip().startswith("{"):
            return arguments
        for end in range(len(arguments), 0, -1):
            code = partial_code(arguments[:end])
            if code is not None:
                return code
        return ""
    if isinstance(data, dict):
        value = data.get("code", data.get("input", ""))
        return value if isinstance(value, str) else ""
    return data if isinstance(data, str) else ""


def partial_code(arguments: str) -> Optional[str]:
    """The code read so far from a streaming call's (incomplete) arguments; ``None`` when it
    cannot be told yet."""
    text = arguments.lstrip()
    if not text:
        return None
    if not text.startswith("{"):
        return arguments
    try:
        import jiter
        data = jiter.from_json(text.encode(), partial_mode="trailing-strings")
    except Exception:
        return None
    if isinstance(data, dict):
        value = data.get("code")
        return value if isinstance(value, str) else None
    return None


def container_of(tool: dict[str, Any]) -> Optional[str]:
    """The container a run's ``code_interpreter`` tool runs in (a response's), else ``None``."""
    return (tool.get("code_interpreter") or {}).get("container_id")


def render_output(execution: Execution, images: list[str], written: list[str]) -> str:
    """What the model reads back."""
    parts = []
    if execution.logs:
        parts.append(execution.logs.rstrip("\n"))
    if execution.error:
        parts.append(execution.error.rstrip("\n"))
    parts.extend(f"[image {file_id} shown to the user]" if file_id else "[image shown to the user]"
                 for file_id in images)
    parts.extend(f"[file saved: sandbox:{path}]" for path in written)
    return "\n".join(parts) if parts else "(no output)"


class SandboxPool:
    """One sandbox per thread, each with a user id of its own, stopped after ``idle_seconds``;
    and the threads that do sandbox work (:attr:`executor`)."""

    def __init__(self, launcher: Launcher, root: Path, limits: Limits, *, idle_seconds: float, uid_base: int,
                 max_sandboxes: int) -> None:
        self.launcher = launcher
        #: Where ``unsafe`` sandboxes keep their working directories (bubblewrap keeps none on the host).
        self.root = Path(root)
        self.limits = limits
        self.idle_seconds = idle_seconds
        self.uid_base = uid_base
        self.max_sandboxes = max_sandboxes
        #: Every sandbox step runs here: one thread per sandbox, and two for sweeps and stops.
        self.executor = ThreadPoolExecutor(max_workers=max_sandboxes + 2, thread_name_prefix="sandbox")
        #: Bytes of files moving into or out of every sandbox at once.
        self.transfers = ByteBudget(MAX_BYTES_IN_FLIGHT)
        self._boxes: dict[str, Sandbox] = {}
        self._lock = threading.Lock()
        self._task: Optional[asyncio.Task[None]] = None

    def _workdir(self, thread_id: str) -> Optional[Path]:
        return self.root / safe_name(thread_id) if self.launcher.host_directory else None

    def get(self, thread_id: str, memory_bytes: Optional[int] = None) -> Sandbox:
        """The sandbox of ``thread_id`` (a thread's or a container's id), made when it has none (with
        ``memory_bytes`` of address space when given and below the pool's limit)."""
        victim = None
        with self._lock:
            box = self._boxes.get(thread_id)
            if box is not None:
                box.last_used = time.monotonic()
                return box
            used = {b.uid for b in self._boxes.values()}
            if len(self._boxes) >= self.max_sandboxes:
                idle = sorted((b.last_used, t) for t, b in self._boxes.items() if not b.lock.locked())
                if not idle:
                    raise SandboxError(f"All {self.max_sandboxes} code interpreter sandboxes are busy; try again later.")
                victim = self._boxes.pop(idle[0][1])
                used.discard(victim.uid)
            uid = next(self.uid_base + n for n in range(self.max_sandboxes) if self.uid_base + n not in used)
            limits = self.limits
            if memory_bytes is not None and memory_bytes < limits.memory_bytes:
                limits = dataclasses.replace(limits, memory_bytes=memory_bytes)
            box = Sandbox(self.launcher, uid, limits, self._workdir(thread_id))
            self._boxes[thread_id] = box
        if victim is not None:
            victim.stop()
        return box

    def peek(self, thread_id: str) -> Optional[Sandbox]:
        """The thread's sandbox if it has one (none is made)."""
        with self._lock:
            return self._boxes.get(thread_id)

    def drop(self, thread_id: str) -> None:
        """Stop a thread's sandbox (and delete its working directory, if it has one)."""
        with self._lock:
            box = self._boxes.pop(thread_id, None)
        if box is not None:
            box.stop()
        workdir = self._workdir(thread_id)
        if workdir is not None:
            shutil.rmtree(workdir, ignore_errors=True)

    def sweep(self) -> int:
        """Stop sandboxes idle for ``idle_seconds``; return how many."""
        cutoff = time.monotonic() - self.idle_seconds
        with self._lock:
            idle = [t for t, b in self._boxes.items() if b.last_used < cutoff and not b.lock.locked()]
            boxes = [self._boxes.pop(t) for t in idle]
        for box in boxes:
            box.stop()
        return len(boxes)

    async def run(self, fn: Callable[..., Any], *args: Any) -> Any:
        """``fn(*args)`` on the pool's threads."""
        return await asyncio.get_running_loop().run_in_executor(self.executor, fn, *args)

    async def start(self) -> None:
        self._task = asyncio.create_task(self._sweep_forever(), name="sandbox-idle")

    async def _sweep_forever(self) -> None:
        while True:
            await asyncio.sleep(min(60.0, max(self.idle_seconds / 4, 0.5)))
            try:
                await self.run(self.sweep)
            except Exception:
                log.exception("sandbox idle sweep failed")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
        with self._lock:
            boxes, self._boxes = list(self._boxes.values()), {}
        await asyncio.gather(*(self.run(box.stop) for box in boxes), return_exceptions=True)
        self.executor.shutdown(wait=False, cancel_futures=True)


class CodeInterpreterTool:
    """The ``code_interpreter`` server tool. :attr:`unavailable`: why sandboxes cannot run here
    (runs are then refused, and calls answer it as an error output)."""

    type = "code_interpreter"

    def __init__(self, db: Database, pool: SandboxPool, *, read_blob: Callable[[str], bytes],
                 store_output: Callable[[str, bytes, str], dict[str, Any]], timeout: float,
                 containers: Optional[ContainerStore] = None) -> None:
        self.db = db
        #: Containers, where a response's calls run (their files are ``/mnt/data``).
        self.containers = containers
        self.pool = pool
        self.read_blob = read_blob
        self.store_output = store_output
        self.timeout = timeout
        self._checked: Optional[tuple[Optional[str]]] = None
        self._check_lock = threading.Lock()
        #: The call under way (or waiting for a thread) of each run, and its sandbox's key.
        self._calls: dict[str, tuple[concurrent.futures.Future[dict[str, Any]], str]] = {}
        self._calls_lock = threading.Lock()

    def _project(self, thread_id: str) -> str:
        """The project of the run's thread: files the code writes belong to it."""
        with self.db.session() as s:
            project = s.scalar(select(ThreadRow.project_id).where(ThreadRow.id == thread_id))
        return project or DEFAULT_PROJECT_ID

    @property
    def unavailable(self) -> Optional[str]:
        """Why a sandbox cannot start here (``None``: it can); found out once, by starting one
        (when a run first asks for the tool), and logged."""
        with self._check_lock:
            if self._checked is None:
                self._checked = (self.pool.launcher.trial(),)
                if self._checked[0]:
                    log.warning("code_interpreter is unavailable: %s", self._checked[0])
            return self._checked[0]

    def announce(self) -> None:
        """Say in the log whether sandboxes can run here (a quick look, at start-up)."""
        reason = self.pool.launcher.check()
        if reason:
            log.warning("code_interpreter is unavailable: %s", reason)
        else:
            log.info("code_interpreter sandboxes: %s", self.pool.launcher.name)

    def definition(self, tool: dict[str, Any]) -> dict[str, Any]:
        return {"type": "function", "function": {"name": NAME, "description": DESCRIPTION, "parameters": PARAMETERS}}

    # ------------------------------------------------------------ streaming (the engine asks)

    def first_delta(self) -> dict[str, Any]:
        return {"input": "", "outputs": []}

    def input_delta(self, arguments: str, sent: int) -> tuple[Optional[dict[str, Any]], int]:
        """The part of the code not yet streamed, from the arguments so far."""
        code = partial_code(arguments)
        if code is None or len(code) <= sent:
            return None, sent
        return {"input": code[sent:]}, len(code)

    def result_delta(self, record: dict[str, Any], sent: int) -> dict[str, Any]:
        """The delta that ends a call: the rest of its input, then its outputs."""
        body = record["code_interpreter"]
        delta: dict[str, Any] = {}
        if len(body["input"]) > sent:
            delta["input"] = body["input"][sent:]
        delta["outputs"] = [dict(output, index=i) for i, output in enumerate(body["outputs"])]
        return delta

    # ------------------------------------------------------------ calls

    async def run(self, run: dict[str, Any], tool: dict[str, Any], call_id: str, arguments: str) -> ServerToolResult:
        code = code_of(arguments)
        container = container_of(tool)
        future = self.pool.executor.submit(self.execute, run, code, container)
        with self._calls_lock:
            self._calls[run["id"]] = (future, container or run["thread_id"])
        try:
            record = await asyncio.wrap_future(future)
        except asyncio.CancelledError:
            task = asyncio.current_task()
            if not future.cancelled() or (task is not None and task.cancelling()):
                raise
            record = self._record(code, Execution(logs="", error="ExecutionCancelled: the run was cancelled before "
                                                                  "this code ran."), [], {}, container)
        finally:
            with self._calls_lock:
                if self._calls.get(run["id"], (None,))[0] is future:
                    del self._calls[run["id"]]
        record["id"] = call_id
        return ServerToolResult(record=record, output=self.replay(record)[1])

    def cancel(self, run: dict[str, Any]) -> None:
        """The run is being cancelled (called again and again until its call ends): a call still
        waiting for a thread is dropped; a running one is interrupted, and its sandbox killed when
        the code has not stopped ``cancel_grace_seconds`` later. Never blocks."""
        with self._calls_lock:
            future, key = self._calls.get(run["id"], (None, run["thread_id"]))
        if future is not None and future.cancel():
            return
        box = self.pool.peek(key)
        if box is not None and future is not None:
            box.cancel()

    def replay(self, record: dict[str, Any]) -> tuple[str, str]:
        body = record["code_interpreter"]
        return json.dumps({"code": body["input"]}), record.get("_output") or ""

    def execute(self, run: dict[str, Any], code: str, container: Optional[str] = None) -> dict[str, Any]:
        """Run ``code`` in the sandbox of the run's thread (or of ``container``, a response's); return the
        call's record (blocking)."""
        def failed(error: str) -> dict[str, Any]:
            return self._record(code, Execution(logs="", error=error), [], {}, container)

        if self.unavailable:
            return failed(f"The code interpreter is not available on this server: {self.unavailable}")
        memory = None
        if container is not None:
            memory = self._container_memory(container)
            if isinstance(memory, str):
                return failed(memory)
        try:
            box = self.pool.get(container or run["thread_id"], memory)
        except SandboxError as exc:
            return failed(str(exc))
        notes: list[str] = []
        with box.lock:
            box.begin()
            try:
                if not box.alive:
                    box.start()
                    box.staged, box.placed = {}, set()
                    if container is None:
                        notes += self._restore(box, run["thread_id"])
                notes += self._stage(box, run) if container is None else self._stage_container(box, container)
                before = box.list_files(MAX_LISTED)
                execution = box.run_code(code, self.timeout)
            except FileRefused as exc:
                return failed(f"The sandbox could not list its files: {exc}")
            except SandboxError as exc:
                return failed(str(exc))
            after: dict[str, tuple[int, int]] = {}
            if not execution.restarted:
                try:
                    after = box.list_files(MAX_LISTED)
                except (FileRefused, SandboxError) as exc:
                    notes.append(f"[the files the code wrote could not be collected: {exc}]")
            project = self._project(run["thread_id"])
            if container is None:
                images = [self.store_output(project, png, f"{new_id('image-')}.png")["id"] for png in execution.images]
            else:  # a response shows its images inline
                images = [f"data:image/png;base64,{base64.b64encode(png).decode()}" for png in execution.images]
            written: dict[str, str] = {}
            skipped = []
            budget, attempts = MAX_BYTES_PER_CALL, 2 * MAX_FILES_PER_CALL
            for relative, seen in after.items():
                if before.get(relative) == seen:
                    continue
                path = f"{MOUNT}/{relative}"
                data = None
                if len(written) < MAX_FILES_PER_CALL and attempts > 0 and seen[0] <= min(MAX_FILE_BYTES, budget):
                    attempts -= 1
                    # as listed, with room to have grown a little since (a file growing past it is left out)
                    limit = min(MAX_FILE_BYTES, budget, seen[0] + READ_SLACK)
                    try:
                        with self.pool.transfers.hold(limit, box.limits.io_timeout):
                            data = box.read_file(relative, limit)
                            if data is not None:
                                budget -= len(data)
                                written[path] = self._keep(project, container, path, data)
                                box.staged[path] = written[path]
                                box.placed.add(written[path])
                    except (SandboxError, TimeoutError, APIError):
                        data = None
                if data is None:
                    skipped.append(path)
        if skipped:
            notes.append(f"[not saved as files (over {MAX_FILES_PER_CALL} files, {MAX_FILE_BYTES // 2 ** 20} MiB "
                         f"each or {MAX_BYTES_PER_CALL // 2 ** 20} MiB in all, not regular files, or past the "
                         f"container's bounds): {', '.join(skipped[:10])}{' ...' if len(skipped) > 10 else ''}]")
        if notes:
            execution.logs = "\n".join([execution.logs.rstrip("\n"), *notes] if execution.logs else notes)
        if container is not None and self.containers is not None:
            self.containers.touch_id(container)
        return self._record(code, execution, images, written, container,
                            fixable=bool(execution.error) and not execution.restarted)

    def _keep(self, project: str, container: Optional[str], path: str, data: bytes) -> str:
        """Store a file the code wrote: as an ``assistants_output`` file of the run's project, or as the
        container's file at its path (``source: assistant``); return its id."""
        if container is None or self.containers is None:
            return self.store_output(project, data, Path(path).name)["id"]
        return self.containers.copy_file(container, path, data, "assistant", replace=True)["id"]

    @staticmethod
    def _record(code: str, execution: Execution, images: list[str], written: dict[str, str],
                container: Optional[str] = None, *, fixable: bool = False) -> dict[str, Any]:
        """The step's call; ``images``: file ids (a run's) or ``data:`` URLs (a response's, in ``container``);
        ``fixable``: the code itself failed (an exception it raised), so the model may try again
        (:data:`RETRY_KEY`)."""
        outputs: list[dict[str, Any]] = []
        logs = "\n".join(p.rstrip("\n") for p in (execution.logs, execution.error) if p)
        if logs:
            outputs.append({"type": "logs", "logs": logs})
        if container is None:
            outputs.extend({"type": "image", "image": {"file_id": file_id}} for file_id in images)
        else:
            outputs.extend({"type": "image", "url": url} for url in images)
        record = {"type": "code_interpreter", "code_interpreter": {"input": code, "outputs": outputs},
                  FILES_KEY: written, "_output": render_output(execution, images if container is None else
                                                               ["" for _ in images], list(written)),
                  RETRY_KEY: fixable}
        if container is not None:
            record[CONTAINER_KEY] = container
        return record

    # ------------------------------------------------------------ files (blocking)

    def inputs(self, run: dict[str, Any]) -> list[tuple[str, str, int]]:
        """(file id, filename, size) of the files the run's sandbox should hold, oldest first: the run's
        (else the assistant's) and the thread's ``code_interpreter`` resources, then message attachments."""
        with self.db.session() as s:
            ids: list[str] = []
            for resources in run_tool_resources(s, run):
                ids.extend((resources.get("code_interpreter") or {}).get("file_ids") or [])
            for body in s.scalars(select(MessageRow.body).where(MessageRow.thread_id == run["thread_id"])
                                  .order_by(MessageRow.seq.asc())):
                for attachment in body.get("attachments") or []:
                    if any(t.get("type") == "code_interpreter" for t in attachment.get("tools") or []):
                        ids.append(attachment["file_id"])
            ids = list(dict.fromkeys(ids))
            names: dict[str, dict[str, Any]] = {
                row.id: row.body for row in s.execute(select(FileRow.id, FileRow.body).where(FileRow.id.in_(ids)))}
        return [(i, names[i].get("filename") or i, int(names[i].get("bytes") or 0)) for i in ids if i in names]

    def _stage(self, box: Sandbox, run: dict[str, Any]) -> list[str]:
        """Copy the run's input files not yet in the sandbox to ``/mnt/data/<filename>``
        (a name already taken gets the file id in front); return notes on those that could not be."""
        staged = box.staged
        notes = []
        for file_id, filename, size in self.inputs(run):
            if file_id in box.placed:
                continue
            name = safe_name(filename)
            if f"{MOUNT}/{name}" in staged:
                name = f"{file_id}-{name}"
            notes += self._place(box, name, file_id, size)
        return notes

    def _place(self, box: Sandbox, relative: str, file_id: str, size: int) -> list[str]:
        """Put an input file in the sandbox (:meth:`_put`), once; a note when it could not be."""
        error = self._put(box, relative, file_id, size)
        if error == "":
            box.placed.add(file_id)
        elif error is not None:
            return [f"[{MOUNT}/{relative} could not be put in the sandbox: {error}]"]
        return []

    def _put(self, box: Sandbox, relative: str, file_id: str, size: int) -> Optional[str]:
        """Put a stored file into the sandbox at ``/mnt/data/<relative>``, within the pool's bytes in
        flight: ``""`` when it is there, ``None`` when its bytes are gone, else why it could not be."""
        try:
            with self.pool.transfers.hold(size, box.limits.io_timeout):
                try:
                    data = self.read_blob(file_id)
                except OSError:
                    return None
                box.staged[box.put_file(relative, data)] = file_id
        except (FileRefused, TimeoutError) as exc:
            return str(exc)
        return ""

    def _container_memory(self, container: str) -> Any:
        """The container's memory limit in bytes, or why its code cannot run (it expired, or is gone)."""
        assert self.containers is not None
        try:
            with self.db.session() as s:
                row = self.containers.running(s, container)
                limit = row.body.get("memory_limit") or "1g"
        except APIError as exc:
            return exc.message
        return MEMORY_LIMIT_MB.get(limit, 1024) * 1024 * 1024

    def _stage_container(self, box: Sandbox, container: str) -> list[str]:
        """Put the container's files not yet in the sandbox at their paths; return notes on those that
        could not be."""
        assert self.containers is not None
        notes = []
        for file_id, path, size in self.containers.files(container):
            relative = path[len(MOUNT) + 1:]
            if file_id not in box.placed and path.startswith(MOUNT + "/") and valid_path(relative):
                notes += self._place(box, relative, file_id, size)
        return notes

    def _restore(self, box: Sandbox, thread_id: str) -> list[str]:
        """Put back the files earlier calls in the thread wrote (newest version of each path);
        return notes on those that could not be."""
        written: dict[str, str] = {}
        with self.db.session() as s:
            for body in s.scalars(select(RunStepRow.body).where(RunStepRow.thread_id == thread_id)
                                  .order_by(RunStepRow.seq.asc())):
                if body.get("type") != "tool_calls":
                    continue
                for call in body["step_details"].get("tool_calls") or []:
                    if call.get("type") == "code_interpreter":
                        written.update(call.get(FILES_KEY) or {})
            sizes = {row.id: int(row.body.get("bytes") or 0)
                     for row in s.execute(select(FileRow.id, FileRow.body).where(FileRow.id.in_(list(written.values()))))}
        notes = []
        for path, file_id in written.items():
            relative = path[len(MOUNT) + 1:]
            if file_id not in sizes or not valid_path(relative):
                continue
            error = self._put(box, relative, file_id, sizes[file_id])
            if error:
                notes.append(f"[{path} could not be put back in the sandbox: {error}]")
        return notes

    def message_parts(self, steps: list[dict[str, Any]]) -> tuple[list[str], dict[str, str]]:
        """The image file ids of calls since the run's last message, and every path written in the run."""
        images: list[str] = []
        paths: dict[str, str] = {}
        for step in steps:
            details = step["step_details"]
            if details["type"] == "message_creation":
                images = []
                continue
            for call in details.get("tool_calls") or []:
                if call.get("type") != "code_interpreter":
                    continue
                container = call.get(CONTAINER_KEY)
                paths.update({path: f"{container}/{file_id}" if container else file_id
                              for path, file_id in (call.get(FILES_KEY) or {}).items()})
                images.extend(o["image"]["file_id"] for o in call["code_interpreter"]["outputs"]
                              if o.get("type") == "image" and "image" in o)
        return images, paths
