"""Message list pages cost the same at 100, 10k and 100k messages per thread.

Seeds one thread per size straight into the store, then times
``GET /v1/threads/{id}/messages`` through the real app (FastAPI's TestClient:
routing, validation, service, database) for three pages:

- ``first``: the default page (20 newest);
- ``deep after``: 20 messages after a cursor 90% of the way down the list;
- ``before``: 20 messages before a cursor 90% of the way down the list.

Usage::

    python bench/list_messages.py                      # SQLite in a temporary directory
    python bench/list_messages.py --postgres URL       # and PostgreSQL (a fresh database on that server)

``OPENBETA_TEST_POSTGRES_URL`` is used when ``--postgres`` is not given.
Prints a Markdown table (median milliseconds per request, and the ratio to the
100-message thread) for ``bench/README.md``.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Optional

from fastapi.testclient import TestClient
from sqlalchemy import insert, text

from openbeta.server.app import create_app
from openbeta.server.ids import new_id, now
from openbeta.server.settings import Settings
from openbeta.server.store.db import create_postgres_database, drop_postgres_database
from openbeta.server.store.tables import MessageRow, ThreadRow

SIZES = (100, 10_000, 100_000)
BATCH = 5_000


def seed(app, size: int) -> tuple[str, list[str]]:
    """A thread of ``size`` messages (all in one second, the worst case for ordering); ids oldest first."""
    db = app.state.services.db
    thread_id, created = new_id("thread_"), now()
    ids = [new_id("msg_") for _ in range(size)]
    with db.session() as s:
        s.add(ThreadRow(id=thread_id, created_at=created,
                        body={"id": thread_id, "object": "thread", "created_at": created, "tool_resources": {},
                              "metadata": {}}))
    for start in range(0, size, BATCH):
        rows = [{
            "id": mid, "thread_id": thread_id, "run_id": None, "created_at": created,
            "body": {"id": mid, "object": "thread.message", "created_at": created, "thread_id": thread_id,
                     "status": "completed", "incomplete_details": None, "completed_at": None,
                     "incomplete_at": None, "role": "user",
                     "content": [{"type": "text", "text": {"value": f"message {start + i} " + "lorem ipsum " * 8,
                                                           "annotations": []}}],
                     "assistant_id": None, "run_id": None, "attachments": [], "metadata": {}},
        } for i, mid in enumerate(ids[start:start + BATCH])]
        with db.session() as s:
            s.execute(insert(MessageRow), rows)
    return thread_id, ids


def run(label: str, settings: Settings, repeat: int) -> list[str]:
    """Seed every size, then time the pages round-robin so background noise hits all alike."""
    with TestClient(create_app(settings)) as client:
        cases: dict[tuple[int, str], tuple[str, dict]] = {}
        for size in SIZES:
            started = time.perf_counter()
            thread_id, ids = seed(client.app, size)
            print(f"{label}: seeded {size} messages in {time.perf_counter() - started:.1f}s", file=sys.stderr)
            deep = ids[max(size // 10, 25)]  # ~90% of the way down the (newest first) list
            path = f"/v1/threads/{thread_id}/messages"
            cases[(size, "first")] = (path, {})
            cases[(size, "deep after")] = (path, {"after": deep})
            cases[(size, "before")] = (path, {"before": deep})
        with client.app.state.services.db.session() as s:  # fresh planner statistics, as autovacuum leaves them
            s.execute(text("ANALYZE"))
        times: dict[tuple[int, str], list[float]] = {key: [] for key in cases}
        for round_ in range(repeat + 3):
            for key, (path, params) in cases.items():
                started = time.perf_counter()
                response = client.get(path, params=params)
                elapsed = (time.perf_counter() - started) * 1000
                assert response.status_code == 200 and len(response.json()["data"]) == 20
                if round_ >= 3:  # the first rounds warm caches
                    times[key].append(elapsed)
    median = {key: statistics.median(values) for key, values in times.items()}
    lines = []
    for size in SIZES:
        cells = [f"{median[(size, page)]:.2f} ({median[(size, page)] / median[(SIZES[0], page)]:.2f}x)"
                 for page in ("first", "deep after", "before")]
        lines.append(f"| {label} | {size:,} | " + " | ".join(cells) + " |")
    return lines


def main(argv: Optional[list[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--postgres", default=os.environ.get("OPENBETA_TEST_POSTGRES_URL"),
                        help="admin URL of a PostgreSQL server (a fresh database is created on it)")
    parser.add_argument("--repeat", type=int, default=100, help="timed requests per page (median reported)")
    args = parser.parse_args(argv)

    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        rows += run("SQLite", Settings(data_dir=Path(tmp), provider="scripted"), args.repeat)
        if args.postgres:
            name = "ob_bench_" + uuid.uuid4().hex[:8]
            url = create_postgres_database(args.postgres, name)
            try:
                rows += run("PostgreSQL", Settings(data_dir=Path(tmp), database_url=url, provider="scripted"),
                            args.repeat)
            finally:
                drop_postgres_database(args.postgres, name)
    print(f"Python {platform.python_version()}, {platform.machine()}, {os.cpu_count()} cores; "
          f"median of {args.repeat} requests, ms (ratio to the 100-message thread)\n")
    print("| database | messages in thread | first page | deep `after` page | `before` page |")
    print("|---|---:|---:|---:|---:|")
    print("\n".join(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
