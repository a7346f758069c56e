"""Retrieval quality on a labeled set: recall@10 and nDCG@10 for lexical, dense, hybrid, exact and HNSW.

    python bench/retrieval_quality.py [--passages 600] [--runtimes onnx,onnx-int8]

The set is generated deterministically (seeded): short passages each stating one fact about a
made-up person (where they live, their trade, what they grow, their pet, their birth year), with
many passages sharing towns, trades and crops, so a word match alone is ambiguous. Each question
asks for one fact in other words than its passage ("Which town is home to ..."), and its one
relevant passage is known. Passages go through the real pipeline (chunking, the default local
embedder, the store's indexes); the HNSW side is forced on (``ann_from=1``) to compare it with
exact search on the same vectors.
"""

from __future__ import annotations

import argparse
import math
import random
import tempfile
from pathlib import Path

import numpy as np

from openbeta.server.retrieval.embedders import build_embedder
from openbeta.server.retrieval.search import HybridSearcher
from openbeta.server.retrieval.store_index import StoreIndexes
from openbeta.server.settings import Settings
from openbeta.server.store import Database
from openbeta.server.store.tables import ChunkRow, FileRow, VectorStoreRow

FIRST = ["Ada", "Bruno", "Clara", "Dmitri", "Elena", "Farid", "Greta", "Hugo", "Ines", "Jonas", "Kira", "Lorenz",
         "Mara", "Niko", "Olga", "Pavel", "Quinn", "Rosa", "Sven", "Tilda", "Ugo", "Vera", "Wim", "Xenia", "Yuri",
         "Zofia"]
LAST = ["Abbot", "Birch", "Crane", "Dunmore", "Ellery", "Fenwick", "Garrow", "Hale", "Ingram", "Jessop", "Keel",
        "Lark", "Merrow", "Nash", "Orme", "Pike", "Quarry", "Rook", "Sallow", "Thorn"]
TOWNS = ["Aldbury", "Brinmoor", "Castlewick", "Dunhallow", "Eastmere", "Fallowdene", "Greywater", "Hollins",
         "Ironbridge", "Kestrel Bay", "Larkspur", "Millford"]
TRADES = [("baker", "bakes bread"), ("blacksmith", "forges iron"), ("weaver", "weaves cloth"),
          ("carpenter", "builds furniture"), ("potter", "shapes clay pots"), ("fisher", "catches fish"),
          ("miller", "grinds grain"), ("cooper", "makes barrels")]
CROPS = ["turnips", "barley", "apples", "pumpkins", "onions", "beans", "cabbages", "pears"]
PETS = [("dog", "hound"), ("cat", "tabby"), ("goat", "kid"), ("parrot", "bird"), ("horse", "mare")]


def labeled_set(n: int, seed: int = 5) -> tuple[list[str], list[tuple[str, int]]]:
    rng = random.Random(seed)
    people = rng.sample([f"{a} {b}" for a in FIRST for b in LAST], n // 2)
    passages: list[str] = []
    questions: list[tuple[str, int]] = []
    for person in people:
        town, (trade, does), crop, (pet, pet2) = (rng.choice(TOWNS), rng.choice(TRADES), rng.choice(CROPS),
                                                  rng.choice(PETS))
        passages.append(f"{person} lives in {town}, where {person.split()[0]} works as a {trade} and {does} "
                        f"for the whole valley.")
        questions.append((f"Which town is home to {person}, and what is their job?", len(passages) - 1))
        passages.append(f"In the garden behind the house, {person} grows {crop} and keeps a {pet} "
                        f"born in {rng.randint(1990, 2020)}.")
        questions.append((f"What vegetables or fruit does {person} cultivate, and which {pet2} lives with them?",
                          len(passages) - 1))
    return passages, questions


def metrics(ranked: list[list[int]], relevant: list[int]) -> tuple[float, float]:
    recall = sum(rel in r[:10] for r, rel in zip(ranked, relevant)) / len(relevant)
    ndcg = sum(1 / math.log2(r.index(rel) + 2) if rel in r[:10] else 0.0 for r, rel in zip(ranked, relevant))
    return recall, ndcg / len(relevant)


def evaluate(runtime: str, passages: list[str], questions: list[tuple[str, int]], tmp: Path) -> list[tuple]:
    settings = Settings(data_dir=tmp, embeddings_runtime=runtime)
    from openbeta.server.retrieval.embedders import build_tokenizer

    embedder = build_embedder(settings, build_tokenizer(settings))
    db = Database(f"sqlite:///{tmp / f'{runtime}.db'}")
    db.migrate()
    vectors = embedder.embed(passages)
    with db.session() as s:
        s.add(VectorStoreRow(id="vs_q", created_at=0, body={}))
        s.add(FileRow(id="file-q", purpose="assistants", created_at=0, body={"filename": "q.txt"}))
        s.flush()
        for i, (text, vector) in enumerate(zip(passages, vectors)):
            s.add(ChunkRow(vector_store_id="vs_q", file_id="file-q", position=i, text=text,
                           embedding=vector.astype(np.float32).tobytes()))
    with db.session() as s:
        position = {seq: pos for seq, pos in s.query(ChunkRow.seq, ChunkRow.position)}
    texts = [q for q, _ in questions]
    relevant = [rel for _, rel in questions]
    qvectors = embedder.embed(texts)
    rows = []
    exact, approx = StoreIndexes(ann_from=10**9), StoreIndexes(ann_from=1)
    with db.session() as s:
        ex, ap = exact.get(s, "vs_q"), approx.get(s, "vs_q")
        lexical = [[position[q] for q in ex.lexical(t, 10)] for t in texts]
        dense_exact = [[position[q] for q, _ in ex.dense(v, 10)] for v in qvectors]
        dense_hnsw = [[position[q] for q, _ in ap.dense(v, 10)] for v in qvectors]
        hybrid = []
        searcher = HybridSearcher(embedder, exact)
        for t in texts:
            hybrid.append([position[q] for q, _ in searcher.search(s, ["vs_q"], [t], 10)])
    for name, ranked in (("lexical (tantivy BM25)", lexical), ("dense exact", dense_exact),
                         ("dense HNSW", dense_hnsw), ("hybrid (RRF, exact dense)", hybrid)):
        rows.append((runtime, name, *metrics(ranked, relevant)))
    hnsw_vs_exact = np.mean([len(set(a) & set(b)) / 10 for a, b in zip(dense_exact, dense_hnsw)])
    rows.append((runtime, "HNSW top-10 overlap with exact", hnsw_vs_exact, float("nan")))
    db.dispose()
    return rows


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--passages", type=int, default=600)
    parser.add_argument("--runtimes", default="onnx,onnx-int8")
    args = parser.parse_args()
    passages, questions = labeled_set(args.passages)
    print(f"{len(passages)} passages, {len(questions)} questions")
    print("| embedder runtime | ranking | recall@10 | nDCG@10 |\n| --- | --- | ---: | ---: |")
    with tempfile.TemporaryDirectory() as tmp:
        for runtime in args.runtimes.split(","):
            for row in evaluate(runtime, passages, questions, Path(tmp)):
                print(f"| {row[0]} | {row[1]} | {row[2]:.3f} | {row[3]:.3f} |", flush=True)


if __name__ == "__main__":
    main()
