"""The interpreter that runs inside a sandbox: a persistent Python namespace that
executes one request per line of JSON on its standard input.

This file runs as a script inside the sandbox and imports nothing from openbeta.
Request: ``{"code": "...", "timeout": seconds}``. Reply (one JSON line on the
descriptor the process was started with as its standard output)::

    {"logs": "stdout and stderr, as written", "error": "traceback" | null,
     "images": ["<base64 PNG>", ...], "timed_out": bool, "truncated": bool}

The code's own standard output and error (and those of processes it starts) go to a
file in the sandbox's ``/tmp``, read back after the call and cut to ``max_output``
bytes. The value of a last expression is printed, as a notebook shows it. Open
matplotlib figures become PNG images after each call (``plt.show()`` keeps them for
that). A call that outlives ``timeout`` is interrupted and reported as an error (so is
one the server stops with ``SIGUSR1``: its run was cancelled); any
process the code left running is killed when the call ends (in a sandbox with its
own process namespace: ``own_pid_namespace``).
"""

from __future__ import annotations

import ast
import base64
import io
import json
import linecache
import os
import resource
import signal
import sys
import traceback
import warnings

MAX_FIGURES = 10
LIMITS = {"memory": resource.RLIMIT_AS, "processes": resource.RLIMIT_NPROC, "file_size": resource.RLIMIT_FSIZE}


class ExecutionTimeout(BaseException):
    """Raised in the code when its call has run out of time."""


class ExecutionCancelled(BaseException):
    """Raised in the code when the server stops its call (its run was cancelled)."""


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


def _figures() -> list[str]:
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
            images.append(base64.b64encode(buffer.getvalue()).decode())
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


def _read_capped(path: str, limit: int) -> tuple[str, bool]:
    size = os.path.getsize(path)
    with open(path, "rb") as f:
        data = f.read(limit)
    text = data.decode("utf-8", "replace")
    if size > limit:
        return text + f"\n[output truncated: {size} bytes written, {limit} shown]", True
    return text, False


def main() -> None:
    options = json.loads(sys.argv[1]) if len(sys.argv) > 1 else {}
    _limit(options)
    os.nice(int(options.get("nice") or 0))
    max_output = int(options.get("max_output") or 65536)
    me = os.getpid()
    requests = os.fdopen(os.dup(0), "r", encoding="utf-8")
    replies = os.fdopen(os.dup(1), "w", encoding="utf-8")
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    os.close(null)
    capture_path = "/tmp/.output"
    signal.signal(signal.SIGALRM, _alarm)
    signal.signal(signal.SIGUSR1, _cancel)
    namespace: dict = {"__name__": "__main__", "__builtins__": __builtins__}
    # matplotlib is imported by the code when it wants it (Agg, from MPLBACKEND); ``show()``
    # then only keeps the figures, which are collected after the call.
    warnings.filterwarnings("ignore", message=".*non-interactive, and thus cannot be shown")
    replies.write(json.dumps({"ready": True}) + "\n")
    replies.flush()
    for count, line in enumerate(requests, 1):
        request = json.loads(line)
        capture = os.open(capture_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        sys.stdout.flush()
        sys.stderr.flush()
        os.dup2(capture, 1)
        os.dup2(capture, 2)
        os.close(capture)
        error = None
        timed_out = False
        timeout = float(request.get("timeout") or 60)
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
                _run(request["code"], namespace, f"<cell {count}>")
            finally:
                _running[0] = False
                signal.setitimer(signal.ITIMER_REAL, 0)
        except ExecutionTimeout:
            timed_out = True
            error = f"ExecutionTimeout: the code ran longer than {timeout:g} seconds and was stopped."
        except ExecutionCancelled:
            error = "ExecutionCancelled: the run was cancelled while this code ran; it was stopped."
        except SystemExit as exc:
            if os.getpid() != me:
                os._exit(0)
            error = f"SystemExit: {exc.code}"
        except BaseException as exc:
            if os.getpid() != me:  # a child the code forked: it never answers
                os._exit(1)
            error = _traceback(exc)
        if os.getpid() != me:
            os._exit(0)
        images = _figures()
        if options.get("own_pid_namespace"):
            try:
                os.kill(-1, signal.SIGKILL)  # every process the code started (not this one)
            except OSError:
                pass
        _reap(bool(options.get("own_pid_namespace")))
        sys.stdout.flush()
        sys.stderr.flush()
        logs, truncated = _read_capped(capture_path, max_output)
        if error and len(error) > max_output:
            error = error[: max_output // 2] + "\n[...]\n" + error[-max_output // 2:]
        reply = {"logs": logs, "error": error, "images": images, "timed_out": timed_out, "truncated": truncated}
        replies.write(json.dumps(reply) + "\n")
        replies.flush()


if __name__ == "__main__":
    main()
