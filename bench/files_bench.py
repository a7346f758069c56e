"""File search benchmark: ingestion throughput and search latency.

    python bench/files_bench.py [--sizes 1000,10000,100000] [--queries 100]

Ingestion runs the real pipeline (pypdf -> model tokenizer -> all-MiniLM-L6-v2
on the CPU -> SQLite), once per model runtime (torch, ONNX float32, ONNX int8) on the same files. Search stores are filled with synthetic chunks (words drawn
Zipf-like from a 20k-word vocabulary, random unit vectors) written straight through the store layer, so the
100k case does not spend an hour embedding; each query still goes through
``VectorStoreService.search``: query embedding, the store's tantivy and usearch indexes, fusion.
Beside it, in the same run, the two sides alone before and after: FTS5 against tantivy,
brute-force cosine against usearch HNSW, and the HNSW's recall@10 against exact search.
"""

from __future__ import annotations

import argparse
import io
import itertools
import random
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np
from fpdf import FPDF

from openbeta.server.services.container import build_services
from openbeta.server.settings import Settings
from openbeta.server.store.tables import ChunkRow, FileRow, VectorStoreFileRow
from openbeta.server.retrieval.chunk import split
from openbeta.server.retrieval.embed import build_embedder
from openbeta.server.retrieval.index import DenseIndex, lexical_search
from openbeta.server.retrieval.ingest import Ingestor
from openbeta.server.retrieval.parse import parse
from openbeta.server.services.vector_stores import add_file
from openbeta.types.file import FileUploadParams
from openbeta.types.vector_store import VectorStoreCreateParams

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
    store = services.vector_stores.create(VectorStoreCreateParams())
    ids = []
    for i in range(files):
        body = services.files.create(io.BytesIO(make_pdf(rng, pages)), f"doc{i}.pdf",
                                     FileUploadParams(purpose="assistants"))
        ids.append(body["id"])
    with services.db.session() as s:
        for fid in ids:
            add_file(s, store["id"], fid)
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


def fill_store(services, n_chunks: int, dim: int) -> str:
    rng = random.Random(n_chunks)
    nrng = np.random.default_rng(n_chunks)
    store = services.vector_stores.create(VectorStoreCreateParams())
    per_file = 100
    with services.db.session() as s:
        for f in range(0, n_chunks, per_file):
            fid = f"file-synthetic{n_chunks}x{f}"
            s.add(FileRow(id=fid, purpose="assistants", created_at=0, body={"id": fid, "filename": f"{fid}.txt"}))
            s.add(VectorStoreFileRow(id=fid, vector_store_id=store["id"], status="completed", usage_bytes=0,
                                     created_at=0, body={"id": fid, "status": "completed", "attributes": {}}))
            s.flush()
            vectors = clustered_vectors(nrng, per_file, dim)
            for i in range(min(per_file, n_chunks - f)):
                s.add(ChunkRow(vector_store_id=store["id"], file_id=fid, position=i,
                               text=" ".join(sentence(rng, 12) for _ in range(8)), embedding=vectors[i].tobytes()))
            s.flush()
    return store["id"]


def percentiles(latencies: list[float]) -> tuple[float, float]:
    latencies = sorted(latencies)
    return statistics.median(latencies), latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))]


def bench_search(services, n_chunks: int, queries: int) -> dict:
    dim = services.ingestion.ingestor.embedder.embed(["x"]).shape[1]
    started = time.perf_counter()
    store_id = fill_store(services, n_chunks, dim)
    fill_s = time.perf_counter() - started
    rng = random.Random(7)
    started = time.perf_counter()
    services.vector_stores.search([store_id], "warm up the indexes")  # builds them from the database
    index_s = time.perf_counter() - started
    texts = [" ".join(rng.choices(WORDS, cum_weights=CUMULATIVE, k=5)) for _ in range(queries)]
    vectors = clustered_vectors(np.random.default_rng(99), queries, dim)
    timings: dict[str, list[float]] = {k: [] for k in ("service", "fts5", "tantivy", "brute", "hnsw")}
    old_dense = DenseIndex()
    recall = []
    with services.db.session() as s:
        index = services.vector_stores.dense.get(s, store_id)
        old_dense.search(s, store_id, vectors[0], 50)  # load its matrix
        for query, vector in zip(texts, vectors):
            t = time.perf_counter()
            hits = services.vector_stores.search([store_id], query, max_num_results=10)
            timings["service"].append((time.perf_counter() - t) * 1000)
            assert hits
            for name, run in (("fts5", lambda: lexical_search(s, [store_id], query, 50)),
                              ("tantivy", lambda: index.lexical(query, 50)),
                              ("brute", lambda: old_dense.search(s, store_id, vector, 50)),
                              ("hnsw", lambda: index.dense(vector, 50))):
                t = time.perf_counter()
                found = run()
                timings[name].append((time.perf_counter() - t) * 1000)
                if name == "brute":
                    exact = {seq for seq, _ in found[:10]}
                if name == "hnsw":
                    recall.append(len(exact & {seq for seq, _ in found[:10]}) / 10)
    out = {"chunks": n_chunks, "fill_s": fill_s, "index_s": index_s, "ann": index._ann is not None,
           "recall": statistics.mean(recall)}
    for name, values in timings.items():
        out[name] = percentiles(values)
    out["p50_ms"], out["p99_ms"] = out["service"]
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--queries", type=int, default=100)
    parser.add_argument("--files", type=int, default=4)
    parser.add_argument("--runtimes", default="torch,onnx,onnx-int8")
    parser.add_argument("--pages", type=int, default=5)
    parser.add_argument("--compare", action="store_true",
                        help="also time embedding each chunk on its own against shared windows")
    args = parser.parse_args()
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
        results = []
        for size in (int(x) for x in args.sizes.split(",")) if args.sizes else ():
            res = bench_search(services, size, args.queries)
            results.append(res)
            parts = ", ".join(f"{name} {res[name][0]:.1f}/{res[name][1]:.1f}" for name in
                              ("fts5", "tantivy", "brute", "hnsw"))
            print(f"search {res['chunks']:>7} chunks: p50 {res['p50_ms']:.1f} ms, p99 {res['p99_ms']:.1f} ms; "
                  f"p50/p99 ms alone: {parts}; dense {'HNSW' if res['ann'] else 'exact'}, HNSW recall@10 "
                  f"{res['recall']:.3f} (store filled in {res['fill_s']:.1f}s, indexes built in {res['index_s']:.1f}s)",
                  flush=True)
        services.db.dispose()
        for res in results:
            if res["chunks"] == 100_000:
                print(f"search p50 at 100000 chunks: {res['p50_ms']:.1f} ms")


if __name__ == "__main__":
    main()
