"""Sandboxes for the code interpreter, behind one small interface.

A :class:`Sandbox` is a stateful Python interpreter whose files are at ``/mnt/data``:
:meth:`~Sandbox.start`, :meth:`~Sandbox.run_code`, :meth:`~Sandbox.put_file`,
:meth:`~Sandbox.list_files`, :meth:`~Sandbox.read_file`, :meth:`~Sandbox.stop`.

The server never touches a path the sandbox can change. Files cross the boundary as bytes
through the interpreter's own pipes (the framed protocol of :mod:`.repl`): the driver inside
the sandbox, as the sandbox's user, does all file work under ``/mnt/data`` and passes bytes
out. Since the driver shares its process with the code (threads the code starts keep running
there), every reply is hostile input: the server reads it under a deadline and within sizes it
sets (header, largest file, images), checks its shape, and a reply that is late, malformed,
oversized or out of order kills that sandbox (the call reports it; the thread's files come back
from the database when the next call starts a fresh one).

A :class:`Launcher` decides how the process is isolated, so the mechanism can change without
touching the tool or the run engine:

- :class:`BubblewrapLauncher` (the default), in two layers. The outer ``bwrap`` (privileged
  when the server is root) makes new mount, PID, network (a loopback of its own only), IPC,
  UTS and cgroup namespaces, with read-only binds of ``/usr`` and the Python prefix (seen as
  ``/opt/python``) and nothing else of the host. Then, as root, ``setpriv`` drops to the
  sandbox's own unprivileged user id (one per live sandbox) with no capabilities and
  ``no_new_privs``; an inner, unprivileged ``bwrap --unshare-user --disable-userns`` makes the
  whole tree read-only, mounts a private ``/tmp`` and a size-limited tmpfs at ``/mnt/data``
  (the disk budget), installs the seccomp filter of :mod:`.seccomp` and runs the interpreter
  (under limits on address space, processes and file size). No further user namespace can be
  made inside (bubblewrap's nested-namespace limit, and the filter). A server that is not
  root runs the same layers with a user namespace in the outer one, as its own user id.
- :class:`UnsafeLauncher`: the same interpreter as a plain subprocess of the server, with a
  host working directory driven by the same protocol, the same resource limits, and no
  isolation and no disk budget at all. Only for machines where the operator trusts every
  caller; chosen explicitly with ``OPENBETA_CODE_INTERPRETER_SANDBOX=unsafe``.
"""

from __future__ import annotations

import json
import logging
import os
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional, Protocol

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt, StrictStr, ValidationError
from typing_extensions import Annotated

from . import seccomp

log = logging.getLogger("openbeta.sandbox")

DRIVER = Path(__file__).with_name("repl.py")
#: Where the driver and Python live inside a bubblewrap sandbox.
INNER_DRIVER = "/opt/openbeta/repl.py"
INNER_PYTHON = "/opt/python"
INNER_VENV = "/opt/venv"
MOUNT = "/mnt/data"
#: The longest reply header accepted (logs and file listings travel in it).
MAX_HEADER = 8 * 1024 * 1024
#: Images of one call: each, and all together.
MAX_IMAGE_BYTES = 16 * 1024 * 1024
MAX_IMAGES_BYTES = 32 * 1024 * 1024
MAX_IMAGES = 10
#: Longest path (characters) of a file the sandbox lists.
MAX_PATH = 1024
PNG = b"\x89PNG\r\n\x1a\n"

#: The one thread that starts interpreter processes. bubblewrap's ``--die-with-parent`` kills a
#: sandbox when the *thread* that started it ends, so they are all started by this long-lived one.
_SPAWNER = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sandbox-spawner")


class SandboxError(Exception):
    """The sandbox cannot run, or stopped answering (it has been stopped)."""


class SandboxLost(SandboxError):
    """The interpreter died, was killed, or broke the protocol: it has been stopped."""

    def __init__(self, message: str, *, timed_out: bool = False) -> None:
        super().__init__(message)
        self.timed_out = timed_out


class FileRefused(Exception):
    """The sandbox could not do a file request (the disk budget is full, not a regular file ...)."""


@dataclass
class Limits:
    memory_bytes: int = 2 * 1024 ** 3
    processes: int = 64
    file_size_bytes: int = 256 * 1024 ** 2
    max_output_bytes: int = 64 * 1024
    tmp_bytes: int = 256 * 1024 ** 2
    #: Size of the ``/dev/shm`` tmpfs (multiprocessing's locks and queues; bubblewrap only).
    shm_bytes: int = 64 * 1024 ** 2
    #: Size of the ``/mnt/data`` tmpfs (bubblewrap only).
    disk_bytes: int = 512 * 1024 ** 2
    #: Seconds past a call's timeout before the whole sandbox is killed.
    grace_seconds: float = 5.0
    start_timeout: float = 60.0
    #: Seconds one file request (put, list, read) may take.
    io_timeout: float = 30.0
    #: Seconds a cancelled call may go on after its interrupt before the sandbox is killed.
    cancel_grace_seconds: float = 2.0


@dataclass
class Execution:
    """What one call produced."""

    logs: str
    error: Optional[str] = None
    images: list[bytes] = field(default_factory=list)
    timed_out: bool = False
    #: The interpreter was lost (killed or crashed): its variables are gone.
    restarted: bool = False


# ---------------------------------------------------------------- replies (hostile input)


class _Reply(BaseModel):
    model_config = ConfigDict(extra="ignore")
    seq: StrictInt
    error: Optional[StrictStr] = None


class _ExecReply(_Reply):
    logs: StrictStr = ""
    timed_out: StrictBool = False
    images: list[Annotated[StrictInt, Field(ge=0)]] = Field(default_factory=list, max_length=MAX_IMAGES)


class _ListReply(_Reply):
    files: list[tuple[StrictStr, Annotated[StrictInt, Field(ge=0)], StrictInt]] = Field(default_factory=list)
    truncated: StrictBool = False


class _PutReply(_Reply):
    path: Optional[StrictStr] = None


class _Channel:
    """Frames to and from an interpreter process, every step under a deadline."""

    def __init__(self, proc: subprocess.Popen[bytes]) -> None:
        assert proc.stdin is not None and proc.stdout is not None
        self.out = proc.stdin.fileno()
        self.inp = proc.stdout.fileno()
        os.set_blocking(self.out, False)
        os.set_blocking(self.inp, False)
        self.buffer = bytearray()

    def send(self, header: dict[str, Any], payload: bytes, deadline: float) -> None:
        for part in (memoryview(json.dumps(header).encode() + b"\n"), memoryview(payload)):
            while part:
                self._wait(deadline, write=True)
                try:
                    part = part[os.write(self.out, part):]
                except BlockingIOError:
                    continue
                except OSError:
                    raise SandboxLost("The code interpreter stopped unexpectedly.") from None

    def receive(self, deadline: float, max_payload: int) -> tuple[dict[str, Any], bytes]:
        """A header and its payload; :class:`SandboxLost` when it is late, too large or malformed."""
        searched = 0
        while (end := self.buffer.find(b"\n", searched, MAX_HEADER + 1)) < 0:
            if len(self.buffer) > MAX_HEADER:
                raise SandboxLost("The code interpreter sent a reply over the size limit.")
            searched = len(self.buffer)
            self._fill(deadline)
        try:
            header = json.loads(bytes(self.buffer[:end]))
        except Exception:  # ValueError, RecursionError ...: whatever a forged header makes json do
            header = None
        del self.buffer[:end + 1]
        if not isinstance(header, dict):
            raise SandboxLost("The code interpreter sent a reply that is not valid.")
        size = header.get("size", 0)
        if type(size) is not int or size < 0:
            raise SandboxLost("The code interpreter sent a reply that is not valid.")
        if size > max_payload:
            raise SandboxLost("The code interpreter sent a reply over the size limit.")
        while len(self.buffer) < size:
            self._fill(deadline)
        payload = bytes(self.buffer[:size])
        del self.buffer[:size]
        return header, payload

    def _fill(self, deadline: float) -> None:
        self._wait(deadline, write=False)
        try:
            chunk = os.read(self.inp, 1024 * 1024)
        except BlockingIOError:
            return
        except OSError:
            chunk = b""
        if not chunk:
            raise SandboxLost("The code interpreter stopped unexpectedly.")
        self.buffer += chunk

    def _wait(self, deadline: float, *, write: bool) -> None:
        left = deadline - time.monotonic()
        if left <= 0:
            raise SandboxLost("The code interpreter did not answer in time.", timed_out=True)
        fds = [self.out] if write else [self.inp]
        select.select([] if write else fds, fds if write else [], [], left)


# ---------------------------------------------------------------- launchers


class Launcher(Protocol):
    name: str
    #: Whether sandboxes keep a host working directory (``unsafe``); bubblewrap's live in memory.
    host_directory: bool

    def spawn(self, uid: int, options: dict[str, Any], workdir: Optional[Path]) -> subprocess.Popen[bytes]:
        """Start the interpreter (its standard input, output and error are pipes)."""
        ...

    def check(self) -> Optional[str]:
        """A quick look (at start-up): ``None`` when sandboxes seem able to start here, else why not."""
        ...

    def trial(self) -> Optional[str]:
        """Start an interpreter and stop it: ``None`` when that works, else why not."""
        ...


def _prefixes() -> list[tuple[Path, str]]:
    """(host directory, path inside): the Python installation, and the virtual environment if any."""
    base = Path(sys.base_prefix).resolve()
    out = [(base, INNER_PYTHON)]
    if Path(sys.prefix).resolve() != base:
        out.append((Path(sys.prefix).resolve(), INNER_VENV))
    return out


def _site_packages() -> list[str]:
    """The interpreter's package directories, as paths inside the sandbox."""
    import site
    out = []
    for path in [*site.getsitepackages(), *([p for p in sys.path if p.endswith("site-packages")])]:
        real = Path(path).resolve()
        for prefix, inner_prefix in reversed(_prefixes()):
            if real.is_dir() and prefix in real.parents:
                inner = f"{inner_prefix}/{real.relative_to(prefix)}"
                if inner not in out:
                    out.append(inner)
                break
    return out


def _pipes(argv: list[str], *, pass_fds: tuple[int, ...] = (), env: Optional[dict[str, str]] = None,
           cwd: Optional[str] = None) -> subprocess.Popen[bytes]:
    return subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            pass_fds=pass_fds, env=env, cwd=cwd, start_new_session=True)


class BubblewrapLauncher:
    name = "bubblewrap"
    host_directory = False

    def __init__(self, limits: Limits, bwrap: str = "bwrap") -> None:
        self.limits = limits
        self.bwrap = shutil.which(bwrap) or bwrap
        self.setpriv = shutil.which("setpriv") or "/usr/bin/setpriv"

    def command(self, uid: int, driver_options: dict[str, Any], seccomp_fd: int,
                program: Optional[list[str]] = None) -> list[str]:
        """The two layers (see the module's docstring) running ``program`` (default: the driver)."""
        version = f"python{sys.version_info.major}.{sys.version_info.minor}"
        root = os.geteuid() == 0
        outer = [
            self.bwrap, *([] if root else ["--unshare-user"]), "--unshare-ipc", "--unshare-pid", "--unshare-net",
            "--unshare-uts", "--unshare-cgroup-try", "--die-with-parent", "--new-session", "--hostname", "sandbox",
            "--ro-bind", "/usr", "/usr",
        ]
        for name in ("bin", "lib", "lib32", "lib64", "sbin"):
            if Path(f"/{name}").is_symlink():
                outer += ["--symlink", os.readlink(f"/{name}"), f"/{name}"]
            elif Path(f"/{name}").is_dir():
                outer += ["--ro-bind", f"/{name}", f"/{name}"]
        for tool in (self.bwrap, self.setpriv):  # the inner layer's programs, when not under /usr
            if not tool.startswith("/usr/") and Path(tool).exists():
                outer += ["--ro-bind", tool, tool]
        outer += ["--perms", "0755", "--dir", "/etc"]
        for name in ("ld.so.cache", "fonts", "localtime", "mime.types"):
            if Path(f"/etc/{name}").exists():
                outer += ["--ro-bind", f"/etc/{name}", f"/etc/{name}"]
        outer += [
            "--perms", "0755", "--dir", "/opt",
            *[arg for host, inner in _prefixes() for arg in ("--ro-bind", str(host), inner)],
            "--perms", "0755", "--dir", "/opt/openbeta", "--ro-bind", str(DRIVER), INNER_DRIVER,
            "--proc", "/proc", "--dev", "/dev",
            "--perms", "0755", "--dir", "/tmp", "--perms", "0755", "--dir", "/mnt", "--perms", "0755", "--dir", MOUNT,
            "--clearenv", "--setenv", "HOME", "/tmp", "--setenv", "PATH", f"{INNER_PYTHON}/bin:/usr/bin:/bin",
            "--setenv", "PYTHONHOME", INNER_PYTHON,
            "--setenv", "PYTHONPATH", ":".join(_site_packages() or [f"{INNER_PYTHON}/lib/{version}/site-packages"]),
            "--setenv", "MPLBACKEND", "Agg", "--setenv", "MPLCONFIGDIR", "/tmp/.matplotlib",
            "--setenv", "OPENBLAS_NUM_THREADS", "1", "--setenv", "OMP_NUM_THREADS", "1",
            "--setenv", "LANG", "C.UTF-8", "--setenv", "PYTHONUNBUFFERED", "1",
        ]
        if any((Path(sys.base_prefix) / "lib").glob("libpython*.so*")):
            # the interpreter's own shared library (its run path names the host's prefix, not /opt/python)
            outer += ["--setenv", "LD_LIBRARY_PATH", f"{INNER_PYTHON}/lib"]
        # as root: the sandbox's own user id, before the unprivileged inner layer
        drop = [self.setpriv, f"--reuid={uid}", f"--regid={uid}", "--clear-groups", "--no-new-privs",
                "--inh-caps=-all", "--bounding-set=-all"] if root else []
        inner = [
            self.bwrap, "--unshare-user", "--disable-userns", "--die-with-parent", "--new-session",
            "--ro-bind", "/", "/", "--dev", "/dev",
            # shared memory for multiprocessing's locks and queues, in a small budget of its own
            "--perms", "1777", "--size", str(self.limits.shm_bytes), "--tmpfs", "/dev/shm",
            "--remount-ro", "/dev", "--seccomp", str(seccomp_fd),
            "--perms", "1777", "--size", str(self.limits.tmp_bytes), "--tmpfs", "/tmp",
            "--perms", "0700", "--size", str(self.limits.disk_bytes), "--tmpfs", MOUNT, "--chdir", MOUNT,
        ]
        options = dict(driver_options, data=MOUNT, tmp="/tmp")
        return [*outer, *drop, *inner,
                *(program or [f"{INNER_PYTHON}/bin/python3", "-B", INNER_DRIVER, json.dumps(options)])]

    def spawn(self, uid: int, options: dict[str, Any], workdir: Optional[Path] = None,
              program: Optional[list[str]] = None) -> subprocess.Popen[bytes]:
        filter_program = seccomp.program()
        read, write = os.pipe()  # the filter, for bwrap to read (it is far smaller than a pipe's buffer)
        try:
            try:
                os.write(write, filter_program)
            finally:
                os.close(write)
            return _pipes(self.command(uid, options, read, program), pass_fds=(read,),
                          env={"PATH": "/usr/sbin:/usr/bin:/sbin:/bin"}, cwd="/")
        finally:
            os.close(read)

    def check(self) -> Optional[str]:
        if shutil.which(self.bwrap) is None:
            return "bubblewrap (bwrap) is not installed (Debian: apt-get install bubblewrap)"
        if os.geteuid() == 0 and not Path(self.setpriv).exists():
            return "setpriv (util-linux) is not installed"
        reason = seccomp.unavailable()
        if reason:
            return reason
        uid = 65534 if os.geteuid() == 0 else os.geteuid()
        try:
            proc = _SPAWNER.submit(self.spawn, uid, {}, None, ["/usr/bin/true"]).result(timeout=30)
            _, err = proc.communicate(timeout=30)
        except Exception as exc:
            return f"bubblewrap could not start: {exc}"
        if proc.returncode != 0:
            return f"bubblewrap could not create the sandbox: {err.decode(errors='replace').strip()}"
        return None

    def trial(self) -> Optional[str]:
        return self.check() or _try_start(self)


class UnsafeLauncher:
    """No isolation: the interpreter is an ordinary child process (resource limits only)."""

    name = "unsafe"
    host_directory = True

    def spawn(self, uid: int, options: dict[str, Any], workdir: Optional[Path]) -> subprocess.Popen[bytes]:
        assert workdir is not None
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(workdir), "MPLBACKEND": "Agg",
               "OPENBLAS_NUM_THREADS": "1", "PYTHONUNBUFFERED": "1", "LANG": "C.UTF-8"}
        options = {k: v for k, v in options.items() if k != "processes"}  # the server's own uid
        options["data"] = str(workdir)
        return _pipes([sys.executable, "-B", str(DRIVER), json.dumps(options)], env=env, cwd=str(workdir))

    def check(self) -> Optional[str]:
        return None

    def trial(self) -> Optional[str]:
        return _try_start(self)


def _try_start(launcher: Launcher) -> Optional[str]:
    """Start an interpreter and stop it: ``None`` when that works, else why not."""
    with tempfile.TemporaryDirectory(prefix="openbeta-sandbox-check-") as tmp:
        box = Sandbox(launcher, os.geteuid() if os.geteuid() else 65534, Limits(),
                      Path(tmp) if launcher.host_directory else None)
        try:
            box.start()
        except SandboxError as exc:
            return f"a sandbox could not start: {box.diagnostics or exc}"
        finally:
            box.stop()
    return None


# ---------------------------------------------------------------- the sandbox


class Sandbox:
    """One interpreter process. Blocking calls, one at a time (callers hold :attr:`lock`);
    :meth:`cancel` may come from any thread."""

    def __init__(self, launcher: Launcher, uid: int, limits: Limits, workdir: Optional[Path] = None) -> None:
        self.launcher = launcher
        self.uid = uid
        self.limits = limits
        #: The host working directory (``unsafe`` only; bubblewrap keeps files in the sandbox's memory).
        self.workdir = workdir
        self.lock = threading.Lock()
        self.last_used = time.monotonic()
        #: Files put in ``/mnt/data`` or written there: path the code sees -> file id.
        self.staged: dict[str, str] = {}
        #: Ids of the input files put in ``/mnt/data``.
        self.placed: set[str] = set()
        #: The last lines the process wrote to its standard error (why it could not start).
        self.diagnostics = ""
        self._proc: Optional[subprocess.Popen[bytes]] = None
        self._channel: Optional[_Channel] = None
        self._drainer: Optional[threading.Thread] = None
        self._seq = 0
        self._state = threading.Lock()
        self._busy = False  # a request is in flight
        self._cancel_since: Optional[float] = None
        self._killed_for_cancel = False

    @property
    def alive(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    # ------------------------------------------------------------ lifecycle

    def start(self) -> None:
        """Start the interpreter with an empty ``/mnt/data``."""
        self.stop()  # what is left of an interpreter that died
        if self.workdir is not None:
            shutil.rmtree(self.workdir, ignore_errors=True)
            self.workdir.mkdir(parents=True, mode=0o700, exist_ok=True)
        options = {"memory": self.limits.memory_bytes, "processes": self.limits.processes,
                   "file_size": self.limits.file_size_bytes, "max_output": self.limits.max_output_bytes,
                   "nice": 10}
        self._seq = 0
        try:
            proc = _SPAWNER.submit(self.launcher.spawn, self.uid, options, self.workdir).result(
                timeout=self.limits.start_timeout)
        except Exception as exc:
            raise SandboxError(f"The code interpreter could not start: {exc}") from None
        self._proc, self._channel = proc, _Channel(proc)
        self._drainer = threading.Thread(target=self._drain_stderr, args=(proc,), daemon=True)
        self._drainer.start()
        try:
            self._exchange(None, b"", deadline=time.monotonic() + self.limits.start_timeout, max_payload=0)
        except SandboxLost:
            raise SandboxError("The code interpreter could not start.") from None
        self.last_used = time.monotonic()

    def stop(self) -> None:
        with self._state:
            proc, self._proc, self._channel = self._proc, None, None
            if proc is None:
                return
            self._kill(proc)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            log.warning("sandbox process %s did not exit", proc.pid)
        if self._drainer is not None:
            self._drainer.join(timeout=1)
        for stream in (proc.stdin, proc.stdout):
            if stream is not None:
                try:
                    stream.close()
                except OSError:
                    pass

    @staticmethod
    def _kill(proc: subprocess.Popen[bytes]) -> None:
        if proc.poll() is None:
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except OSError:
                proc.kill()

    def interrupt(self) -> bool:
        """Stop the code running now (it ends with an ``ExecutionCancelled`` error; variables kept)."""
        proc = self._proc
        if proc is None or proc.poll() is not None:
            return False
        pid = self._interpreter_pid(proc.pid)
        if pid is None:
            return False
        try:
            os.kill(pid, signal.SIGUSR1)
        except OSError:
            return False
        return True

    def cancel(self) -> None:
        """The call under way belongs to a cancelled run: interrupt it, and kill the whole sandbox
        when it is still busy ``cancel_grace_seconds`` later (called again and again meanwhile)."""
        with self._state:
            if not self._busy:
                return
            now = time.monotonic()
            if self._cancel_since is None:
                self._cancel_since = now
                self.interrupt()
            elif now - self._cancel_since >= self.limits.cancel_grace_seconds and self._proc is not None:
                self._killed_for_cancel = True
                self._kill(self._proc)

    def begin(self) -> None:
        """A new call begins (earlier cancels are forgotten)."""
        with self._state:
            self._cancel_since = None
            self._killed_for_cancel = False

    def _interpreter_pid(self, root: int) -> Optional[int]:
        """The host pid of the interpreter: ``root`` itself (no sandbox), or the nearest descendant
        of ``root`` (bubblewrap) that runs the driver under Python."""
        if not isinstance(self.launcher, BubblewrapLauncher):
            return root
        queue = [root]
        while queue:
            pid = queue.pop(0)
            try:
                argv = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
                if pid != root and argv[0].endswith(b"python3") and INNER_DRIVER.encode() in argv:
                    return pid
                children = [int(c) for task in os.listdir(f"/proc/{pid}/task")
                            for c in Path(f"/proc/{pid}/task/{task}/children").read_text().split()]
            except (OSError, ValueError):
                continue
            queue.extend(children)
        return None

    def _drain_stderr(self, proc: subprocess.Popen[bytes]) -> None:
        """Read the process's standard error to its end, keeping only its last few KiB."""
        assert proc.stderr is not None
        fd = proc.stderr.fileno()
        tail = b""
        while True:
            try:
                chunk = os.read(fd, 65536)
            except OSError:
                break
            if not chunk:
                break
            tail = (tail + chunk)[-4096:]
        self.diagnostics = tail.decode(errors="replace").strip().splitlines()[-1] if tail.strip() else ""
        if tail:
            log.debug("sandbox %s: %s", proc.pid, tail.decode(errors="replace")[-1000:])

    # ------------------------------------------------------------ the protocol

    def _exchange(self, request: Optional[dict[str, Any]], payload: bytes, *, deadline: float,
                  max_payload: int) -> tuple[dict[str, Any], bytes]:
        """Send a request (``None``: only read the greeting) and read its reply; anything wrong
        kills the sandbox and raises :class:`SandboxLost`."""
        channel = self._channel
        if channel is None or not self.alive:
            self.stop()
            raise SandboxLost("The code interpreter stopped unexpectedly.")
        with self._state:
            self._busy = True
        try:
            if request is not None:
                self._seq += 1
                channel.send(dict(request, seq=self._seq, **({"size": len(payload)} if payload else {})),
                             payload, deadline)
            header, data = channel.receive(deadline, max_payload)
            if header.get("seq") != self._seq:
                raise SandboxLost("The code interpreter sent a reply that is not valid.")
            return header, data
        except SandboxLost:
            self.stop()
            raise
        finally:
            with self._state:
                self._busy = False

    @staticmethod
    def _parse(model: type[_Reply], header: dict[str, Any]) -> Any:
        try:
            return model.model_validate(header)
        except ValidationError:
            raise SandboxLost("The code interpreter sent a reply that is not valid.") from None

    def _request(self, model: type[_Reply], request: dict[str, Any], payload: bytes = b"", *,
                 max_payload: int = 0, timeout: Optional[float] = None) -> tuple[Any, bytes]:
        if not self.alive:
            raise SandboxError("The code interpreter is not running.")
        deadline = time.monotonic() + (timeout if timeout is not None else self.limits.io_timeout)
        header, data = self._exchange(request, payload, deadline=deadline, max_payload=max_payload)
        try:
            return self._parse(model, header), data
        except SandboxLost:
            self.stop()
            raise

    # ------------------------------------------------------------ code

    def run_code(self, code: str, timeout: float) -> Execution:
        """Run ``code`` in the interpreter's namespace (started first if it is not running)."""
        if not self.alive:
            self.start()
        self.last_used = time.monotonic()
        started = time.monotonic()
        try:
            reply, data = self._request(_ExecReply, {"op": "exec", "timeout": timeout}, code.encode(),
                                        max_payload=MAX_IMAGES_BYTES, timeout=timeout + self.limits.grace_seconds)
        except SandboxLost as exc:
            self.last_used = time.monotonic()
            if self._killed_for_cancel:
                error = ("ExecutionCancelled: the run was cancelled and the code did not stop when interrupted; "
                         "the interpreter was stopped and its variables are lost.")
                return Execution(logs="", error=error, restarted=True)
            # Still running past the grace period, or killed by its CPU-time limit (set a little
            # above the timeout) once the call had outrun its timeout: either way, a timeout.
            if exc.timed_out or time.monotonic() - started >= timeout:
                error = (f"ExecutionTimeout: the code ran longer than {timeout:g} seconds and was stopped; "
                         "the interpreter was restarted and its variables are lost.")
                return Execution(logs="", error=error, timed_out=True, restarted=True)
            if "stopped unexpectedly" in str(exc):
                error = ("The interpreter process died (its memory, process or output limit may have been "
                         "reached); it was restarted and its variables are lost.")
            else:
                error = f"{exc} It was stopped and restarted; its variables are lost."
            return Execution(logs="", error=error, restarted=True)
        self.last_used = time.monotonic()
        images, offset = [], 0
        for size in reply.images:
            image, offset = data[offset:offset + size], offset + size
            if 0 < len(image) <= MAX_IMAGE_BYTES and image.startswith(PNG):
                images.append(image)
        if offset != len(data):
            self.stop()
            return Execution(logs="", error="The code interpreter sent a reply that is not valid. It was stopped "
                                            "and restarted; its variables are lost.", restarted=True)
        limit = self.limits.max_output_bytes + 200
        return Execution(logs=reply.logs[:limit], error=reply.error[:limit] if reply.error else reply.error,
                         images=images, timed_out=reply.timed_out)

    # ------------------------------------------------------------ files

    def put_file(self, relative: str, data: bytes) -> str:
        """Write ``data`` to ``/mnt/data/<relative>``; return the path the code sees.
        :class:`FileRefused` when the sandbox could not (its disk budget is full ...)."""
        parts = [p for p in relative.replace("\\", "/").split("/") if p not in ("", ".")]
        if not parts or ".." in parts:
            raise ValueError(f"invalid sandbox path {relative!r}")
        path = "/".join(parts)
        reply, _ = self._request(_PutReply, {"op": "put", "path": path}, data,
                                 timeout=self.limits.io_timeout + len(data) / (64 * 1024 * 1024))
        if reply.error is not None:
            raise FileRefused(reply.error)
        return f"{MOUNT}/{path}"

    def list_files(self, max_files: int = 1000) -> dict[str, tuple[int, int]]:
        """Regular files under ``/mnt/data``, as the sandbox lists them: path -> (size, mtime ns).
        Entries that cannot be a file's path are left out."""
        reply, _ = self._request(_ListReply, {"op": "list", "max_files": max_files})
        if reply.error is not None:
            raise FileRefused(reply.error)
        out: dict[str, tuple[int, int]] = {}
        for path, size, mtime in reply.files[:max_files]:
            if valid_path(path):
                out[path] = (size, mtime)
        return out

    def read_file(self, relative: str, max_bytes: int) -> Optional[bytes]:
        """A file the code wrote, read by the sandbox (``None``: not a regular file, gone, or larger
        than ``max_bytes``)."""
        reply, data = self._request(_Reply, {"op": "read", "path": relative, "max_bytes": max_bytes},
                                    max_payload=max_bytes, timeout=self.limits.io_timeout + max_bytes / (64 * 1024 * 1024))
        return None if reply.error is not None else data


def valid_path(path: str) -> bool:
    """Whether ``path`` (relative to ``/mnt/data``) is one a file may have: no ``..``, no empty or
    dot parts, printable, UTF-8, not too long."""
    if not path or len(path) > MAX_PATH or path.startswith("/") or not path.isprintable():
        return False
    try:
        path.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return all(part not in ("", ".", "..") for part in path.split("/"))


def safe_name(name: str) -> str:
    """A file name without directories, safe to put in ``/mnt/data``."""
    base = os.path.basename(name.replace("\\", "/")).strip() or "file"
    return "_" + base if base in (".", "..") or base.startswith(".") and len(base) <= 2 else base
