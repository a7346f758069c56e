"""code_interpreter sandboxes: start time, a warm call's overhead, concurrent interpreters.

    python bench/code_interpreter.py [--starts 10] [--calls 200] [--concurrent 1,4,8,16] [--runs 20]

Measures the sandbox layer itself (``openbeta.server.tools.sandbox``), without HTTP or a
model: a start is ``Sandbox.start()`` until the interpreter answers ready (numpy, pandas
and matplotlib not yet imported; the first ``import pandas`` is timed apart); a warm call
is ``run_code("x = 1")`` on a started interpreter; "concurrent" starts N interpreters at
once, runs one small numpy call in each, and reports the wall time and the interpreters'
proportional memory (PSS) while all are alive. ``--runs`` then starts ``openbeta serve``
(scripted model, SQLite) and times whole streamed runs through the official SDK: a run whose
model calls ``python`` with ``x = 1`` on a warm interpreter against a run that only answers text,
so the difference is what a warm tool call adds to a run (a second model turn included).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import statistics
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from servers import SRC, free_port, stop, wait_until_up  # noqa: E402

from openbeta.server.tools.sandbox import BubblewrapLauncher, Limits, Sandbox  # noqa: E402


def ms(values: list[float]) -> str:
    return (f"median {statistics.median(values) * 1000:.1f} ms, min {min(values) * 1000:.1f} ms, "
            f"max {max(values) * 1000:.1f} ms")


def sandbox_memory_mb(uids: set[int]) -> tuple[float, float, int]:
    """(PSS, RSS) in MiB and the number of processes running as one of ``uids``."""
    total = rss = count = 0
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            status = (proc / "status").read_text()
            uid = int(next(line for line in status.splitlines() if line.startswith("Uid:")).split()[1])
            if uid in uids:
                count += 1
                rss += int(next(line for line in status.splitlines() if line.startswith("VmRSS:")).split()[1])
                rollup = (proc / "smaps_rollup").read_text()
                total += int(next(line for line in rollup.splitlines() if line.startswith("Pss:")).split()[1])
        except (OSError, StopIteration, ValueError):
            continue
    return total / 1024, rss / 1024, count


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--starts", type=int, default=10)
    parser.add_argument("--calls", type=int, default=200)
    parser.add_argument("--concurrent", default="1,4,8,16")
    parser.add_argument("--uid-base", type=int, default=210000)
    parser.add_argument("--runs", type=int, default=20, help="whole runs to time (0: none)")
    args = parser.parse_args()
    limits = Limits()
    launcher = BubblewrapLauncher(limits)
    reason = launcher.trial()
    if reason:
        sys.exit(f"sandboxes cannot run here: {reason}")
    root = Path(tempfile.mkdtemp(prefix="openbeta-bench-sandbox-"))

    starts, imports, loaded = [], [], []
    for n in range(args.starts):
        box = Sandbox(launcher, root / f"s{n}", args.uid_base, limits)
        began = time.perf_counter()
        box.start()
        starts.append(time.perf_counter() - began)
        began = time.perf_counter()
        result = box.run_code("import numpy, pandas, matplotlib.pyplot", 60)
        imports.append(time.perf_counter() - began)
        assert result.error is None, result.error
        loaded.append(sandbox_memory_mb({box.uid})[1])
        box.stop()
    print(f"start ({args.starts}): {ms(starts)}")
    print(f"first import of numpy+pandas+pyplot: {ms(imports)}; then {statistics.median(loaded):.0f} MiB RSS")

    box = Sandbox(launcher, root / "warm", args.uid_base, limits)
    box.start()
    box.run_code("x = 1", 10)
    calls = []
    for _ in range(args.calls):
        began = time.perf_counter()
        box.run_code("x = 1", 10)
        calls.append(time.perf_counter() - began)
    box.stop()
    print(f"warm call ({args.calls}): {ms(calls)}")

    for count in [int(c) for c in args.concurrent.split(",")]:
        boxes = [Sandbox(launcher, root / f"c{count}-{i}", args.uid_base + 1 + i, limits) for i in range(count)]
        began = time.perf_counter()

        def work(box: Sandbox) -> None:
            box.start()
            result = box.run_code("import numpy as np\nprint(np.arange(10**6).sum())", 120)
            assert result.logs.strip() == "499999500000", result

        with ThreadPoolExecutor(count) as pool:
            list(pool.map(work, boxes))
        wall = time.perf_counter() - began
        pss, rss, processes = sandbox_memory_mb({box.uid for box in boxes})
        for box in boxes:
            box.stop()
        print(f"{count} concurrent interpreters (start + numpy call): {wall:.2f} s wall, "
              f"{pss / count:.0f} MiB PSS, {rss / count:.0f} MiB RSS each ({processes} processes)")
    if args.runs:
        time_runs(args.runs, root)


def time_runs(count: int, root: Path) -> None:
    import warnings

    import openai

    warnings.filterwarnings("ignore", category=DeprecationWarning)

    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("OPENBETA_")}
    env.update(PYTHONPATH=str(SRC), OPENBETA_PORT=str(port), OPENBETA_DATA_DIR=str(root / "server"),
               OPENBETA_PROVIDER="scripted", OPENBETA_LOG_LEVEL="warning")
    process = subprocess.Popen([sys.executable, "-m", "openbeta.cli", "serve"], env=env)
    try:
        wait_until_up(f"http://127.0.0.1:{port}/health", process, "openbeta serve")
        client = openai.OpenAI(base_url=f"http://127.0.0.1:{port}/v1", api_key="k", max_retries=0)
        assistant = client.beta.assistants.create(model="scripted", tools=[{"type": "code_interpreter"}])
        thread = client.beta.threads.create()
        code = "SCRIPT: " + json.dumps({"tool_calls": [{"name": "python", "arguments": {"code": "x = 1"}}],
                                        "after_tools": "done"})
        timings: dict[str, list[float]] = {"text": [], "code": []}
        for n in range(count + 1):
            for kind, content in (("text", 'SCRIPT: {"text": "done"}'), ("code", code)):
                client.beta.threads.messages.create(thread.id, role="user", content=content)
                began = time.perf_counter()
                with client.beta.threads.runs.stream(thread_id=thread.id, assistant_id=assistant.id) as stream:
                    stream.until_done()
                if n:  # the first round warms the interpreter up
                    timings[kind].append(time.perf_counter() - began)
        print(f"streamed run answering text ({count}): {ms(timings['text'])}")
        print(f"streamed run with one warm code_interpreter call ({count}): {ms(timings['code'])}")
        print(f"a warm call adds: {(statistics.median(timings['code']) - statistics.median(timings['text'])) * 1000:.1f} ms "
              f"(median difference), {(min(timings['code']) - min(timings['text'])) * 1000:.1f} ms (min difference)")
    finally:
        stop(process)


if __name__ == "__main__":
    main()
