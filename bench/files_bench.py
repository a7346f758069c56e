"""File search benchmark: ingestion throughput and search latency at 1k to 1M chunks.

    python bench/files_bench.py [--sizes 1000,10000,100000,1000000] [--queries 100] [--baseline OTHER/src]

Ingestion runs the real pipeline (pypdf -> model tokenizer -> all-MiniLM-L6-v2 on the CPU ->
SQLite), once per model runtime (torch, ONNX float32, ONNX int8) on the same files.

Search: each store of up to ``--db-max`` chunks is filled with synthetic chunks (words drawn
Zipf-like from a 20k-word vocabulary, vectors clustered like text embeddings) written straight
into SQLite, then searched through a real ``openbeta serve`` with ``POST
/v1/vector_stores/{id}/search`` (the query embedded by the model, the store's tantivy and
usearch indexes, the service's SQL, JSON): the first search (indexes built from the database),
the first search after a restart (indexes loaded from ``<data dir>/indexes``), then p50/p99 of
``--queries`` searches. ``--baseline OTHER/src`` runs a second server from another source tree
on its own copy of the same data in the same rounds (requests alternate), for before/after.
Beside it, in the bench process: the index lookups alone (tantivy, HNSW, exact cosine) and the
HNSW's recall@10 against exact search. Larger stores (1M) measure the index lookups alone, on
indexes built in the bench process from the same synthetic chunks (no database, no server).
"""

from __future__ import annotations

import argparse
import io
import itertools
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import numpy as np
from fpdf import FPDF

sys.path.insert(0, str(Path(__file__).resolve().parent))
from servers import start_openbeta, stop  # noqa: E402

from openbeta.server.retrieval.chunk import split  # noqa: E402
from openbeta.server.retrieval.ingest import Ingestor  # noqa: E402
from openbeta.server.retrieval.parse import parse  # noqa: E402

try:
    from openbeta.server.compose import build_services  # noqa: E402
    from openbeta.server.retrieval.embedders import build_embedder  # noqa: E402
except ImportError:  # a --baseline tree from before the composition root moved (its --fill runs on its own code)
    from openbeta.server.retrieval.embed import build_embedder  # type: ignore[no-redef]  # noqa: E402
    from openbeta.server.services.container import build_services  # type: ignore[no-redef]  # noqa: E402
from openbeta.server.services.vector_stores import add_file  # noqa: E402
from openbeta.server.settings import Settings  # noqa: E402
from openbeta.server.store.tables import DEFAULT_PROJECT_ID  # noqa: E402
from openbeta.types.file import FileUploadParams  # noqa: E402
from openbeta.types.vector_store import VectorStoreCreateParams  # noqa: E402

SRC = Path(__file__).resolve().parent.parent / "src"

SYLLABLES = ["ka", "lo", "mi", "ter", "on", "ra", "vel", "sun", "di", "pa", "ne", "qu", "bor", "fi", "st", "an"]


def vocabulary(size: int = 20_000) -> list[str]:
    rng = random.Random(0)
    words: set[str] = set()
    while len(words) < size:
        words.add("".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 4))))
    return sorted(words)


WORDS = vocabulary()
#: Zipf-like word frequencies, as in natural text: a few words are everywhere, most are rare.
CUMULATIVE = list(itertools.accumulate(1 / (rank + 1) for rank in range(len(WORDS))))


def sentence(rng: random.Random, n: int) -> str:
    return " ".join(rng.choices(WORDS, cum_weights=CUMULATIVE, k=n)).capitalize() + "."


def make_pdf(rng: random.Random, pages: int) -> bytes:
    pdf = FPDF()
    pdf.set_font("Helvetica", size=11)
    for _ in range(pages):
        pdf.add_page()
        pdf.multi_cell(0, 6, " ".join(sentence(rng, 14) for _ in range(30)))
    return bytes(pdf.output())


def bench_ingestion(services, files: int, pages: int, runtime: str) -> dict:
    rng = random.Random(1)
    ingestor: Ingestor = services.ingestion.ingestor
    ingestor.embedder = build_embedder(services.settings.model_copy(update={"embeddings_runtime": runtime}),
                                       ingestor.tokenizer)
    store = services.vector_stores.create(DEFAULT_PROJECT_ID, VectorStoreCreateParams())
    ids = []
    for i in range(files):
        body = services.files.create(DEFAULT_PROJECT_ID, io.BytesIO(make_pdf(rng, pages)), f"doc{i}.pdf",
                                     FileUploadParams(purpose="assistants"))
        ids.append(body["id"])
    with services.db.session() as s:
        for fid in ids:
            add_file(s, DEFAULT_PROJECT_ID, store["id"], fid)
    ingestor.embedder.embed(["warm up"])  # load the model outside the timing
    started = time.perf_counter()
    total_pages = total_chunks = 0
    for fid in ids:
        result = ingestor.ingest(store["id"], fid)
        assert result.status == "completed", result
        total_pages += result.pages
        total_chunks += result.chunks
    elapsed = time.perf_counter() - started
    return {"runtime": runtime, "files": files, "pages": total_pages, "chunks": total_chunks, "seconds": elapsed,
            "pages_per_s": total_pages / elapsed, "chunks_per_s": total_chunks / elapsed}


def bench_embedding(services, files: int, pages: int) -> dict:
    """Embedding alone, on the same chunks two ways: each chunk embedded on its own
    (split into windows that fit the model), and the chunks sharing their windows."""
    rng = random.Random(2)
    ingestor: Ingestor = services.ingestion.ingestor
    docs = [split(parse("doc.pdf", make_pdf(rng, pages)).text, ingestor.tokenizer) for _ in range(files)]
    out = {"chunks": sum(len(d.texts) for d in docs)}
    for name, embed in (("per_chunk", lambda d: ingestor.embedder.embed(d.texts)),
                        ("shared", ingestor.embedder.embed_chunks)):
        started = time.perf_counter()
        for doc in docs:
            embed(doc)
        out[name] = time.perf_counter() - started
    return out


def clustered_vectors(nrng: np.random.Generator, n: int, dim: int, topics: int = 2000) -> np.ndarray:
    """Unit vectors shaped like text embeddings: each near one of ``topics`` random directions
    (cosine about 0.8 to it, about 0.6 to a neighbour on the same topic), not uniform noise, on
    which no nearest-neighbour index (nor search itself) has anything to find."""
    centers = np.random.default_rng(0).standard_normal((topics, dim)).astype(np.float32)
    centers /= np.linalg.norm(centers, axis=1, keepdims=True)
    noise = nrng.standard_normal((n, dim)).astype(np.float32) * (0.75 / np.sqrt(dim))
    vectors = centers[nrng.integers(0, topics, n)] + noise
    return (vectors / np.linalg.norm(vectors, axis=1, keepdims=True)).astype(np.float32)


PER_FILE = 100


def synthetic_chunks(n_chunks: int, dim: int):
    """``(file index, position, text, vector)`` of the synthetic store of ``n_chunks``, the same every time."""
    rng = random.Random(n_chunks)
    nrng = np.random.default_rng(n_chunks)
    for f in range(0, n_chunks, PER_FILE):
        vectors = clustered_vectors(nrng, PER_FILE, dim)
        for i in range(min(PER_FILE, n_chunks - f)):
            yield f, i, " ".join(sentence(rng, 12) for _ in range(8)), vectors[i]


def store_id_for(n_chunks: int) -> str:
    return f"vs_bench{n_chunks}"


def fill(data_dir: Path, n_chunks: int, dim: int) -> None:
    """A SQLite database in ``data_dir`` holding one store of ``n_chunks`` synthetic chunks
    (run under the source tree whose schema it gets: ``python bench/files_bench.py --fill DIR N``)."""
    from openbeta.server.store import Database
    from openbeta.server.store.tables import ChunkRow, FileRow, VectorStoreFileRow, VectorStoreRow

    db = Database(f"sqlite:///{data_dir / 'openbeta.db'}")
    db.migrate()
    sid = store_id_for(n_chunks)
    rows: list[dict] = []
    with db.session() as s:
        s.add(VectorStoreRow(id=sid, project_id=DEFAULT_PROJECT_ID, created_at=0, body={"id": sid, "name": "bench"}))
        s.flush()
        for f, i, text, vector in synthetic_chunks(n_chunks, dim):
            fid = f"file-synthetic{n_chunks}x{f}"
            if i == 0:
                s.add(FileRow(id=fid, project_id=DEFAULT_PROJECT_ID, purpose="assistants", created_at=0,
                              body={"id": fid, "filename": f"{fid}.txt"}))
                s.add(VectorStoreFileRow(id=fid, vector_store_id=sid, status="completed", usage_bytes=0, created_at=0,
                                         body={"id": fid, "status": "completed", "attributes": {"part": f}}))
                s.flush()
            rows.append({"vector_store_id": sid, "file_id": fid, "position": i, "text": text,
                         "embedding": vector.tobytes()})
            if len(rows) >= 5000:
                s.execute(ChunkRow.__table__.insert(), rows)
                rows = []
        if rows:
            s.execute(ChunkRow.__table__.insert(), rows)
    db.dispose()


def percentiles(latencies: list[float]) -> tuple[float, float]:
    latencies = sorted(latencies)
    return statistics.median(latencies), latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))]


def queries(n: int, dim: int) -> tuple[list[str], np.ndarray]:
    rng = random.Random(7)
    texts = [" ".join(rng.choices(WORDS, cum_weights=CUMULATIVE, k=5)) for _ in range(n)]
    return texts, clustered_vectors(np.random.default_rng(99), n, dim)


def index_lookups(index, texts: list[str], vectors: np.ndarray) -> dict:
    """The index lookups alone, 50 candidates as a search takes: tantivy, dense (HNSW when the
    store is large enough), exact cosine; and HNSW's recall@10 against exact."""
    timings: dict[str, list[float]] = {"tantivy": [], "dense": [], "exact": []}
    recall = []
    for text, vector in zip(texts, vectors):
        for name, run in (("tantivy", lambda: index.lexical(text, 50)), ("dense", lambda: index.dense(vector, 50)),
                          ("exact", lambda: index.dense(vector, 50, exact=True))):
            t = time.perf_counter()
            found = run()
            timings[name].append((time.perf_counter() - t) * 1000)
            if name == "dense":
                approx = {seq for seq, _ in found[:10]}
            elif name == "exact":
                recall.append(len(approx & {seq for seq, _ in found[:10]}) / 10)
    out = {name: percentiles(values) for name, values in timings.items()}
    out.update(recall=statistics.mean(recall), ann=index._ann is not None)
    return out


def search_once(client: httpx.Client, base: str, n_chunks: int, query: str) -> float:
    t = time.perf_counter()
    r = client.post(f"{base}/vector_stores/{store_id_for(n_chunks)}/search", json={"query": query})
    elapsed = (time.perf_counter() - t) * 1000
    assert r.status_code == 200 and r.json()["data"], r.text
    return elapsed


def serve(data_dir: Path, src: Path) -> tuple[str, subprocess.Popen]:
    return start_openbeta(data_dir, "http://127.0.0.1:9/v1", src=src, OPENBETA_PROVIDER="scripted",
                          OPENBETA_INGESTION_WORKERS="0", OPENBETA_EMBEDDINGS_THREADS="1")


def bench_search(root: Path, n_chunks: int, n_queries: int, dim: int, baseline: Path | None) -> dict:
    trees = {"after": SRC, **({"before": baseline} if baseline else {})}
    out: dict = {"chunks": n_chunks}
    texts, vectors = queries(n_queries, dim)
    dirs = {}
    for name, src in trees.items():
        dirs[name] = root / f"{name}-{n_chunks}"
        if not (dirs[name] / "openbeta.db").exists():
            dirs[name].mkdir(parents=True, exist_ok=True)
            t = time.perf_counter()
            subprocess.run([sys.executable, __file__, "--fill", str(dirs[name]), str(n_chunks), str(dim)], check=True,
                           env={**os.environ, "PYTHONPATH": str(src)})
            out[f"fill_s_{name}"] = time.perf_counter() - t
    servers = {}
    try:
        with httpx.Client(timeout=3600) as client:
            for name, src in trees.items():
                shutil.rmtree(dirs[name] / "indexes", ignore_errors=True)  # the first search builds them
                servers[name] = serve(dirs[name], src)
                out[f"first_s_{name}"] = search_once(client, servers[name][0], n_chunks, "warm up") / 1000
            # restarted: the first search loads the saved indexes (the background save may still run: wait)
            deadline = time.monotonic() + 1800
            while not list((dirs["after"] / "indexes" / store_id_for(n_chunks)).glob("v*")) \
                    and time.monotonic() < deadline:
                time.sleep(0.5)
            stop(servers["after"][1])
            servers["after"] = serve(dirs["after"], SRC)
            out["restart_s_after"] = search_once(client, servers["after"][0], n_chunks, "warm up") / 1000
            timings: dict[str, list[float]] = {name: [] for name in trees}
            for text in texts:  # the trees alternate, so load changes hit both alike
                for name in trees:
                    timings[name].append(search_once(client, servers[name][0], n_chunks, text))
            for name, values in timings.items():
                out[name] = percentiles(values)
    finally:
        for _, process in servers.values():
            stop(process)
    from openbeta.server.retrieval.store_index import StoreIndexes
    from openbeta.server.store import Database

    db = Database(f"sqlite:///{dirs['after'] / 'openbeta.db'}")
    indexes = StoreIndexes(directory=dirs["after"] / "indexes")
    with db.session() as s:
        index = indexes.get(s, store_id_for(n_chunks))
    out["loaded"] = indexes.stats["loaded"] == 1
    out.update(index_lookups(index, texts, vectors))
    db.dispose()
    return out


def bench_lookups_only(root: Path, n_chunks: int, n_queries: int, dim: int) -> dict:
    """Indexes built in this process from the synthetic chunks (no database), then the lookups alone."""
    from openbeta.server.retrieval.store_index import ANN_FROM_CHUNKS, StoreIndex

    t = time.perf_counter()
    index = StoreIndex(ANN_FROM_CHUNKS, Path(tempfile.mkdtemp(dir=root)))
    files: dict[int, str] = {}

    def added():
        for seq, (f, _, text, vector) in enumerate(synthetic_chunks(n_chunks, dim), start=1):
            files[seq] = f"file-{f}"
            yield seq, text, vector.tobytes()

    index.apply([], added(), files)
    out = {"chunks": n_chunks, "build_s": time.perf_counter() - t}
    texts, vectors = queries(n_queries, dim)
    out.update(index_lookups(index, texts, vectors))
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="1000,10000,100000,1000000")
    parser.add_argument("--db-max", type=int, default=100_000,
                        help="larger stores measure the index lookups alone (no database, no server)")
    parser.add_argument("--queries", type=int, default=100)
    parser.add_argument("--baseline", type=Path, help="another source tree's src/, searched side by side")
    parser.add_argument("--keep", type=Path, help="keep the filled data directories here (and reuse them)")
    parser.add_argument("--files", type=int, default=4)
    parser.add_argument("--runtimes", default="torch,onnx,onnx-int8")
    parser.add_argument("--pages", type=int, default=5)
    parser.add_argument("--compare", action="store_true",
                        help="also time embedding each chunk on its own against shared windows")
    parser.add_argument("--fill", nargs=3, metavar=("DIR", "CHUNKS", "DIM"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.fill:
        fill(Path(args.fill[0]), int(args.fill[1]), int(args.fill[2]))
        return
    with tempfile.TemporaryDirectory() as tmp:
        services = build_services(Settings(data_dir=Path(tmp), provider="scripted", ingestion_workers=0))
        base = None
        for runtime in args.runtimes.split(",") if args.runtimes else ():
            ing = bench_ingestion(services, args.files, args.pages, runtime)
            base = base or ing["seconds"]
            print(f"ingestion ({runtime}): {ing['files']} pdf files, {ing['pages']} pages, {ing['chunks']} chunks in "
                  f"{ing['seconds']:.1f}s -> {ing['pages_per_s']:.2f} pages/s, {ing['chunks_per_s']:.2f} chunks/s, "
                  f"{base / ing['seconds']:.2f}x", flush=True)
        services.ingestion.ingestor.embedder = build_embedder(services.settings, services.ingestion.ingestor.tokenizer)
        if args.compare:
            emb = bench_embedding(services, args.files, args.pages)
            print(f"embedding {emb['chunks']} chunks: each on its own {emb['per_chunk']:.1f}s, shared windows "
                  f"{emb['shared']:.1f}s -> {emb['per_chunk'] / emb['shared']:.2f}x")
        dim = services.ingestion.ingestor.embedder.embed(["x"]).shape[1]
        services.db.dispose()
    root = args.keep or Path(tempfile.mkdtemp(prefix="files-bench-"))
    root.mkdir(parents=True, exist_ok=True)
    results = []
    try:
        for size in (int(x) for x in args.sizes.split(",")) if args.sizes else ():
            if size <= args.db_max:
                res = bench_search(root, size, args.queries, dim, args.baseline)
                before = (f"; before p50 {res['before'][0]:.1f} ms, p99 {res['before'][1]:.1f} ms, after/before "
                          f"{res['after'][0] / res['before'][0]:.2f}, first search before {res['first_s_before']:.1f}s"
                          if "before" in res else "")
                print(f"search {size:>7} chunks through the server: p50 {res['after'][0]:.1f} ms, p99 "
                      f"{res['after'][1]:.1f} ms; first search {res['first_s_after']:.1f}s (indexes built), after a "
                      f"restart {res['restart_s_after']:.2f}s (indexes loaded){before}", flush=True)
            else:
                res = bench_lookups_only(root, size, args.queries, dim)
                print(f"search {size:>7} chunks, index lookups alone (built in {res['build_s']:.0f}s in process):",
                      flush=True)
            print(f"    lookups p50/p99 ms: tantivy {res['tantivy'][0]:.2f}/{res['tantivy'][1]:.2f}, "
                  f"{'HNSW' if res['ann'] else 'exact'} {res['dense'][0]:.2f}/{res['dense'][1]:.2f}, exact cosine "
                  f"{res['exact'][0]:.2f}/{res['exact'][1]:.2f}; recall@10 {res['recall']:.3f}", flush=True)
            results.append(res)
    finally:
        if args.keep is None:
            shutil.rmtree(root, ignore_errors=True)
    for res in results:
        if res["chunks"] == 100_000 and "after" in res:
            print(f"search p50 at 100000 chunks: {res['after'][0]:.1f} ms")


if __name__ == "__main__":
    main()
