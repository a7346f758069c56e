"""Real ``openbeta serve`` processes for tests: ``launch(data_dir, env)`` and the :class:`Server` it returns,
fresh PostgreSQL databases, free ports. A plain module (not a conftest), so any test folder can import it."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

import httpx

ROOT = Path(__file__).resolve().parent.parent
SRC = ROOT / "src"
POSTGRES_URL = os.environ.get("OPENBETA_TEST_POSTGRES_URL")  # e.g. postgresql://postgres@127.0.0.1/postgres


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


_created_databases: list[tuple[str, str]] = []


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
