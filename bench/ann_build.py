"""HNSW build breadth against recall at scale: usearch graphs over the synthetic clustered vectors of
``files_bench.py`` (500 chunks a topic), built with each ``expansion_add`` given, searched as a store
search does (50 candidates) at several search breadths, recall@10 against exact cosine.

    python bench/ann_build.py --chunks 1000000 --expansion-add 48 128
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np
from usearch.index import Index

from files_bench import clustered_vectors

DIM = 384


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chunks", type=int, default=1_000_000)
    parser.add_argument("--expansion-add", type=int, nargs="+", default=[48, 128])
    parser.add_argument("--queries", type=int, default=200)
    args = parser.parse_args()
    topics = max(1, args.chunks // 500)
    vectors = clustered_vectors(np.random.default_rng(args.chunks), args.chunks, DIM, topics=topics)
    queries = clustered_vectors(np.random.default_rng(99), args.queries, DIM, topics=topics)
    exact = np.argsort(-(queries @ vectors.T), axis=1)[:, :10]
    for breadth in args.expansion_add:
        started = time.perf_counter()
        index = Index(ndim=DIM, metric="cos", dtype="f16", expansion_add=breadth)
        index.add(np.arange(args.chunks), vectors)
        built = time.perf_counter() - started
        for search in (128, 512):
            index.expansion_search = search
            recalls, times = [], []
            for query, truth in zip(queries, exact):
                t = time.perf_counter()
                keys = np.asarray(index.search(query, 50).keys)[:10]
                times.append((time.perf_counter() - t) * 1000)
                recalls.append(len(set(keys.tolist()) & set(truth.tolist())) / 10)
            print(f"{args.chunks} chunks, {topics} topics: expansion_add {breadth} built in {built:.0f} s; "
                  f"expansion_search {search}: recall@10 {statistics.mean(recalls):.3f}, "
                  f"p50 {statistics.median(times):.2f} ms", flush=True)


if __name__ == "__main__":
    main()
