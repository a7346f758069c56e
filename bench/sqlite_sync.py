"""The cost of ``PRAGMA synchronous=FULL`` (the default) against ``NORMAL`` for writes on SQLite.

Times ``POST /v1/threads/{id}/messages`` through the real app (FastAPI's
TestClient: routing, validation, service, one committed transaction each) on a
fresh SQLite database per setting, interleaving the settings round by round so
background noise hits both alike.

Usage::

    python bench/sqlite_sync.py [--requests 300]

Prints a Markdown table (median and p95 milliseconds per create) for ``bench/README.md``.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path
from typing import Optional

from fastapi.testclient import TestClient

from openbeta.server import store
from openbeta.server.app import create_app
from openbeta.server.settings import Settings

MODES = ("NORMAL", "FULL")
ROUND = 20


def main(argv: Optional[list[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--requests", type=int, default=300, help="message creates per setting")
    args = parser.parse_args(argv)
    times: dict[str, list[float]] = {mode: [] for mode in MODES}
    with tempfile.TemporaryDirectory() as tmp, ExitStack() as stack:
        clients, threads = {}, {}
        for mode in MODES:
            store.db.SQLITE_SYNCHRONOUS = mode  # read when each connection opens
            client = stack.enter_context(TestClient(create_app(Settings(data_dir=Path(tmp) / mode,
                                                                        provider="scripted"))))
            threads[mode] = client.post("/v1/threads", json={}).json()["id"]
            pragma = client.app.state.services.db.engine.connect()
            assert pragma.exec_driver_sql("PRAGMA synchronous").scalar() == {"NORMAL": 1, "FULL": 2}[mode]
            pragma.close()
            clients[mode] = client
        for _ in range(0, args.requests, ROUND):
            for mode in MODES:
                path = f"/v1/threads/{threads[mode]}/messages"
                for _ in range(ROUND):
                    started = time.perf_counter()
                    response = clients[mode].post(path, json={"role": "user", "content": "hello " * 20})
                    times[mode].append((time.perf_counter() - started) * 1000)
                    assert response.status_code == 200
    print(f"Python {platform.python_version()}, {platform.machine()}, {os.cpu_count()} cores; "
          f"{args.requests} message creates per setting, ms\n")
    print("| synchronous | median | p95 | ratio (median) |")
    print("|---|---:|---:|---:|")
    base = statistics.median(times["NORMAL"])
    for mode in MODES:
        values = sorted(times[mode])
        median = statistics.median(values)
        print(f"| {mode} | {median:.2f} | {values[int(len(values) * 0.95) - 1]:.2f} | {median / base:.2f}x |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
