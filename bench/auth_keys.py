"""What resolving the caller's project costs per request, by kind of key.

Times ``GET /v1/assistants/{id}`` of one assistant through the real app (FastAPI's
TestClient: routing, key check, service, SQLite) with:

- ``open``: no keys configured (any bearer, the default project);
- ``env key``: a key from ``OPENBETA_API_KEYS`` (``team:key``), held in memory;
- ``stored key``: a key made through the admin API (SHA-256 in ``api_keys``), cached for a few seconds;
- ``stored key, no cache``: the same with its cache entry dropped before each request (a lookup each time).

Also counts the SQL statements on ``api_keys`` per 1000 requests. Usage::

    python bench/auth_keys.py [--requests 1000]

Prints a Markdown table for ``bench/README.md``.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import event

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))

from openbeta.server.app import create_app  # noqa: E402
from openbeta.server.auth import key_hash  # noqa: E402
from openbeta.server.settings import Settings  # noqa: E402


def measure(client: TestClient, path: str, headers: dict, n: int, before=lambda: None) -> list[float]:
    times = []
    for _ in range(n):
        before()
        started = time.perf_counter()
        response = client.get(path, headers=headers)
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, response.text
    return times


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=1000)
    n = parser.parse_args().requests
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for label in ("open", "env key", "stored key", "stored key, no cache"):
            data = Path(tmp) / label.replace(" ", "_").replace(",", "")
            keys = ["team:sk-bench-env"] if label == "env key" else []
            app = create_app(Settings(data_dir=data, api_keys=keys, admin_key="sk-bench-admin", embeddings="none",
                                      provider="scripted"))
            with TestClient(app) as client:
                admin = {"Authorization": "Bearer sk-bench-admin"}
                key = "sk-bench-env"
                if label.startswith("stored"):
                    project = client.post("/v1/organization/projects", json={"name": "bench"}, headers=admin).json()
                    key = client.post(f"/v1/organization/projects/{project['id']}/api_keys", json={"name": "b"},
                                      headers=admin).json()["value"]
                headers = {"Authorization": f"Bearer {key}"}
                assistant = client.post("/v1/assistants", json={"model": "m"}, headers=headers).json()
                path = f"/v1/assistants/{assistant['id']}"
                ring = app.state.services.keys
                digest = key_hash(key)
                drop = (lambda: ring._cache.pop(digest, None)) if label.endswith("no cache") else (lambda: None)
                measure(client, path, headers, 50, drop)  # warm-up
                statements = [0]

                def seen(_c, _cur, statement, *_a) -> None:
                    statements[0] += "api_keys" in statement

                event.listen(app.state.services.db.engine, "before_cursor_execute", seen)
                times = measure(client, path, headers, n, drop)
                rows.append((label, statistics.median(times), statistics.quantiles(times, n=100)[94],
                             statements[0] * 1000 / n))
    base = rows[0][1]
    print("| keys | median | p95 | / open | `api_keys` statements per 1000 requests |")
    print("| --- | ---: | ---: | ---: | ---: |")
    for label, median, p95, per in rows:
        print(f"| {label} | {median:.2f} ms | {p95:.2f} ms | {median / base:.2f} | {per:.0f} |")


if __name__ == "__main__":
    main()
