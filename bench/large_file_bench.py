"""One large text file through a live server: ingestion time, how `/health` answers meanwhile, memory, and
reading the text back from the vector store file content route.

    python bench/large_file_bench.py [--mb 33] [--embeddings none] [--baseline OTHER/src]

Each tree (``--baseline``'s first, then this one) runs its own ``openbeta serve`` (scripted model,
SQLite, ``OPENBETA_EMBEDDINGS`` as given) on the same generated file: a small file is ingested first
(the tokenizer and database connections then count in the starting size), then the large one, while a
thread asks ``/health`` every 100 ms. Reported: seconds until the file is ``completed``; ``/health``
times (median, 99th percentile, slowest); the server's resident memory (``/proc``) before, at its peak
and 5 s after; the content route's seconds and whether it gave the whole text.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import threading
import time
from pathlib import Path

import httpx

from servers import SRC, start_openbeta, stop

SENTENCE = b"The harvest of %d brought quinces, pears and a great many plums to the valley. "


def rss_mib(pid: int, field: str = "VmRSS") -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"{field} not in /proc/{pid}/status")


def make_file(path: Path, mb: int) -> None:
    with open(path, "wb") as f:
        i = 0
        while f.tell() < mb * 1024 * 1024:
            f.write(b"".join(SENTENCE % (i + k) for k in range(1000)) + b"\n")
            i += 1000


def ingested(http: httpx.Client, store: str) -> str:
    while True:
        counts = http.get(f"/vector_stores/{store}").json()["file_counts"]
        if counts["completed"] + counts["failed"]:
            return "completed" if counts["completed"] else "failed"
        time.sleep(0.2)


def measure(src: Path, path: Path, embeddings: str) -> dict:
    with tempfile.TemporaryDirectory() as data_dir:
        base, process = start_openbeta(Path(data_dir), "http://127.0.0.1:9/v1", src=src,
                                       OPENBETA_PROVIDER="scripted", OPENBETA_EMBEDDINGS=embeddings)
        try:
            root = base.rsplit("/v1", 1)[0]
            http = httpx.Client(base_url=base, timeout=600)
            small = http.post("/files", files={"file": ("small.txt", SENTENCE % 1 * 2000)},
                              data={"purpose": "assistants"}).json()["id"]
            ingested(http, http.post("/vector_stores", json={"file_ids": [small]}).json()["id"])
            with open(path, "rb") as f:
                file_id = http.post("/files", files={"file": ("big.txt", f)}, data={"purpose": "assistants"}).json()["id"]
            time.sleep(2)
            before = rss_mib(process.pid)
            times: list[float] = []
            stop_probe = threading.Event()

            def probe() -> None:
                while not stop_probe.is_set():
                    began = time.perf_counter()
                    httpx.get(root + "/health", timeout=600)
                    times.append(time.perf_counter() - began)
                    time.sleep(0.1)

            prober = threading.Thread(target=probe)
            began = time.perf_counter()
            store = http.post("/vector_stores", json={"file_ids": [file_id]}).json()["id"]
            prober.start()
            status = ingested(http, store)
            seconds = time.perf_counter() - began
            stop_probe.set()
            prober.join()
            peak = rss_mib(process.pid, "VmHWM")
            time.sleep(5)
            after = rss_mib(process.pid)
            began = time.perf_counter()
            page = json.loads(http.get(f"/vector_stores/{store}/files/{file_id}/content").content)
            read_seconds = time.perf_counter() - began
            text = "".join(part["text"] for part in page["data"])
            whole = text == path.read_text().strip()
            times.sort()
            return {"status": status, "seconds": seconds, "health_median": statistics.median(times),
                    "health_p99": times[min(len(times) - 1, int(len(times) * 0.99))], "health_max": times[-1],
                    "probes": len(times), "before": before, "peak": peak, "after": after,
                    "read_seconds": read_seconds, "text_chars": len(text), "whole": whole}
        finally:
            stop(process)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--mb", type=int, default=33)
    parser.add_argument("--embeddings", default="none")
    parser.add_argument("--baseline", type=Path, help="another tree's src/, measured first")
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "big.txt"
        make_file(path, options.mb)
        trees = ([("baseline", options.baseline)] if options.baseline else []) + [("this tree", SRC)]
        print("| tree | ingestion s | /health median / p99 / slowest s | RSS before / peak / after MB | "
              "content route s | text returned |")
        print("| --- | ---: | ---: | ---: | ---: | --- |")
        for name, src in trees:
            r = measure(src, path, options.embeddings)
            print(f"| {name} | {r['seconds']:.1f} ({r['status']}) | {r['health_median']:.3f} / {r['health_p99']:.3f} / "
                  f"{r['health_max']:.2f} ({r['probes']} probes) | {r['before']:.0f} / {r['peak']:.0f} / "
                  f"{r['after']:.0f} | {r['read_seconds']:.1f} | {r['text_chars']:,} characters"
                  f"{', whole' if r['whole'] else ', NOT the whole text'} |", flush=True)


if __name__ == "__main__":
    main()
