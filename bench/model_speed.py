"""How fast the embedded model reads and writes under each CPU thread policy, quiet and beside a busy process;
and what openbeta's provider adds over the raw model on the same prompt tokens.

    python bench/model_speed.py [--model qwen2.5-coder-0.5b] [--threads 1,2,1/2] [--policies default,passive,active,spin]
                                [--python /other/venv/bin/python=label] [--repeat 2] [--overhead 5]

Each cell is one fresh process (``OMP_*`` and ``GOMP_*`` are read when llama.cpp's OpenMP runtime loads, so a
policy needs its own process): it loads the model, reads a ~500-token prompt and writes 64 tokens at
temperature 0. ``--threads`` lists thread counts; ``G/B`` gives generation ``G`` threads and prompt reading
(llama.cpp's batch) ``B``. "busy" runs the same cell while ``python -c 'while 1: pass'`` keeps one core busy.
Every cell runs ``--repeat`` times and reports the median; ratios are to the first cell (one thread, nothing
set, quiet), the model's plain speed.
Cells of one repeat alternate, so quiet and busy, and every policy, see the same minutes. Every row records
the load average (1 minute) read when it finished. ``--python`` adds the same cells run by another Python
(a virtual environment with llama-cpp-python built otherwise, e.g. without OpenMP).

``--overhead N`` then measures, in one process with openbeta's default thread policy, N alternating pairs:
the raw model (``Llama.generate`` on the prompt's tokens, 64 tokens) against ``LocalProvider.stream`` on the
request that renders to those same tokens (``max_tokens`` 64), with the provider's prompt cache cleared before
each call; it reports the medians and their ratio, and the share of the provider's wall time spent outside
llama.cpp's decode (openbeta's own work and llama-cpp-python's sampling, which the raw call also does): on a
shared machine the ratio of two wall times swings with the neighbours' load, that share does not.
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
from typing import Any, Optional

BENCH = Path(__file__).resolve().parent
SRC = BENCH.parent / "src"

#: What each policy sets in the environment of the model's process (nothing: the runtime's defaults).
POLICIES: dict[str, dict[str, str]] = {
    "default": {},
    "passive": {"OMP_WAIT_POLICY": "PASSIVE"},
    "active": {"OMP_WAIT_POLICY": "ACTIVE"},
    "spin": {"GOMP_SPINCOUNT": "10000"},
}
#: Variables every cell starts without, so the policy alone decides.
CLEARED = ("OMP_WAIT_POLICY", "GOMP_SPINCOUNT", "OMP_NUM_THREADS", "OMP_PROC_BIND", "OMP_PLACES")
GENERATED = 64
PASSAGE = ("The quarterly review moved to Thursday, 14 March, at 3 pm in room Lindbergh. Ship log of the research "
           "vessel Calypso Nine: the captain is Mara Lindqvist, and the vessel docks at Port Elwin every Thursday "
           "to load supplies. Minutes of the Brookfield garden club: the prize-winning pumpkin in 2024 weighed "
           "412 kilograms and was grown by Tomasz Weller behind the old mill. ")
QUESTION = "Summarise these notes in one long paragraph, then list every number they mention."


def messages(repeat: int = 5) -> list[dict[str, str]]:
    return [{"role": "system", "content": "You are a helpful assistant."},
            {"role": "user", "content": PASSAGE * repeat + "\n\n" + QUESTION}]


def model_path(name: str) -> str:
    sys.path.insert(0, str(SRC))
    from openbeta.server.providers import models as catalog

    chosen = catalog.lookup(name)
    if chosen is None:
        return name  # a GGUF path
    return str(catalog.model_file(chosen, catalog.default_cache_dir()))


# ------------------------------------------------------------------ inside one cell's process

def raw_once(llama: Any, tokens: list[int]) -> tuple[float, float]:
    """(prompt tokens/s, generation tokens/s) of one raw call: the prompt read in full, 64 tokens written."""
    llama.reset()
    started = time.perf_counter()
    first, count = None, 0
    for _token in llama.generate(tokens, temp=0.0, top_p=1.0):
        count += 1
        if first is None:
            first = time.perf_counter()
        if count >= GENERATED:
            break
    done = time.perf_counter()
    assert first is not None
    return len(tokens) / (first - started), (count - 1) / max(done - first, 1e-9)


def worker(args: argparse.Namespace) -> None:
    import llama_cpp

    sys.path.insert(0, str(SRC))
    from openbeta.server.providers.chat_template import ChatTemplate

    started = time.perf_counter()
    generate, batch = (int(n) for n in (args.threads + "/" + args.threads).split("/")[:2])
    llama = llama_cpp.Llama(model_path=args.path, n_ctx=2048, n_threads=generate, n_threads_batch=batch,
                            verbose=False)
    loaded = time.perf_counter() - started
    template = ChatTemplate(llama.metadata.get("tokenizer.chat_template"), bos_token="", eos_token="")
    tokens = llama.tokenize(template.render(messages(), []).encode(), add_bos=False, special=True)
    tries = [raw_once(llama, tokens) for _ in range(args.tries)]
    print(json.dumps({"prompt_tokens": len(tokens), "load_s": loaded,
                      "prompt_tps": max(t[0] for t in tries), "gen_tps": max(t[1] for t in tries)}), flush=True)


def overhead_worker(args: argparse.Namespace) -> None:
    """Raw model against the provider on the same tokens, alternating; prints medians as JSON."""
    import asyncio

    sys.path.insert(0, str(SRC))
    from openbeta.server.providers import ChatRequest
    from openbeta.server.providers.local import LocalProvider
    from openbeta.server.providers.local_chat import prompt_for

    async def main() -> dict[str, Any]:
        provider = LocalProvider(args.path, context_size=2048)
        await provider.load()
        request = ChatRequest(model="m", messages=messages(), max_tokens=GENERATED, temperature=0.0, top_p=1.0)
        model = provider._model
        assert model is not None
        tokens = model.tokenize(prompt_for(model, request))
        context = model.llama._ctx
        decode, in_decode = context.decode, [0.0]

        def timed_decode(*a: Any, **k: Any) -> Any:  # llama.cpp's own work: reading and writing tokens
            started = time.perf_counter()
            try:
                return decode(*a, **k)
            finally:
                in_decode[0] += time.perf_counter() - started

        context.decode = timed_decode
        raw, ours, produced, outside = [], [], [], []
        for _ in range(args.overhead):
            started = time.perf_counter()
            await asyncio.get_running_loop().run_in_executor(provider._worker, raw_once, model.llama, tokens)
            raw.append(time.perf_counter() - started)
            provider.forget_prompts()
            in_decode[0] = 0.0
            started = time.perf_counter()
            async for delta in provider.stream(request):
                if delta.usage:
                    produced.append(delta.usage.completion_tokens)
            ours.append(time.perf_counter() - started)
            outside.append((ours[-1] - in_decode[0]) / ours[-1])
        await provider.aclose()
        return {"prompt_tokens": len(tokens), "raw_s": statistics.median(raw), "openbeta_s": statistics.median(ours),
                "completion_tokens": statistics.median(produced), "threads": provider.threads,
                "outside_decode": statistics.median(outside), "load": os.getloadavg()[0]}

    print(json.dumps(asyncio.run(main())), flush=True)


# ------------------------------------------------------------------ the table

def cell(python: str, path: str, threads: str, policy: str, busy: bool, tries: int) -> dict[str, Any]:
    env = {k: v for k, v in os.environ.items() if k not in CLEARED}
    env.update(POLICIES[policy])
    spinner: Optional[subprocess.Popen] = None
    if busy:
        spinner = subprocess.Popen([sys.executable, "-c", "while 1: pass"])
        time.sleep(0.3)
    try:
            out = subprocess.run([python, __file__, "--worker", "--path", path, "--threads", threads,
                              "--tries", str(tries)], env=env, capture_output=True, text=True, timeout=900)
    finally:
        if spinner is not None:
            spinner.kill()
            spinner.wait()
    if out.returncode != 0:
        raise SystemExit(out.stderr[-2000:])
    result = json.loads(out.stdout.strip().splitlines()[-1])
    result["load"] = os.getloadavg()[0]
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default="qwen2.5-coder-0.5b", help="a packaged model's name or a GGUF path")
    parser.add_argument("--threads", default="1,2,1/2")
    parser.add_argument("--policies", default="default,passive,active,spin")
    parser.add_argument("--python", action="append", default=[],
                        help="another interpreter to run the same cells: PATH=label (repeatable)")
    parser.add_argument("--loads", default="quiet,busy")
    parser.add_argument("--repeat", type=int, default=2, help="rounds over every cell; each cell reports its median")
    parser.add_argument("--tries", type=int, default=1, help="calls per cell process")
    parser.add_argument("--overhead", type=int, default=0, help="pairs of raw/provider calls (0: none)")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--overhead-worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--path", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        return worker(args)
    if args.overhead_worker:
        return overhead_worker(args)
    path = model_path(args.model)
    builds = [(sys.executable, "llama-cpp-python (OpenMP)")] + [tuple(p.split("=", 1)) for p in args.python]
    cells = [(python, label, t, policy, load == "busy")
             for python, label in builds for t in args.threads.split(",") for policy in args.policies.split(",")
             for load in args.loads.split(",")
             if not (label != builds[0][1] and policy != "default")]  # policies are OpenMP's
    runs: dict[tuple, list[dict[str, Any]]] = {}
    print(f"{args.model}: {len(cells)} cells x {args.repeat} rounds; load average at start "
          f"{os.getloadavg()[0]:.2f}", flush=True)
    for round_ in range(args.repeat):
        for python, label, threads, policy, busy in cells:
            result = cell(python, path, threads, policy, busy, args.tries)
            key = (label, threads, policy, busy)
            print(f"  round {round_ + 1} {label:28s} threads={threads:3s} {policy:8s} {'busy' if busy else 'quiet':5s} "
                  f"prompt {result['prompt_tps']:6.1f} tok/s  gen {result['gen_tps']:5.1f} tok/s  "
                  f"load {result['load']:.2f}", flush=True)
            runs.setdefault(key, []).append(result)
    best = {key: {"prompt_tokens": tries[0]["prompt_tokens"], "loads": [t["load"] for t in tries],
                  "prompt_tps": statistics.median(t["prompt_tps"] for t in tries),
                  "gen_tps": statistics.median(t["gen_tps"] for t in tries)} for key, tries in runs.items()}
    reference = next(iter(best.values()))
    lines = [f"Prompt {reference['prompt_tokens']} tokens, {GENERATED} written; medians of {args.repeat}; ratios to "
             f"the first cell ({reference['prompt_tps']:.0f} / {reference['gen_tps']:.1f} tok/s).", "",
             "| build | threads | policy | machine | prompt tok/s | generation tok/s | prompt ratio | generation ratio "
             "| busy / quiet (prompt, generation) | load average |",
             "| --- | ---: | --- | --- | ---: | ---: | ---: | ---: | ---: | --- |"]
    for (label, threads, policy, busy), r in best.items():
        quiet = best.get((label, threads, policy, False))
        versus = f"{r['prompt_tps'] / quiet['prompt_tps']:.2f}, {r['gen_tps'] / quiet['gen_tps']:.2f}" \
            if busy and quiet else ""
        lines.append(f"| {label} | {threads} | {policy} | {'busy' if busy else 'quiet'} | {r['prompt_tps']:.0f} | "
                     f"{r['gen_tps']:.1f} | {r['prompt_tps'] / reference['prompt_tps']:.2f} | "
                     f"{r['gen_tps'] / reference['gen_tps']:.2f} | {versus} | "
                     f"{', '.join(f'{x:.1f}' for x in r['loads'])} |")
    print("\n".join(lines), flush=True)
    if args.overhead:
        out = subprocess.run([sys.executable, __file__, "--overhead-worker", "--path", path,
                              "--overhead", str(args.overhead)], capture_output=True, text=True, timeout=1800)
        if out.returncode != 0:
            raise SystemExit(out.stderr[-2000:])
        r = json.loads(out.stdout.strip().splitlines()[-1])
        print(f"\nopenbeta over the raw model ({r['prompt_tokens']} prompt tokens, {r['completion_tokens']:.0f} "
              f"written, {r['threads']} thread(s), medians of {args.overhead}): raw {r['raw_s']:.2f} s, "
              f"LocalProvider {r['openbeta_s']:.2f} s, ratio {r['openbeta_s'] / r['raw_s']:.3f}; share of the "
              f"provider's time spent outside llama.cpp's decode {r['outside_decode']:.2%} (load average {r['load']:.2f})")


if __name__ == "__main__":
    main()
