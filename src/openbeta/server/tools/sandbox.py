"""Sandboxes for the code interpreter, behind one small interface.

A :class:`Sandbox` is a stateful Python interpreter with a private working
directory seen as ``/mnt/data``: :meth:`~Sandbox.start`, :meth:`~Sandbox.run_code`,
:meth:`~Sandbox.put_file`, :meth:`~Sandbox.get_files`, :meth:`~Sandbox.stop`. A
:class:`Launcher` decides how its process is isolated, so the mechanism can change
without touching the tool or the run engine:

- :class:`BubblewrapLauncher` (the default): ``bwrap`` with new mount, PID, network
  (no interfaces but a loopback of its own), IPC and UTS namespaces; read-only binds of
  ``/usr`` and the Python prefix (seen as ``/opt/python``), a private tmpfs ``/tmp``,
  the thread's directory at ``/mnt/data`` and nothing else of the host. The
  interpreter runs as an unprivileged user id of its own (one per live sandbox), with
  no capabilities and ``no_new_privs``, under limits on address space, processes
  (``RLIMIT_NPROC`` counts per user id) and file size.
- :class:`UnsafeLauncher`: the same interpreter as a plain subprocess of the server,
  with the same resource limits but no isolation at all. Only for machines where the
  operator trusts every caller; chosen explicitly with ``OPENBETA_CODE_INTERPRETER_SANDBOX=unsafe``.
"""

from __future__ import annotations

import base64
import json
import logging
import os
import select
import shutil
import signal
import stat
import subprocess
import tempfile
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional, Protocol

log = logging.getLogger("openbeta.sandbox")

DRIVER = Path(__file__).with_name("repl.py")
#: Where the driver and Python live inside a bubblewrap sandbox.
INNER_DRIVER = "/opt/openbeta/repl.py"
INNER_PYTHON = "/opt/python"
MOUNT = "/mnt/data"
#: Largest reply line accepted from an interpreter (images travel as base64 in it).
MAX_REPLY = 64 * 1024 * 1024


#: The one thread that starts interpreter processes. bubblewrap's ``--die-with-parent`` kills a
#: sandbox when the *thread* that started it ends, so they are all started by this long-lived one.
_SPAWNER = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sandbox-spawner")


class SandboxError(Exception):
    """The sandbox cannot run (or stopped answering)."""


@dataclass
class Limits:
    memory_bytes: int = 2 * 1024 ** 3
    processes: int = 64
    file_size_bytes: int = 256 * 1024 ** 2
    max_output_bytes: int = 64 * 1024
    tmp_bytes: int = 256 * 1024 ** 2
    #: Seconds past a call's timeout before the whole sandbox is killed.
    grace_seconds: float = 5.0
    start_timeout: float = 60.0


@dataclass
class Execution:
    """What one call produced."""

    logs: str
    error: Optional[str] = None
    images: list[bytes] = field(default_factory=list)
    timed_out: bool = False
    #: The interpreter was lost (killed or crashed): its variables are gone.
    restarted: bool = False


class Launcher(Protocol):
    name: str

    def command(self, workdir: Path, uid: int, driver_options: dict) -> tuple[list[str], dict[str, str]]:
        """The argv and environment that start the interpreter with ``workdir`` as ``/mnt/data``."""
        ...

    def check(self) -> Optional[str]:
        """A quick look (at start-up): ``None`` when sandboxes seem able to start here, else why not."""
        ...

    def trial(self) -> Optional[str]:
        """Start an interpreter and stop it: ``None`` when that works, else why not."""
        ...


INNER_VENV = "/opt/venv"


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


class BubblewrapLauncher:
    name = "bubblewrap"

    def __init__(self, limits: Limits, bwrap: str = "bwrap") -> None:
        self.limits = limits
        self.bwrap = shutil.which(bwrap) or bwrap
        self.setpriv = shutil.which("setpriv") or "/usr/bin/setpriv"

    def command(self, workdir: Path, uid: int, driver_options: dict) -> tuple[list[str], dict[str, str]]:
        version = f"python{sys.version_info.major}.{sys.version_info.minor}"
        root = os.geteuid() == 0
        argv = [
            self.bwrap, *([] if root else ["--unshare-user"]), "--unshare-ipc", "--unshare-pid", "--unshare-net", "--unshare-uts", "--unshare-cgroup-try",
            "--die-with-parent", "--new-session", "--hostname", "sandbox",
            "--ro-bind", "/usr", "/usr",
        ]
        for name in ("bin", "lib", "lib32", "lib64", "sbin"):
            if Path(f"/{name}").is_symlink():
                argv += ["--symlink", os.readlink(f"/{name}"), f"/{name}"]
            elif Path(f"/{name}").is_dir():
                argv += ["--ro-bind", f"/{name}", f"/{name}"]
        argv += ["--perms", "0755", "--dir", "/etc"]
        for name in ("ld.so.cache", "fonts", "localtime", "mime.types"):
            if Path(f"/etc/{name}").exists():
                argv += ["--ro-bind", f"/etc/{name}", f"/etc/{name}"]
        argv += [
            "--perms", "0755", "--dir", "/opt",
            *[arg for host, inner in _prefixes() for arg in ("--ro-bind", str(host), inner)],
            "--perms", "0755", "--dir", "/opt/openbeta", "--ro-bind", str(DRIVER), INNER_DRIVER,
            "--proc", "/proc", "--dev", "/dev",
            "--perms", "1777", "--size", str(self.limits.tmp_bytes), "--tmpfs", "/tmp",
            "--perms", "0755", "--dir", "/mnt", "--bind", str(workdir), MOUNT, "--chdir", MOUNT,
            "--clearenv", "--setenv", "HOME", "/tmp", "--setenv", "PATH", f"{INNER_PYTHON}/bin:/usr/bin:/bin",
            "--setenv", "PYTHONHOME", INNER_PYTHON,
            "--setenv", "PYTHONPATH", ":".join(_site_packages() or [f"{INNER_PYTHON}/lib/{version}/site-packages"]),
            "--setenv", "MPLBACKEND", "Agg", "--setenv", "MPLCONFIGDIR", "/tmp/.matplotlib",
            "--setenv", "OPENBLAS_NUM_THREADS", "1", "--setenv", "OMP_NUM_THREADS", "1",
            "--setenv", "LANG", "C.UTF-8", "--setenv", "PYTHONUNBUFFERED", "1",
            # as root: drop to the sandbox's own user id; otherwise bwrap already runs as the server's user
            *([self.setpriv, f"--reuid={uid}", f"--regid={uid}", "--clear-groups", "--no-new-privs",
               "--inh-caps=-all", "--bounding-set=-all"] if root else []),
            f"{INNER_PYTHON}/bin/python3", "-B", INNER_DRIVER,
            json.dumps(dict(driver_options, own_pid_namespace=True)),
        ]
        return argv, {}

    def check(self) -> Optional[str]:
        if shutil.which(self.bwrap) is None:
            return "bubblewrap (bwrap) is not installed (Debian: apt-get install bubblewrap)"
        if os.geteuid() == 0 and not Path(self.setpriv).exists():
            return "setpriv (util-linux) is not installed"
        try:
            done = subprocess.run([self.bwrap, *([] if os.geteuid() == 0 else ["--unshare-user"]), "--unshare-all",
                                   "--die-with-parent", "--ro-bind", "/usr", "/usr", "--symlink", "usr/bin", "/bin",
                                   "--symlink", "usr/lib", "/lib", "--symlink", "usr/lib64", "/lib64",
                                   "--proc", "/proc", "--dev", "/dev", "/usr/bin/true"], capture_output=True, timeout=30)
        except (OSError, subprocess.TimeoutExpired) as exc:
            return f"bubblewrap could not start: {exc}"
        if done.returncode != 0:
            return f"bubblewrap could not create namespaces: {done.stderr.decode(errors='replace').strip()}"
        return None

    def trial(self) -> Optional[str]:
        return self.check() or _try_start(self)


class UnsafeLauncher:
    """No isolation: the interpreter is an ordinary child process (resource limits only)."""

    name = "unsafe"

    def command(self, workdir: Path, uid: int, driver_options: dict) -> tuple[list[str], dict[str, str]]:
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(workdir), "MPLBACKEND": "Agg",
               "OPENBLAS_NUM_THREADS": "1", "PYTHONUNBUFFERED": "1", "LANG": "C.UTF-8"}
        options = {k: v for k, v in driver_options.items() if k != "processes"}  # the server's own uid
        return [sys.executable, "-B", str(DRIVER), json.dumps(options)], env

    def check(self) -> Optional[str]:
        return None

    def trial(self) -> Optional[str]:
        return _try_start(self)


def _try_start(launcher: Launcher) -> Optional[str]:
    """Start an interpreter in an empty directory and stop it: ``None`` when that works, else why not."""
    with tempfile.TemporaryDirectory(prefix="openbeta-sandbox-check-") as tmp:
        argv, env = launcher.command(Path(tmp), os.geteuid() if os.geteuid() else 65534, {"processes": 64})
        try:
            done = subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True, timeout=60, cwd=tmp,
                                  env=env or None)
        except (OSError, subprocess.TimeoutExpired) as exc:
            return f"a sandbox could not start: {exc}"
    if done.returncode != 0 or b'"ready"' not in done.stdout:
        detail = done.stderr.decode(errors="replace").strip().splitlines()
        return f"a sandbox could not start: {detail[-1] if detail else f'exit status {done.returncode}'}"
    return None


class Sandbox:
    """One interpreter process with ``workdir`` as its ``/mnt/data``. Blocking calls;
    one at a time (callers hold :attr:`lock`)."""

    def __init__(self, launcher: Launcher, workdir: Path, uid: int, limits: Limits) -> None:
        self.launcher = launcher
        self.workdir = workdir
        self.uid = uid
        self.limits = limits
        self.lock = threading.Lock()
        self.last_used = time.monotonic()
        #: Files put in ``/mnt/data`` or written there: path the code sees -> file id.
        self.staged: dict[str, str] = {}
        #: Ids of the input files put in ``/mnt/data``.
        self.placed: set[str] = set()
        self._proc: Optional[subprocess.Popen[bytes]] = None
        self._buffer = b""

    @property
    def alive(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    # ------------------------------------------------------------ lifecycle

    def start(self) -> None:
        """Start the interpreter (the directory keeps whatever files it has)."""
        self.workdir.mkdir(parents=True, exist_ok=True)
        self._own(self.workdir)
        options = {"memory": self.limits.memory_bytes, "processes": self.limits.processes,
                   "file_size": self.limits.file_size_bytes, "max_output": self.limits.max_output_bytes,
                   "nice": 10}
        argv, env = self.launcher.command(self.workdir, self.uid, options)
        self._buffer = b""
        self._proc = _SPAWNER.submit(subprocess.Popen, argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, cwd=str(self.workdir), env=env or None,
                                     start_new_session=True).result()
        threading.Thread(target=self._drain_stderr, args=(self._proc,), daemon=True).start()
        reply = self._reply(time.monotonic() + self.limits.start_timeout)
        if reply is None or not reply.get("ready"):
            self.stop()
            raise SandboxError("The code interpreter could not start.")
        self.last_used = time.monotonic()

    def stop(self) -> None:
        proc, self._proc = self._proc, None
        if proc is None:
            return
        if proc.poll() is None:
            try:
                os.killpg(proc.pid, 9)
            except OSError:
                proc.kill()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            log.warning("sandbox process %s did not exit", proc.pid)
        for stream in (proc.stdin, proc.stdout):
            if stream is not None:
                try:
                    stream.close()
                except OSError:
                    pass

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

    # ------------------------------------------------------------ code

    def run_code(self, code: str, timeout: float) -> Execution:
        """Run ``code`` in the interpreter's namespace (started first if it is not running)."""
        restarted = False
        if not self.alive:
            self.start()
        assert self._proc is not None and self._proc.stdin is not None
        self.last_used = time.monotonic()
        try:
            self._proc.stdin.write((json.dumps({"code": code, "timeout": timeout}) + "\n").encode())
            self._proc.stdin.flush()
        except OSError:
            self.stop()
            raise SandboxError("The code interpreter stopped unexpectedly.") from None
        started = time.monotonic()
        reply = self._reply(started + timeout + self.limits.grace_seconds)
        self.last_used = time.monotonic()
        if reply is None:
            # Still running past the grace period, or killed by its CPU-time limit (set a little
            # above the timeout) once the call had outrun its timeout: either way, a timeout.
            timed_out = self.alive or self.last_used - started >= timeout
            self.stop()
            restarted = True
            if timed_out:
                error = (f"ExecutionTimeout: the code ran longer than {timeout:g} seconds and was stopped; "
                         "the interpreter was restarted and its variables are lost.")
            else:
                error = ("The interpreter process died (its memory, process or output limit may have been "
                         "reached); it was restarted and its variables are lost.")
            return Execution(logs="", error=error, timed_out=timed_out, restarted=restarted)
        images = [base64.b64decode(i) for i in reply.get("images") or []]
        return Execution(logs=reply.get("logs") or "", error=reply.get("error"), images=images,
                         timed_out=bool(reply.get("timed_out")))

    def _reply(self, deadline: float) -> Optional[dict]:
        """The next JSON line from the interpreter, or ``None`` (deadline, death, garbage)."""
        proc = self._proc
        if proc is None or proc.stdout is None:
            return None
        fd = proc.stdout.fileno()
        while b"\n" not in self._buffer:
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            ready, _, _ = select.select([fd], [], [], left)
            if not ready:
                continue
            chunk = os.read(fd, 1024 * 1024)
            if not chunk:
                return None
            self._buffer += chunk
            if len(self._buffer) > MAX_REPLY:
                return None
        line, self._buffer = self._buffer.split(b"\n", 1)
        try:
            value = json.loads(line)
        except ValueError:
            return None
        return value if isinstance(value, dict) else None

    @staticmethod
    def _drain_stderr(proc: subprocess.Popen[bytes]) -> None:
        assert proc.stderr is not None
        for line in proc.stderr:
            log.debug("sandbox %s: %s", proc.pid, line.decode(errors="replace").rstrip())

    # ------------------------------------------------------------ files

    def put_file(self, relative: str, data: bytes) -> str:
        """Write ``data`` to ``/mnt/data/<relative>``; return the path the code sees."""
        parts = [p for p in relative.replace("\\", "/").split("/") if p not in ("", ".")]
        if not parts or ".." in parts:
            raise ValueError(f"invalid sandbox path {relative!r}")
        target = self.workdir.joinpath(*parts)
        for parent in reversed(target.relative_to(self.workdir).parents):
            folder = self.workdir / parent
            if folder.is_symlink() or (folder.exists() and not folder.is_dir()):
                self._remove(folder)
            if not folder.exists():
                folder.mkdir()
                self._own(folder)
        if target.is_symlink() or (target.exists() and not target.is_file()):
            self._remove(target)
        target.write_bytes(data)
        self._own(target)
        return f"{MOUNT}/{'/'.join(parts)}"

    def get_files(self, max_files: int = 1000) -> dict[str, tuple[int, int]]:
        """Regular files under ``/mnt/data`` (links are ignored): path -> (size, mtime ns)."""
        out: dict[str, tuple[int, int]] = {}
        for root, dirs, files in os.walk(self.workdir, followlinks=False):
            for name in sorted(files):
                path = Path(root) / name
                info = os.lstat(path)
                if stat.S_ISREG(info.st_mode):
                    out[str(path.relative_to(self.workdir))] = (info.st_size, info.st_mtime_ns)
                if len(out) >= max_files:
                    return out
        return out

    def read_file(self, relative: str, max_bytes: int) -> Optional[bytes]:
        """A file the code wrote (``None``: not a regular file, or larger than ``max_bytes``);
        read without following links, so a link planted by the code shows nothing of the host."""
        try:
            fd = os.open(self.workdir / relative, os.O_RDONLY | os.O_NOFOLLOW)
        except OSError:
            return None
        with os.fdopen(fd, "rb") as f:
            if not stat.S_ISREG(os.fstat(f.fileno()).st_mode):
                return None
            data = f.read(max_bytes + 1)
        return None if len(data) > max_bytes else data

    def _own(self, path: Path) -> None:
        if isinstance(self.launcher, BubblewrapLauncher) and os.geteuid() == 0:
            os.chown(path, self.uid, self.uid, follow_symlinks=False)
            os.chmod(path, 0o700 if path.is_dir() else 0o644)

    @staticmethod
    def _remove(path: Path) -> None:
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path)
        else:
            path.unlink(missing_ok=True)

    def clear(self) -> None:
        """Empty ``/mnt/data``."""
        if self.workdir.exists():
            for child in self.workdir.iterdir():
                self._remove(child)


def safe_name(name: str) -> str:
    """A file name without directories, safe to put in ``/mnt/data``."""
    base = os.path.basename(name.replace("\\", "/")).strip() or "file"
    return "_" + base if base in (".", "..") or base.startswith(".") and len(base) <= 2 else base
