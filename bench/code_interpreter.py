"""code_interpreter sandboxes: start time, a warm call's overhead, concurrent interpreters.

    python bench/code_interpreter.py [--starts 10] [--calls 200] [--concurrent 1,4,8,16]

Measures the sandbox layer itself (``openbeta.server.tools.sandbox``), without HTTP or a
model: a start is ``Sandbox.start()`` until the interpreter answers ready (numpy, pandas
and matplotlib not yet imported; the first ``import pandas`` is timed apart); a warm call
is ``run_code("x = 1")`` on a started interpreter; "concurrent" starts N interpreters at
once, runs one small numpy call in each, and reports the wall time and the interpreters'
proportional memory (PSS) while all are alive.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))

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
    args = parser.parse_args()
    limits = Limits()
    launcher = BubblewrapLauncher(limits)
    reason = launcher.check()
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


if __name__ == "__main__":
    main()
