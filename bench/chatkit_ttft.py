"""Time to first token through a ChatKit turn vs a plain streamed run, on the same server.

    python bench/chatkit_ttft.py [--runs 100] [--baseline OTHER/src]

The paced upstream (``bench/paced_upstream.py``: no model, the first chunk at once) answers,
so the difference between the paths is openbeta's own work:

``run``: ``POST /v1/threads/{id}/runs`` with ``stream: true`` on a thread whose message was
made beforehand (untimed), until the first ``thread.message.delta``.
``chatkit``: ``POST /v1/chatkit`` ``threads.add_user_message`` on an existing ChatKit thread,
until the first ``assistant_message.content_part.text_delta``: the session's secret checked
and counted, the user item stored and echoed, the backing message written, the run created.
Both over plain httpx, one request at a time, the paths alternating; 5 warm-up calls each.
``--baseline`` adds the ChatKit path on a second server from another source tree (an earlier
commit, say), measured in the same rounds.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Callable

import httpx

from servers import start_openbeta, start_paced_upstream, stop

PROMPT = "Name three colours."


def first_line(client: httpx.Client, url: str, body: dict, headers: dict, found: Callable[[str], bool]) -> float:
    start = time.perf_counter()
    first = None
    with client.stream("POST", url, json=body, headers=headers) as response:
        for line in response.iter_lines():
            if first is None and found(line):
                first = time.perf_counter() - start
    assert first is not None, "no text arrived"
    return first


def run_path(client: httpx.Client, base: str, assistant: str) -> Callable[[], float]:
    def once() -> float:
        thread = client.post(base + "/threads", json={"messages": [{"role": "user", "content": PROMPT}]}).json()
        body = {"assistant_id": assistant, "stream": True, "max_completion_tokens": 256}
        return first_line(client, f"{base}/threads/{thread['id']}/runs", body, {},
                          lambda line: line == "event: thread.message.delta")

    return once


def chatkit_path(client: httpx.Client, base: str, assistant: str) -> Callable[[], float]:
    session = client.post(base + "/chatkit/sessions", json={
        "user": "bench", "workflow": {"id": assistant},
        "rate_limits": {"max_requests_per_1_minute": 1_000_000}}).json()
    headers = {"Authorization": f"Bearer {session['client_secret']}"}
    url = base + "/chatkit"
    user_input = {"content": [{"type": "input_text", "text": PROMPT}], "attachments": [], "inference_options": {}}
    with client.stream("POST", url, json={"type": "threads.create", "params": {"input": user_input}},
                       headers=headers) as response:
        lines = [line for line in response.iter_lines() if line]
    thread_id = json.loads(lines[0][len("data: "):])["thread"]["id"]

    def once() -> float:
        body = {"type": "threads.add_user_message", "params": {"thread_id": thread_id, "input": user_input}}
        return first_line(client, url, body, headers, lambda line: "content_part.text_delta" in line)

    return once


def summary(samples: list[float]) -> str:
    ordered = sorted(samples)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    return f"p50 {statistics.median(ordered) * 1000:.2f} ms, p99 {p99 * 1000:.2f} ms"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=100)
    parser.add_argument("--baseline", type=Path, help="another source tree's src/, for a before/after")
    args = parser.parse_args()
    upstream, paced = start_paced_upstream(chunks=4, interval_ms=5)
    servers = []
    with tempfile.TemporaryDirectory() as data:
        base, server = start_openbeta(Path(data) / "this", upstream)
        servers.append(server)
        try:
            with httpx.Client(timeout=60) as client:
                assistant = client.post(base + "/assistants", json={"model": "m"}).json()["id"]
                paths = {"run": run_path(client, base, assistant), "chatkit": chatkit_path(client, base, assistant)}
                if args.baseline:
                    other, process = start_openbeta(Path(data) / "baseline", upstream, src=args.baseline)
                    servers.append(process)
                    baseline_assistant = client.post(other + "/assistants", json={"model": "m"}).json()["id"]
                    paths["baseline"] = chatkit_path(client, other, baseline_assistant)
                samples: dict[str, list[float]] = {name: [] for name in paths}
                for _ in range(5):
                    for once in paths.values():
                        once()
                for _ in range(args.runs):
                    for name, once in paths.items():
                        samples[name].append(once())
        finally:
            for process in servers:
                stop(process)
            stop(paced)
    for name, values in samples.items():
        print(f"{name:9s} {summary(values)}")
    run, chatkit = statistics.median(samples["run"]), statistics.median(samples["chatkit"])
    print(f"chatkit - run at p50: {(chatkit - run) * 1000:+.2f} ms", file=sys.stderr)


if __name__ == "__main__":
    main()
