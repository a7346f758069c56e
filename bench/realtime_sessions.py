"""Many realtime text sessions at once on one openbeta server process, and the memory of idle sessions.

    python bench/realtime_sessions.py [--sessions 200] [--idle 200] [--chunks 20] [--interval-ms 20] [--deadline 300]
                                     [--src OTHER/src]

``openbeta serve`` (SQLite, upstream provider) in front of the paced upstream
(``bench/paced_upstream.py``, its own process), driven from this process with the
``websockets`` client (beta protocol). Two phases:

1. idle: ``--idle`` sessions are opened and left idle (each has had its ``session.created``);
   reported: the server's resident memory (VmRSS) before and after, per session;
2. load: ``--sessions`` sessions at once each create a user item and a response and read it to
   ``response.done``; reported: errors (a refused handshake, an ``error`` event, a closed socket or a
   response that is not ``completed``), time to the first ``response.text.delta`` and to
   ``response.done`` (p50/p99), responses per second and the server's peak RSS.

Every socket has a timeout and the whole phase a deadline, so the script always ends.
"""

from __future__ import annotations

import argparse
import os
import asyncio
import json
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any, Optional

from websockets.asyncio.client import connect

from servers import SRC, peak_rss_mb, start_openbeta, start_paced_upstream, stop

HEADERS = {"Authorization": "Bearer bench", "OpenAI-Beta": "realtime=v1"}


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS")


def cpu_seconds(pid: int) -> float:
    """CPU time a process has used (user + system), in seconds: steadier than wall time on a shared machine."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class Result:
    def __init__(self) -> None:
        self.first: Optional[float] = None
        self.total: Optional[float] = None
        self.error: Optional[str] = None


async def one(url: str, n: int, start: asyncio.Event) -> Result:
    result = Result()
    try:
        async with connect(url, additional_headers=HEADERS, open_timeout=60, max_size=None) as ws:
            created = json.loads(await asyncio.wait_for(ws.recv(), 60))
            assert created["type"] == "session.created", created
            await start.wait()
            began = time.perf_counter()
            await ws.send(json.dumps({"type": "conversation.item.create", "item": {
                "type": "message", "role": "user", "content": [{"type": "input_text", "text": f"Hello {n}"}]}}))
            # text only: a session's default modalities include audio, which the voice models would speak
            await ws.send(json.dumps({"type": "response.create", "response": {"modalities": ["text"]}}))
            while True:
                event = json.loads(await asyncio.wait_for(ws.recv(), 120))
                if event["type"] == "error":
                    result.error = event["error"]["message"]
                    return result
                if event["type"] == "response.text.delta" and result.first is None:
                    result.first = time.perf_counter() - began
                if event["type"] == "response.done":
                    result.total = time.perf_counter() - began
                    if event["response"]["status"] != "completed":
                        result.error = f"response {event['response']['status']}"
                    return result
    except Exception as exc:  # counted, never raised: the wave goes on
        result.error = f"{type(exc).__name__}: {exc}"
    return result


async def idle_phase(url: str, count: int, pid: int) -> tuple[float, float]:
    before = rss_mb(pid)
    sockets: list[Any] = []
    try:
        for _ in range(count):
            ws = await connect(url, additional_headers=HEADERS, open_timeout=60)
            json.loads(await asyncio.wait_for(ws.recv(), 60))
            sockets.append(ws)
        await asyncio.sleep(1.0)
        after = rss_mb(pid)
    finally:
        await asyncio.gather(*(ws.close() for ws in sockets), return_exceptions=True)
    return before, after


async def load_phase(url: str, count: int, deadline: float) -> tuple[list[Result], float]:
    start = asyncio.Event()
    tasks = [asyncio.create_task(one(url, n, start)) for n in range(count)]
    await asyncio.sleep(0.5)
    while sum(1 for t in tasks if t.done()) == 0 and not start.is_set():
        break
    began = time.perf_counter()
    start.set()
    done, pending = await asyncio.wait(tasks, timeout=deadline)
    for task in pending:
        task.cancel()
    results = [t.result() if t in done else Result() for t in tasks]
    for task, result in zip(tasks, results):
        if task in pending:
            result.error = "deadline"
    return results, time.perf_counter() - began


def pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q * (len(values) - 1))))] * 1000


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sessions", type=int, default=200)
    parser.add_argument("--idle", type=int, default=200)
    parser.add_argument("--chunks", type=int, default=20)
    parser.add_argument("--interval-ms", type=float, default=20)
    parser.add_argument("--deadline", type=float, default=300)
    parser.add_argument("--src", type=Path, default=SRC,
                        help="the openbeta source tree to serve (another checkout's src/, to compare trees)")
    args = parser.parse_args()
    upstream, upstream_process = start_paced_upstream(args.chunks, args.interval_ms)
    with tempfile.TemporaryDirectory() as data:
        # every session comes from this one address: no per-address bound on its connections
        base, server = start_openbeta(Path(data), upstream, src=args.src, OPENBETA_MAX_CONNECTIONS_PER_CLIENT="0")
        url = base.replace("http://", "ws://") + "/realtime?model=bench"
        try:
            before, after = asyncio.run(idle_phase(url, args.idle, server.pid))
            print(f"idle: {args.idle} sessions, RSS {before:.1f} -> {after:.1f} MiB, "
                  f"{(after - before) * 1024 / max(1, args.idle):.1f} KiB per idle session")
            cpu_before = cpu_seconds(server.pid)
            results, elapsed = asyncio.run(load_phase(url, args.sessions, args.deadline))
            cpu = cpu_seconds(server.pid) - cpu_before
            errors = [r.error for r in results if r.error]
            firsts = [r.first for r in results if r.first is not None and not r.error]
            totals = [r.total for r in results if r.total is not None and not r.error]
            print(f"load: {args.sessions} sessions at once, {len(errors)} errors, "
                  f"{len(totals) / elapsed:.1f} responses/s, wall {elapsed:.2f} s, peak RSS {peak_rss_mb(server.pid):.1f} MiB, "
                  f"server CPU {cpu * 1000 / max(1, len(totals)):.1f} ms per response")
            if firsts:
                print(f"  first text delta p50 {pct(firsts, 0.5):.0f} ms, p99 {pct(firsts, 0.99):.0f} ms; "
                      f"response.done p50 {pct(totals, 0.5):.0f} ms, p99 {pct(totals, 0.99):.0f} ms")
            for error in sorted(set(errors))[:5]:
                print("  error:", error, f"(x{errors.count(error)})")
            print(f"  (median of firsts {statistics.median(firsts) * 1000:.0f} ms)" if firsts else "")
        finally:
            stop(server)
            stop(upstream_process)


if __name__ == "__main__":
    main()
