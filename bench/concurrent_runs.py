"""Many streamed runs at once on one openbeta server process.

    python bench/concurrent_runs.py [--runs 500] [--chunks 20] [--interval-ms 20] [--deadline 300]

``openbeta serve`` (SQLite, upstream provider) in front of the paced upstream
(``bench/paced_upstream.py``, its own process), driven from this process with one
``httpx.AsyncClient``. Untimed set-up: one assistant and ``--runs`` threads with a
user message. Then every run is started at once (``POST /threads/{id}/runs`` with
``stream: true``) and read to its end. Reported: errors (a non-200 answer, a broken
stream, or a stream that does not end in ``thread.run.completed`` and ``done``),
the server's peak RSS, completed runs per second, and p50/p99 of the time to the
first ``thread.message.delta`` and to the end of the stream. Every request has a
timeout and the whole wave a deadline, so the script always ends.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from pathlib import Path
from typing import Optional

import httpx

from servers import peak_rss_mb, start_openbeta, start_paced_upstream, stop


class Result:
    def __init__(self) -> None:
        self.first: Optional[float] = None
        self.total: Optional[float] = None
        self.error: Optional[str] = None


async def one(client: httpx.AsyncClient, base: str, assistant_id: str, thread_id: str, start: float) -> Result:
    result = Result()
    events: list[str] = []
    try:
        async with client.stream("POST", f"{base}/threads/{thread_id}/runs",
                                 json={"assistant_id": assistant_id, "stream": True}) as response:
            if response.status_code != 200:
                await response.aread()
                result.error = f"HTTP {response.status_code}: {response.text[:200]}"
                return result
            async for line in response.aiter_lines():
                if line.startswith("event: "):
                    events.append(line[7:])
                    if result.first is None and events[-1] == "thread.message.delta":
                        result.first = time.perf_counter() - start
    except httpx.HTTPError as exc:
        result.error = f"{type(exc).__name__}: {exc}"
        return result
    result.total = time.perf_counter() - start
    if events[-2:] != ["thread.run.completed", "done"]:
        result.error = f"stream ended with {events[-2:]}"
    return result


def pct(values: list[float], p: int) -> float:
    if len(values) < 2:
        return values[0] * 1000 if values else float("nan")
    return statistics.quantiles(values, n=100, method="inclusive")[p - 1] * 1000


async def wave(base: str, runs: int, deadline: float) -> tuple[list[Result], float]:
    limits = httpx.Limits(max_connections=runs + 10, max_keepalive_connections=runs + 10)
    timeout = httpx.Timeout(deadline, connect=30)
    async with httpx.AsyncClient(limits=limits, timeout=timeout) as client:
        assistant = (await client.post(base + "/assistants", json={"model": "paced"})).json()
        setup = asyncio.Semaphore(8)

        async def thread() -> str:
            async with setup:
                body = {"messages": [{"role": "user", "content": "Count to twenty."}]}
                return (await client.post(base + "/threads", json=body)).json()["id"]

        threads = await asyncio.gather(*[thread() for _ in range(runs)])
        start = time.perf_counter()
        tasks = [asyncio.ensure_future(one(client, base, assistant["id"], t, start)) for t in threads]
        done, pending = await asyncio.wait(tasks, timeout=deadline)
        for task in pending:
            task.cancel()
        elapsed = time.perf_counter() - start
        results = [t.result() for t in done]
        for _ in pending:
            lost = Result()
            lost.error = "deadline"
            results.append(lost)
        return results, elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=500)
    parser.add_argument("--chunks", type=int, default=20, help="content chunks per answer")
    parser.add_argument("--interval-ms", type=float, default=20, help="pause between chunks")
    parser.add_argument("--deadline", type=float, default=300, help="seconds the whole wave may take")
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        upstream, paced = start_paced_upstream(options.chunks, options.interval_ms)
        base, server = start_openbeta(Path(tmp), upstream)
        try:
            idle_rss = peak_rss_mb(server.pid)
            results, elapsed = asyncio.run(wave(base, options.runs, options.deadline))
            rss = peak_rss_mb(server.pid)
        finally:
            stop(server)
            stop(paced)
    ok = [r for r in results if r.error is None]
    errors = [r.error for r in results if r.error is not None]
    firsts = [r.first for r in ok if r.first is not None]
    totals = [r.total for r in ok if r.total is not None]
    answer_ms = (options.chunks - 1) * options.interval_ms
    print(f"{options.runs} streamed runs at once, answers of {options.chunks} chunks "
          f"{options.interval_ms:g} ms apart ({answer_ms:g} ms of upstream time each)")
    print(f"  completed {len(ok)}   errors {len(errors)}   wall {elapsed:.1f} s   "
          f"throughput {len(ok) / elapsed:.1f} runs/s")
    print(f"  server peak RSS {rss:.0f} MiB (idle {idle_rss:.0f} MiB)")
    print(f"  first token  p50 {pct(firsts, 50):8.0f} ms   p99 {pct(firsts, 99):8.0f} ms")
    print(f"  completion   p50 {pct(totals, 50):8.0f} ms   p99 {pct(totals, 99):8.0f} ms")
    for error in sorted(set(errors))[:5]:
        print(f"  error: {error} (x{errors.count(error)})")


if __name__ == "__main__":
    main()
