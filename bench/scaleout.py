"""Scale-out on one machine and one PostgreSQL: streamed-run throughput with 1, 2 and 4 worker
processes, and how long a killed replica's run waits before another takes it over.

    OPENBETA_TEST_POSTGRES_URL=postgresql://postgres@127.0.0.1:55432/postgres \\
        python bench/scaleout.py [--runs 200] [--workers 1,2,4] [--leases 1,2,5]

Throughput: ``openbeta serve --workers N`` (upstream provider, in front of the paced upstream,
``bench/paced_upstream.py``) on a fresh database; every run of the wave is started at once and read
to its end (``bench/concurrent_runs.py``'s wave). Takeover: two replicas (scripted provider) with
``OPENBETA_LEASE_SECONDS`` = L; a slow run on one, which is killed (SIGKILL) once the run's first
message is stored; measured: the time from the kill until the survivor has replaced the cut message
(the run was claimed and resumed). Expected: between L and L plus one lease tick (L/4, at most 1 s).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import sys
import tempfile
import time
import uuid
from pathlib import Path

import httpx

from concurrent_runs import pct, wave
from servers import SRC, start_openbeta, start_paced_upstream, stop

sys.path.insert(0, str(SRC))
from openbeta.server.store.db import create_postgres_database, drop_postgres_database  # noqa: E402


def fresh(admin: str) -> tuple[str, str]:
    name = "ob_bench_" + uuid.uuid4().hex[:10]
    return create_postgres_database(admin, name), name


def throughput(admin: str, workers: int, runs: int, chunks: int, interval_ms: float) -> str:
    url, name = fresh(admin)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            upstream, paced = start_paced_upstream(chunks, interval_ms)
            base, server = start_openbeta(Path(tmp), upstream, url, OPENBETA_WORKERS=str(workers))
            try:
                asyncio.run(wave(base, 8, 60))  # warm every worker up
                results, elapsed = asyncio.run(wave(base, runs, 300))
            finally:
                stop(server)
                stop(paced)
    finally:
        drop_postgres_database(admin, name)
    ok = [r for r in results if r.error is None]
    firsts = [r.first for r in ok if r.first is not None]
    totals = [r.total for r in ok if r.total is not None]
    return (f"| {workers} | {len(ok)}/{runs} | {len(ok) / elapsed:.1f} | {pct(firsts, 50):.0f} | "
            f"{pct(totals, 50):.0f} | {pct(totals, 99):.0f} |")


def replica(data_dir: Path, url: str, lease: float) -> tuple[str, object]:
    base, process = start_openbeta(data_dir, "http://127.0.0.1:9/v1", url, OPENBETA_PROVIDER="scripted",
                                   OPENBETA_LEASE_SECONDS=str(lease))
    return base, process


def takeover(admin: str, lease: float) -> float:
    url, name = fresh(admin)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            survivor_base, survivor = replica(Path(tmp) / "a", url, lease)
            victim_base, victim = replica(Path(tmp) / "b", url, lease)
            try:
                with httpx.Client(timeout=30) as http:
                    assistant = http.post(f"{victim_base}/assistants", json={"model": "m"}).json()["id"]
                    directive = json.dumps({"text": " ".join(["word"] * 2000), "delay": 0.02})
                    thread = http.post(f"{victim_base}/threads", json={"messages": [
                        {"role": "user", "content": "SCRIPT: " + directive}]}).json()["id"]
                    run = http.post(f"{victim_base}/threads/{thread}/runs", json={"assistant_id": assistant}).json()["id"]
                    cut: set[str] = set()
                    while not cut:
                        cut = {m["id"] for m in http.get(f"{victim_base}/threads/{thread}/messages",
                                                         params={"run_id": run}).json()["data"]}
                        time.sleep(0.01)
                    victim.send_signal(signal.SIGKILL)
                    victim.wait()
                    killed = time.perf_counter()
                    while True:
                        ids = {m["id"] for m in http.get(f"{survivor_base}/threads/{thread}/messages",
                                                         params={"run_id": run}).json()["data"]}
                        if ids and not ids & cut:
                            return time.perf_counter() - killed
                        time.sleep(0.02)
            finally:
                stop(survivor)
                if victim.poll() is None:
                    stop(victim)
    finally:
        drop_postgres_database(admin, name)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--chunks", type=int, default=20)
    parser.add_argument("--interval-ms", type=float, default=20)
    parser.add_argument("--workers", default="1,2,4")
    parser.add_argument("--leases", default="1,2,5")
    parser.add_argument("--repeat", type=int, default=3, help="takeovers measured per lease")
    options = parser.parse_args()
    admin = os.environ.get("OPENBETA_TEST_POSTGRES_URL")
    if not admin:
        raise SystemExit("set OPENBETA_TEST_POSTGRES_URL to a PostgreSQL server (databases are created and dropped)")
    print(f"{options.runs} streamed runs at once, {options.chunks} chunks {options.interval_ms:g} ms apart")
    print("| workers | completed | runs/s | first token p50 ms | completion p50 ms | completion p99 ms |")
    print("| ---: | ---: | ---: | ---: | ---: | ---: |")
    for workers in [int(w) for w in options.workers.split(",") if w]:
        print(throughput(admin, workers, options.runs, options.chunks, options.interval_ms), flush=True)
    print()
    print("| lease seconds | takeover after SIGKILL: min | median | max |")
    print("| ---: | ---: | ---: | ---: |")
    for lease in [float(x) for x in options.leases.split(",") if x]:
        took = sorted(takeover(admin, lease) for _ in range(options.repeat))
        print(f"| {lease:g} | {took[0]:.2f} s | {took[len(took) // 2]:.2f} s | {took[-1]:.2f} s |", flush=True)


if __name__ == "__main__":
    main()
