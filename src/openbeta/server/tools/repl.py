"""The interpreter that runs inside a sandbox: a persistent Python namespace, and the only
thing that touches the sandbox's files. It runs as a script (it imports nothing from
openbeta), as the sandbox's own user.

It talks to the server in frames over its standard input and output: a header (one line of
JSON, with the request's ``seq`` echoed in the reply), then, when the header has a ``size``,
exactly that many raw bytes. Requests::

    {"op": "exec", "timeout": seconds, "size": n}    + the code (UTF-8)
    {"op": "put", "path": "a/b.csv", "size": n}      + the file's bytes
    {"op": "list", "max_files": n}
    {"op": "read", "path": "a/b.csv", "max_bytes": n}

Replies: ``exec``: ``{"logs", "error", "timed_out", "truncated", "images": [sizes], "size"}``
then the PNG images, one after another; ``put``: ``{"path"}``; ``list``: ``{"files": [[path,
size, mtime_ns], ...], "truncated"}``; ``read``: ``{"size"}`` then the file. A request that
cannot be done answers ``{"error": "..."}`` (the frame's payload is still read). The first
frame, before any request, is ``{"ready": true, "seq": 0}``.

Files live under the data directory (``/mnt/data`` in a sandbox). Every path is walked from
that directory's descriptor one component at a time with ``O_NOFOLLOW``, files are opened
``O_NONBLOCK`` and anything but a regular file is refused, so a link, FIFO or device the code
plants can neither redirect nor block this process. A file is put by writing a new file
(``O_EXCL``) and renaming it over the name.

The code's standard output and error (and those of processes it starts) go to an unnamed
file in the sandbox's ``/tmp``, read back after the call and cut to ``max_output`` bytes.
The value of a last expression is printed, as a notebook shows it. Open matplotlib figures
become PNG images after each call (``plt.show()`` keeps them for that). A call that outlives
``timeout`` is interrupted and reported as an error (so is one the server stops with
``SIGUSR1``: its run was cancelled); every process the code started is killed when the call
ends (this process is their subreaper, so those that left their parent come back to it too).
Threads the code started go on running in this process: the server treats every reply as
hostile.
"""

from __future__ import annotations

import ast
import ctypes
import errno
import io
import json
import linecache
import os
import resource
import shutil
import signal
import stat
import sys
import tempfile
import traceback
import warnings

MAX_FIGURES = 10
LIMITS = {"memory": resource.RLIMIT_AS, "processes": resource.RLIMIT_NPROC, "file_size": resource.RLIMIT_FSIZE}
#: The longest request header (the server sends large things as payloads).
MAX_REQUEST_HEADER = 1024 * 1024
CHUNK = 1024 * 1024
PR_SET_CHILD_SUBREAPER = 36
#: Names of files being put (written, then renamed over their name); never listed.
PUTTING = ".openbeta-put-"


class ExecutionTimeout(BaseException):
    """Raised in the code when its call has run out of time."""


class ExecutionCancelled(BaseException):
    """Raised in the code when the server stops its call (its run was cancelled)."""


class Refused(Exception):
    """A file request that cannot be done (answered as an ``error``)."""


#: Whether the code of a call is running (signals only interrupt it then).
_running = [False]


def _alarm(signum: int, frame: object) -> None:
    if _running[0]:
        raise ExecutionTimeout()


def _cancel(signum: int, frame: object) -> None:
    if _running[0]:
        raise ExecutionCancelled()


def _limit(options: dict) -> None:
    for key, which in LIMITS.items():
        value = int(options.get(key) or 0)
        if value > 0:
            resource.setrlimit(which, (value, value))


# ---------------------------------------------------------------- code


def _figures() -> list[bytes]:
    plt = sys.modules.get("matplotlib.pyplot")
    if plt is None:
        return []
    images = []
    numbers = plt.get_fignums()
    if len(numbers) > MAX_FIGURES:
        print(f"[{len(numbers)} figures open: the first {MAX_FIGURES} are shown]", file=sys.stderr)
    for number in numbers[:MAX_FIGURES]:
        buffer = io.BytesIO()
        try:
            plt.figure(number).savefig(buffer, format="png")
            images.append(buffer.getvalue())
        except Exception as exc:  # a broken figure is reported, not fatal
            print(f"[figure {number} could not be drawn: {exc}]", file=sys.stderr)
    plt.close("all")
    return images


def _run(code: str, namespace: dict, name: str) -> None:
    linecache.cache[name] = (len(code), None, code.splitlines(True), name)
    tree = ast.parse(code, name, "exec")
    last = None
    tail = tree.body[-1] if tree.body else None
    if isinstance(tail, ast.Expr):
        tree.body.pop()
        last = ast.Expression(tail.value)
    exec(compile(tree, name, "exec"), namespace)
    if last is not None:
        value = eval(compile(last, name, "eval"), namespace)
        if value is not None:
            print(repr(value))


def _traceback(exc: BaseException) -> str:
    """The error's traceback without this driver's own frames (a syntax error: just the error)."""
    if isinstance(exc, SyntaxError):
        return "".join(traceback.format_exception_only(type(exc), exc))
    tb = exc.__traceback__
    while tb is not None and tb.tb_frame.f_code.co_filename == __file__:
        tb = tb.tb_next
    return "".join(traceback.format_exception(type(exc), exc, tb))


def _reap(block: bool) -> None:
    """Collect the exit of the children the code left (a zombie still counts as a process);
    ``block``: wait for all of them (they were just killed)."""
    while True:
        try:
            pid, _ = os.waitpid(-1, 0 if block else os.WNOHANG)
        except ChildProcessError:
            return
        except InterruptedError:
            continue
        if pid == 0:
            return


def _descendants(me: int) -> list[int]:
    """Live processes under this one (zombies left out)."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as f:
                fields = f.read().rsplit(b")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if fields[0] != b"Z":
            children.setdefault(int(fields[1]), []).append(int(entry))
    out, queue = [], list(children.get(me, []))
    while queue:
        pid = queue.pop()
        out.append(pid)
        queue.extend(children.get(pid, []))
    return out


def _kill_descendants(me: int) -> None:
    """Kill every process the code started (this process is their subreaper: orphans come
    back to it), again until none is left, then collect them."""
    for _ in range(100):
        alive = _descendants(me)
        if not alive:
            break
        for pid in alive:
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
        _reap(False)
    _reap(not _descendants(me))


class Interpreter:
    def __init__(self, options: dict) -> None:
        self.options = options
        self.max_output = int(options.get("max_output") or 65536)
        self.tmp = options.get("tmp") or None
        self.me = os.getpid()
        self.count = 0
        self.namespace: dict = {"__name__": "__main__", "__builtins__": __builtins__}

    def execute(self, code: str, timeout: float) -> tuple[dict, list[bytes]]:
        self.count += 1
        capture = tempfile.TemporaryFile(dir=self.tmp)  # unnamed: nothing the code can swap
        sys.stdout.flush()
        sys.stderr.flush()
        os.dup2(capture.fileno(), 1)
        os.dup2(capture.fileno(), 2)
        error = None
        timed_out = False
        # CPU seconds: any process the call starts gets ``timeout``; this one a little more
        # than it has used (the wall-clock alarm below stops it first). The alarm repeats, in
        # case the first one lands where it is swallowed (a finalizer, a fork handler).
        spent = resource.getrusage(resource.RUSAGE_SELF)
        cpu = int(spent.ru_utime + spent.ru_stime + timeout) + 2
        resource.setrlimit(resource.RLIMIT_CPU, (cpu, resource.getrlimit(resource.RLIMIT_CPU)[1]))
        signal.setitimer(signal.ITIMER_REAL, timeout, 0.25)
        try:
            try:
                _running[0] = True
                _run(code, self.namespace, f"<cell {self.count}>")
            finally:
                _running[0] = False
                signal.setitimer(signal.ITIMER_REAL, 0)
        except ExecutionTimeout:
            timed_out = True
            error = f"ExecutionTimeout: the code ran longer than {timeout:g} seconds and was stopped."
        except ExecutionCancelled:
            error = "ExecutionCancelled: the run was cancelled while this code ran; it was stopped."
        except SystemExit as exc:
            if os.getpid() != self.me:
                os._exit(0)
            error = f"SystemExit: {exc.code}"
        except BaseException as exc:
            if os.getpid() != self.me:  # a child the code forked: it never answers
                os._exit(1)
            error = _traceback(exc)
        if os.getpid() != self.me:
            os._exit(0)
        images = _figures()
        _kill_descendants(self.me)
        sys.stdout.flush()
        sys.stderr.flush()
        _quiet()
        with capture:
            size = os.fstat(capture.fileno()).st_size
            logs = os.pread(capture.fileno(), self.max_output, 0).decode("utf-8", "replace")
        truncated = size > self.max_output
        if truncated:
            logs += f"\n[output truncated: {size} bytes written, {self.max_output} shown]"
        if error and len(error) > self.max_output:
            error = error[: self.max_output // 2] + "\n[...]\n" + error[-self.max_output // 2:]
        return {"logs": logs, "error": error, "timed_out": timed_out, "truncated": truncated,
                "images": [len(i) for i in images]}, images


def _quiet() -> None:
    """Point standard output and error at /dev/null (between calls, what threads print is lost)."""
    null = os.open(os.devnull, os.O_WRONLY)
    os.dup2(null, 1)
    os.dup2(null, 2)
    os.close(null)


# ---------------------------------------------------------------- files

OPEN_DIR = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC


def _parts(path: object) -> list[str]:
    if not isinstance(path, str) or "\0" in path:
        raise Refused("invalid path")
    parts = [p for p in path.split("/") if p not in ("", ".")]
    if not parts or ".." in parts or any(len(p.encode("utf-8", "surrogateescape")) > 255 for p in parts):
        raise Refused(f"invalid path {path!r}")
    return parts


def _remove(name: str, folder: int) -> None:
    info = os.stat(name, dir_fd=folder, follow_symlinks=False)
    if stat.S_ISDIR(info.st_mode):
        shutil.rmtree(name, dir_fd=folder)
    else:
        os.unlink(name, dir_fd=folder)


class Files:
    """The data directory, reached only through descriptors."""

    def __init__(self, root: str) -> None:
        os.makedirs(root, exist_ok=True)
        self.root = os.open(root, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)

    def _folder(self, parts: list[str], create: bool) -> int:
        """A descriptor of the folder ``parts`` (made, and anything in the way removed, with ``create``)."""
        folder = os.dup(self.root)
        try:
            for part in parts:
                if create:
                    try:
                        os.mkdir(part, 0o755, dir_fd=folder)
                    except FileExistsError:
                        pass
                try:
                    inner = os.open(part, OPEN_DIR, dir_fd=folder)
                except OSError as exc:
                    if not create or exc.errno not in (errno.ENOTDIR, errno.ELOOP):
                        raise
                    _remove(part, folder)  # a file or a link where a folder must be
                    os.mkdir(part, 0o755, dir_fd=folder)
                    inner = os.open(part, OPEN_DIR, dir_fd=folder)
                os.close(folder)
                folder = inner
            return folder
        except BaseException:
            os.close(folder)
            raise

    def put(self, path: object, size: int, source: io.BufferedReader) -> dict:
        """Write the next ``size`` bytes of ``source`` to ``path`` (always consuming them)."""
        error: str | None = None
        folder = out = -1
        temporary = f"{PUTTING}{os.urandom(8).hex()}"
        try:
            parts = _parts(path)
            folder = self._folder(parts[:-1], create=True)
            out = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, 0o644,
                          dir_fd=folder)
        except (OSError, Refused) as exc:
            error = str(exc)
        left = size
        while left > 0:
            chunk = source.read(min(CHUNK, left))
            if not chunk:
                raise EOFError("the request ended early")
            left -= len(chunk)
            if out >= 0 and error is None:
                try:
                    view = memoryview(chunk)
                    while view:
                        view = view[os.write(out, view):]
                except OSError as exc:  # ENOSPC: the sandbox's disk budget is used up
                    error = exc.strerror or str(exc)
        try:
            if out >= 0:
                os.close(out)
                if error is None:
                    try:
                        os.replace(temporary, parts[-1], src_dir_fd=folder, dst_dir_fd=folder)
                    except OSError:  # a folder (or something else) in the way
                        _remove(parts[-1], folder)
                        os.replace(temporary, parts[-1], src_dir_fd=folder, dst_dir_fd=folder)
        except OSError as exc:
            error = str(exc)
        finally:
            if out >= 0 and error is not None:
                try:
                    os.unlink(temporary, dir_fd=folder)
                except OSError:
                    pass
            if folder >= 0:
                os.close(folder)
        return {"error": error} if error else {"path": "/".join(parts)}

    def list(self, max_files: int) -> dict:
        """Regular files (links and everything else are left out): path, size, mtime."""
        files: list[list] = []
        for top, dirs, names, top_fd in os.fwalk(".", dir_fd=self.root, follow_symlinks=False):
            dirs.sort()
            for name in sorted(names):
                if name.startswith(PUTTING):
                    continue
                try:
                    info = os.stat(name, dir_fd=top_fd, follow_symlinks=False)
                    relative = os.path.normpath(os.path.join(top, name))
                    relative.encode("utf-8")
                except (OSError, UnicodeEncodeError):
                    continue
                if stat.S_ISREG(info.st_mode):
                    files.append([relative, info.st_size, info.st_mtime_ns])
                    if len(files) >= max_files:
                        return {"files": files, "truncated": True}
        return {"files": files, "truncated": False}

    def read(self, path: object, max_bytes: int) -> tuple[dict, bytes]:
        parts = _parts(path)
        folder = self._folder(parts[:-1], create=False)
        try:
            fd = os.open(parts[-1], os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC, dir_fd=folder)
        finally:
            os.close(folder)
        try:
            info = os.fstat(fd)
            if not stat.S_ISREG(info.st_mode):
                raise Refused("not a regular file")
            chunks, left = [], max_bytes + 1
            while left > 0:
                chunk = os.read(fd, min(CHUNK, left))
                if not chunk:
                    break
                chunks.append(chunk)
                left -= len(chunk)
        finally:
            os.close(fd)
        data = b"".join(chunks)
        if len(data) > max_bytes:
            raise Refused(f"larger than {max_bytes} bytes")
        return {"size": len(data)}, data


# ---------------------------------------------------------------- the loop


def _send(out: io.BufferedWriter, header: dict, payload: bytes | list[bytes] = b"") -> None:
    parts = payload if isinstance(payload, list) else [payload]
    size = sum(len(p) for p in parts)
    if size:
        header = dict(header, size=size)
    out.write(json.dumps(header).encode() + b"\n")
    for part in parts:
        out.write(part)
    out.flush()


def _payload(source: io.BufferedReader, size: int) -> bytes:
    data = source.read(size)
    if len(data) != size:
        raise EOFError("the request ended early")
    return data


def main() -> None:
    options = json.loads(sys.argv[1]) if len(sys.argv) > 1 else {}
    _limit(options)
    os.nice(int(options.get("nice") or 0))
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a file over the size limit fails with EFBIG instead
    ctypes.CDLL(None).prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)  # what the code leaves running comes back here
    requests = os.fdopen(os.dup(0), "rb")
    replies = os.fdopen(os.dup(1), "wb")
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    os.close(null)
    _quiet()
    files = Files(options.get("data") or "/mnt/data")
    os.chdir(options.get("data") or "/mnt/data")
    interpreter = Interpreter(options)
    signal.signal(signal.SIGALRM, _alarm)
    signal.signal(signal.SIGUSR1, _cancel)
    # matplotlib is imported by the code when it wants it (Agg, from MPLBACKEND); ``show()``
    # then only keeps the figures, which are collected after the call.
    warnings.filterwarnings("ignore", message=".*non-interactive, and thus cannot be shown")
    _send(replies, {"ready": True, "seq": 0})
    while True:
        line = requests.readline(MAX_REQUEST_HEADER)
        if not line:
            return
        request = json.loads(line)
        seq = request.get("seq")
        op = request.get("op")
        size = int(request.get("size") or 0)
        if op == "put":
            _send(replies, dict(files.put(request.get("path"), size, requests), seq=seq))
            continue
        body = _payload(requests, size)
        try:
            if op == "exec":
                reply, images = interpreter.execute(body.decode("utf-8", "replace"), float(request.get("timeout") or 60))
                _send(replies, dict(reply, seq=seq), images)
            elif op == "list":
                _send(replies, dict(files.list(int(request.get("max_files") or 1000)), seq=seq))
            elif op == "read":
                reply, data = files.read(request.get("path"), int(request.get("max_bytes") or 0))
                _send(replies, dict(reply, seq=seq), data)
            else:
                _send(replies, {"error": f"unknown request {op!r}", "seq": seq})
        except (OSError, Refused, RecursionError) as exc:
            _send(replies, {"error": str(exc) or type(exc).__name__, "seq": seq})


if __name__ == "__main__":
    _diagnostics = os.dup(2)  # the server keeps the tail of it: why the interpreter stopped
    try:
        main()
    except BaseException:
        os.write(_diagnostics, traceback.format_exc().encode(errors="replace")[-4000:])
        raise SystemExit(1)
