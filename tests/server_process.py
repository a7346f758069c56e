"""Real ``openbeta serve`` processes for tests: ``launch(data_dir, env)`` and the :class:`Server` it returns,
fresh PostgreSQL databases, free ports. A plain module (not a conftest), so any test folder can import it."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import uuid
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator, Optional

import httpx

ROOT = Path(__file__).resolve().parent.parent
SRC = ROOT / "src"
POSTGRES_URL = os.environ.get("OPENBETA_TEST_POSTGRES_URL")  # e.g. postgresql://postgres@127.0.0.1/postgres


def _spec_dir() -> Path:
    """OpenAI's spec (``openapi-beta.json``, ``endpoints.md``): ``OPENBETA_SPEC_DIR``, else ``shared/spec`` beside
    the repository (as CI lays it out), else ``/work/shared/spec``."""
    if os.environ.get("OPENBETA_SPEC_DIR"):
        return Path(os.environ["OPENBETA_SPEC_DIR"])
    beside = ROOT.parent / "shared" / "spec"
    return beside if beside.is_dir() else Path("/work/shared/spec")


SPEC_DIR = _spec_dir()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


_created_databases: list[tuple[str, str]] = []


@contextmanager
def serve_in_thread(app: Any) -> Iterator[str]:
    """An ASGI app (a fake upstream) on uvicorn, in a thread of the test process on a free loopback port: its
    root URL, until the block ends."""
    import threading

    import uvicorn

    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        if not thread.is_alive():
            raise RuntimeError("the test's server did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)


def pg_ctl_path() -> Optional[str]:
    """PostgreSQL's ``pg_ctl``: the newest ``/usr/lib/postgresql/<version>/bin/pg_ctl`` (Debian's packages), else
    one on the path; None when PostgreSQL's server binaries are not installed."""
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"),
                   key=lambda p: [int(n) if n.isdigit() else 0 for n in p.parts[-3].split(".")])
    return str(found[-1]) if found else shutil.which("pg_ctl")


def postgres_unavailable() -> Optional[str]:
    """Why the PostgreSQL half of the suite cannot run (None: it can, on ``OPENBETA_TEST_POSTGRES_URL`` or on a
    throwaway cluster of the installed server binaries)."""
    if POSTGRES_URL:
        return None
    if pg_ctl_path() is None:
        return ("PostgreSQL: install its server binaries (apt-get install postgresql) or set "
                "OPENBETA_TEST_POSTGRES_URL to run these tests on PostgreSQL too")
    if os.geteuid() == 0 and not _has_user("postgres"):
        return "PostgreSQL: running as root needs a postgres user to start the throwaway cluster as"
    return None


def _has_user(name: str) -> bool:
    import pwd

    try:
        pwd.getpwnam(name)
        return True
    except KeyError:
        return False


class ThrowawayPostgres:
    """A PostgreSQL cluster in a temporary directory on a free loopback port, trusting local connections,
    started and stopped by pytest-postgresql's executor (as the ``postgres`` user when the suite runs as
    root, through ``tests/pg_ctl_as_postgres``); its ``url`` is a superuser's, allowed to create databases."""

    def __init__(self, pg_ctl: str, max_connections: int = 300) -> None:
        import tempfile

        from pytest_postgresql.executors import PostgreSQLExecutor

        self.base = Path(tempfile.mkdtemp(prefix="openbeta-pg-"))
        executable = pg_ctl
        if os.geteuid() == 0:
            import pwd

            user = pwd.getpwnam("postgres")
            os.chown(self.base, user.pw_uid, user.pw_gid)
            os.environ["OPENBETA_TEST_PG_CTL"] = pg_ctl
            executable = str(ROOT / "tests" / "pg_ctl_as_postgres")
        self.port = free_port()
        self.executor = PostgreSQLExecutor(
            executable=executable, host="127.0.0.1", port=self.port, datadir=str(self.base / "data"),
            unixsocketdir=str(self.base), logfile=str(self.base / "log"), startparams="-w", dbname="postgres",
            user="postgres", postgres_options=f"-c max_connections={max_connections} -c fsync=off")
        self.url = f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def start(self) -> "ThrowawayPostgres":
        """Start it; return once it takes connections (its port opens while it still starts up)."""
        import psycopg
        from pytest_postgresql.retry import retry

        self.executor.start()
        retry(lambda: psycopg.connect(self.url, connect_timeout=5).close(), timeout=60,
              possible_exception=psycopg.OperationalError)
        return self

    def stop(self) -> None:
        try:
            self.executor.stop()
        finally:
            shutil.rmtree(self.base, ignore_errors=True)


def fresh_postgres_database(admin_url: str) -> str:
    """Create an empty database on the test PostgreSQL server (dropped when the session ends); return its URL."""
    from openbeta.server.store.db import create_postgres_database

    name = "ob_" + uuid.uuid4().hex[:12]
    _created_databases.append((admin_url, name))
    return create_postgres_database(admin_url, name)



@dataclass
class Server:
    base_url: str  # ends in /v1
    root_url: str
    process: subprocess.Popen
    data_dir: Path
    env: dict[str, str]
    log_path: Path

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def launch(data_dir: Path, env_overrides: dict[str, str], *, port: Optional[int] = None,
           timeout: float = 60.0) -> Server:
    port = port or free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("OPENBETA_")}
    env.update({
        "PYTHONPATH": str(SRC) + os.pathsep + env.get("PYTHONPATH", ""),
        "OPENBETA_HOST": "127.0.0.1",
        "OPENBETA_PORT": str(port),
        "OPENBETA_DATA_DIR": str(data_dir),
        "OPENBETA_LOG_LEVEL": "info",
    })
    env.update(env_overrides)
    data_dir.mkdir(parents=True, exist_ok=True)
    log_path = data_dir / f"server-{port}.log"
    log_file = open(log_path, "ab")
    process = subprocess.Popen([sys.executable, "-m", "openbeta.cli", "serve"], env=env,
                               stdout=log_file, stderr=subprocess.STDOUT)
    root = f"http://127.0.0.1:{port}"
    server = Server(base_url=root + "/v1", root_url=root, process=process, data_dir=data_dir, env=env,
                    log_path=log_path)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"openbeta serve exited with {process.returncode}:\n{server.log()}")
        try:
            if httpx.get(root + "/health", timeout=1).status_code == 200:
                return server
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    server.stop()
    raise RuntimeError(f"openbeta serve did not become healthy in {timeout}s:\n{server.log()}")


def rss_mib(pid: int, field: str = "VmRSS") -> float:
    """A process's resident memory (``VmRSS``) or its peak (``VmHWM``), MiB, from /proc."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    raise AssertionError(f"{field} not in /proc/{pid}/status")


def run_sql(server: Server, statement: str, **params: Any) -> None:
    """Run one SQL statement on a server's database (SQLite in its data directory, or its PostgreSQL
    database): for tests that move stored times, such as an expiry, into the past."""
    from sqlalchemy import create_engine, text

    url = server.env.get("OPENBETA_DATABASE_URL") or f"sqlite:///{server.data_dir / 'openbeta.db'}"
    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    try:
        with engine.begin() as conn:
            conn.execute(text(statement), params)
    finally:
        engine.dispose()
