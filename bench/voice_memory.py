"""Speech: what giving the voice model's memory back costs, side by side in one run.

    python bench/voice_memory.py [--rounds 3] [--pieces 12]

The same texts spoken three ways, each in its own process, rounds alternating: ``kept``, the voice as
Piper loads it (ONNX Runtime's arena keeps its largest run's memory); ``every run``, the arena shrunk
after every run and the heap trimmed after every piece; ``when idle``, the server's way
(``server/realtime/voice.py``): runs keep the arena, and once speech stops ``PiperTts.release`` shrinks it
and the heap is trimmed. The texts: natural sentences (about 60 to 110 characters) and run-on pieces of
200 characters (the longest a realtime response speaks at once). Reported: seconds of audio made per
CPU-second of the process, time to the first chunk of a sentence, and resident memory (``/proc``) after
loading, at the peak, and after the last piece (for ``when idle``, after the release).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
SRC = HERE.parent / "src"

SENTENCES = [
    "The ferry leaves the harbour at seven and returns before the evening tide.",
    "Please bring the blue folder with the signed contracts to the meeting on Thursday.",
    "Our quarterly review moved to room Lindbergh, on the third floor, at three in the afternoon.",
    "The museum is closed on Mondays, but the garden stays open until sunset.",
]
RUN_ON = ", ".join(f"the {n}th lantern on the harbour wall glowed amber while the tide rolled over the stones"
                   for n in range(40))


def rss_mib(field: str = "VmRSS") -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(field)


def worker(mode: str, pieces: int) -> dict:
    from openbeta.server.memory import release_memory
    from openbeta.server.realtime.tts import PiperTts

    tts = PiperTts()
    tts.load()
    arena = tts._voice.session
    if mode == "kept":  # the session as Piper makes it: its arena keeps what the largest run needed
        tts._voice.session = arena.session
    release_memory()
    loaded = rss_mib()
    texts = [SENTENCES[i % len(SENTENCES)] for i in range(pieces)] + \
        [RUN_ON[200 * i:200 * (i + 1)] for i in range(pieces)]
    audio = 0
    firsts = []
    cpu = time.process_time()
    wall = time.perf_counter()
    for index, text in enumerate(texts):
        began = time.perf_counter()
        arena.shrink_next = mode == "every run"
        for n, chunk in enumerate(tts.chunks(text)):
            if n == 0 and index < pieces:
                firsts.append(time.perf_counter() - began)
            audio += len(chunk)
        if mode == "every run":
            release_memory()
    if mode == "when idle":
        tts.release()
        release_memory()
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    return {"mode": mode, "audio_s": audio / 48000, "cpu_s": cpu, "wall_s": wall,
            "first_chunk_ms": 1000 * statistics.median(firsts), "loaded": loaded, "peak": rss_mib("VmHWM"),
            "after": rss_mib()}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--pieces", type=int, default=12)
    parser.add_argument("--mode", help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.mode:
        print(json.dumps(worker(options.mode, options.pieces)))
        return
    rows: dict[str, list[dict]] = {"kept": [], "every run": [], "when idle": []}
    for round_ in range(options.rounds):
        for mode in rows:
            done = subprocess.run([sys.executable, __file__, "--mode", mode, "--pieces", str(options.pieces)],
                                  env={**os.environ, "PYTHONPATH": str(SRC)}, capture_output=True, text=True)
            if done.returncode:
                sys.exit(done.stderr[-3000:])
            r = json.loads(done.stdout.strip().splitlines()[-1])
            rows[mode].append(r)
            print(f"round {round_ + 1} {mode}: {r['audio_s']:.0f} s of audio, {r['audio_s'] / r['cpu_s']:.1f} audio-s "
                  f"per CPU-s, first chunk {r['first_chunk_ms']:.0f} ms; RSS loaded {r['loaded']:.0f}, peak "
                  f"{r['peak']:.0f}, after {r['after']:.0f} MB", flush=True)
    print("\n| arena | audio-s per CPU-s (median) | first chunk of a sentence, ms (median) | RSS loaded / peak / after, MB |")
    print("| --- | ---: | ---: | ---: |")
    for mode, results in rows.items():
        rate = statistics.median(r["audio_s"] / r["cpu_s"] for r in results)
        first = statistics.median(r["first_chunk_ms"] for r in results)
        last = results[-1]
        print(f"| {mode} | {rate:.1f} | {first:.0f} | {last['loaded']:.0f} / {last['peak']:.0f} / {last['after']:.0f} |")


if __name__ == "__main__":
    main()
