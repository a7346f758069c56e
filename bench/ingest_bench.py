"""Ingestion throughput: pages/s and chunks/s through the real pipeline, side by side in one run.

    python bench/ingest_bench.py [--files 8] [--pages 5] [--rounds 2] [--configs onnx,onnx-int8]
                                 [--baseline OTHER/src] [--profile]

Each configuration runs in its own process (``PYTHONPATH`` = this tree's ``src`` or, for
``--baseline``, another tree's), in rounds that alternate the configurations so the machine's
load hits them alike. A process builds the services on a fresh SQLite database, uploads the
files (untimed), loads the embedder with one warm-up call, then times the ingestion of every
file: parse (pypdf) -> the model's tokenizer -> ``auto`` chunking (800 tokens, 400 overlap) ->
embedding -> the transaction writing chunks and vectors. Two kinds of pages:

* ``synthetic``: PDFs of made-up words (``files_bench.make_pdf``, 30 sentences of 14 words a
  page): about 1,360 model tokens a page, since made-up words split into many word pieces;
* ``english``: PDFs of English sentences (the labeled set's passages of
  ``retrieval_quality.py``, about 420 words a page): about 600 model tokens a page.

Reported: wall seconds, CPU seconds of the process (all its threads), pages/s and chunks/s,
model tokens/s. ``--profile`` adds a cProfile of one ingestion per configuration, by stage (of
the ingesting thread: where parsing runs in a thread of its own, beside the embedding, it is not
in that thread's profile). A configuration is an embedding runtime, ``@N`` for N model threads
(``onnx-int8@2``).
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
SRC = HERE.parent / "src"

STAGES = {  # function name (file suffix, name) -> stage
    ("parse.py", "parse"): "parse (pypdf)",
    ("chunk.py", "split"): "tokenize + chunk",
    ("embed.py", "_pool"): "embed (windows, forward passes, pooling)",
    ("onnx_embed.py", "_encode"): "  of which the model (tokenizing windows, forward passes)",
    ("ingest.py", "_finish"): "database write (chunks, vectors, status)",
    ("ingest.py", "_write"): "database write (chunks, vectors, status)",
}


def english_pdf(rng: random.Random, pages: int) -> bytes:
    from fpdf import FPDF
    from retrieval_quality import labeled_set

    passages, _ = labeled_set(1000, seed=rng.randint(0, 10**6))
    pdf = FPDF()
    pdf.set_font("Helvetica", size=11)
    for _ in range(pages):
        pdf.add_page()
        pdf.multi_cell(0, 6, " ".join(rng.sample(passages, 22)))
    return bytes(pdf.output())


def _text(db, file_id: str) -> str:
    """A file's stored text (pieces, or the one text of trees before texts were stored in pieces)."""
    from openbeta.server.store.tables import FileTextRow

    try:
        from openbeta.server.store.texts import read_pieces, stored_text
    except ImportError:
        with db.session() as s:
            return s.get(FileTextRow, file_id).text
    with db.session() as s:
        text = stored_text(s, file_id)
    return "".join(read_pieces(db, text))


def worker(options: argparse.Namespace) -> None:
    sys.path.insert(0, str(HERE))
    from files_bench import make_pdf
    from openbeta.server.retrieval.embedders import build_embedder
    from openbeta.server.compose import build_services
    from openbeta.server.services.vector_stores import add_file
    from openbeta.server.settings import Settings
    from openbeta.server.store.tables import DEFAULT_PROJECT_ID as P
    from openbeta.types.file import FileUploadParams
    from openbeta.types.vector_store import VectorStoreCreateParams

    runtime, _, threads = options.config.partition("@")
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(data_dir=Path(tmp), provider="scripted", ingestion_workers=0,
                            embeddings_runtime=runtime, embeddings_threads=int(threads or options.threads))
        services = build_services(settings)
        ingestor = services.ingestion.ingestor
        ingestor.embedder = build_embedder(settings, ingestor.tokenizer)
        ingestor.embedder.embed(["warm up"])
        out = {"config": options.config, "embedder": ingestor.embedder.name}
        for kind in ("synthetic", "english"):
            rng = random.Random(1)
            make = make_pdf if kind == "synthetic" else english_pdf
            store = services.vector_stores.create(P, VectorStoreCreateParams())
            ids = [services.files.create(P, io.BytesIO(make(rng, options.pages)), f"{kind}{i}.pdf",
                                         FileUploadParams(purpose="assistants"))["id"] for i in range(options.files)]
            with services.db.session() as s:
                for fid in ids:
                    add_file(s, P, store["id"], fid)
            jobs = [(store["id"], fid) for fid in ids]
            profiler = cProfile.Profile() if options.profile and kind == "synthetic" else None
            wall, cpu = time.perf_counter(), time.process_time()
            if profiler:
                profiler.enable()
            if hasattr(ingestor, "ingest_many"):
                results = ingestor.ingest_many(jobs)
            else:
                results = [ingestor.ingest(*job) for job in jobs]
            if profiler:
                profiler.disable()
            wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
            assert all(r.status == "completed" for r in results), results
            pages, chunks = sum(r.pages for r in results), sum(r.chunks for r in results)
            tokens = sum(len(ingestor.tokenizer.spans(_text(services.db, fid))) for fid in ids)
            out[kind] = {"pages": pages, "chunks": chunks, "tokens": tokens, "wall": wall, "cpu": cpu}
            if profiler:
                stats = pstats.Stats(profiler)
                stages: dict[str, float] = {}
                for (path, _, name), row in stats.stats.items():  # type: ignore[attr-defined]
                    stage = STAGES.get((Path(path).name, name))
                    if stage and "/retrieval/" in path:
                        stages[stage] = stages.get(stage, 0.0) + row[3]
                out["profile"] = {"total": wall, **stages}
        services.db.dispose()
    print(json.dumps(out))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--files", type=int, default=8)
    parser.add_argument("--pages", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--threads", type=int, default=0, help="OPENBETA_EMBEDDINGS_THREADS (0: the default)")
    parser.add_argument("--configs", default="onnx,onnx-int8", help="embedding runtimes of this tree")
    parser.add_argument("--baseline", type=Path, help="another tree's src/: its default runtime, measured alongside")
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--config", help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.config:
        return worker(options)
    runs = [(c, SRC, c) for c in options.configs.split(",")]
    if options.baseline:
        runs.insert(0, ("baseline (its default)", options.baseline, "auto"))
    results: dict[str, list[dict]] = {name: [] for name, _, _ in runs}
    for round_ in range(options.rounds):
        for name, src, runtime in runs:
            argv = [sys.executable, __file__, "--config", runtime, "--files", str(options.files), "--pages",
                    str(options.pages), "--threads", str(options.threads)] + (
                ["--profile"] if options.profile and round_ == 0 else [])
            env = {**os.environ, "PYTHONPATH": str(src), "TOKENIZERS_PARALLELISM": "false"}
            done = subprocess.run(argv, env=env, capture_output=True, text=True)
            if done.returncode:
                sys.exit(f"{name} failed:\n{done.stderr[-3000:]}")
            res = json.loads(done.stdout.strip().splitlines()[-1])
            results[name].append(res)
            for kind in ("synthetic", "english"):
                r = res[kind]
                print(f"round {round_ + 1} {name} [{res['embedder']}] {kind}: {r['pages']} pages, {r['chunks']} chunks, "
                      f"{r['tokens'] / r['pages']:.0f} tokens/page; wall {r['wall']:.2f}s -> "
                      f"{r['pages'] / r['wall']:.2f} pages/s, {r['chunks'] / r['wall']:.2f} chunks/s, "
                      f"{r['tokens'] / r['wall']:.0f} tokens/s; cpu {r['cpu']:.2f}s -> "
                      f"{r['pages'] / r['cpu']:.2f} pages/cpu-s", flush=True)
            if "profile" in res:
                total = res["profile"].pop("total")
                parts = "; ".join(f"{k} {v:.2f}s ({100 * v / total:.0f}%)" for k, v in res["profile"].items())
                print(f"  profile {name} (synthetic, {total:.2f}s): {parts}", flush=True)
    print("\n| configuration | pages | wall s (best of rounds) | pages/s | chunks/s | CPU s | pages per CPU-s |")
    print("| --- | --- | ---: | ---: | ---: | ---: | ---: |")
    for name, rows in results.items():
        for kind in ("synthetic", "english"):
            best = min((r[kind] for r in rows), key=lambda r: r["wall"])
            print(f"| {name} | {kind} ({best['pages']}, {best['tokens'] / best['pages']:.0f} tokens each) | "
                  f"{best['wall']:.2f} | {best['pages'] / best['wall']:.2f} | {best['chunks'] / best['wall']:.2f} | "
                  f"{best['cpu']:.2f} | {best['pages'] / best['cpu']:.2f} |")


if __name__ == "__main__":
    main()
