"""Hybrid search: lexical and dense rankings fused by reciprocal rank fusion (RRF).

Each query contributes up to two ranked lists (lexical, dense). A chunk's
fused score is ``sum(1 / (K + rank))`` over the lists it appears in, divided
by the best score possible (rank 1 in every list), so it lies in [0, 1]: 1.0
means first in every list.
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Optional

import numpy as np
from sqlalchemy.orm import Session

from .embed import Embedder
from .store_index import StoreIndexes

log = logging.getLogger("openbeta.retrieval")

RRF_K = 60
CANDIDATES = 50
#: Query vectors kept per process (a query asked again skips the model).
QUERY_CACHE = 512


def fuse(rankings: list[list[int]], n_lists: int) -> dict[int, float]:
    """RRF over ``rankings`` (chunk seqs, best first), normalized by ``n_lists`` perfect ranks."""
    scores: dict[int, float] = {}
    for ranking in rankings:
        for rank, seq in enumerate(ranking, start=1):
            scores[seq] = scores.get(seq, 0.0) + 1.0 / (RRF_K + rank)
    best = n_lists / (RRF_K + 1)
    return {seq: min(1.0, score / best) for seq, score in scores.items()} if n_lists else {}


class HybridSearcher:
    def __init__(self, embedder: Optional[Embedder], indexes: StoreIndexes) -> None:
        self.embedder = embedder
        self.indexes = indexes
        self._cache: OrderedDict[tuple[str, ...], np.ndarray] = OrderedDict()
        self._cache_lock = threading.Lock()
        self._pool: Optional[ThreadPoolExecutor] = None

    def embed_soon(self, queries: list[str]) -> "Future[Optional[np.ndarray]]":
        """The queries' vectors, computed on a worker thread while the caller reads the database
        and the lexical index (the model releases the interpreter lock); ``None`` without an
        embedder or when it fails (a remote embedder may be down: lexical results still answer)."""
        key = tuple(queries)
        with self._cache_lock:
            cached = self._cache.get(key)
            if cached is not None:
                self._cache.move_to_end(key)
        if cached is not None or self.embedder is None:
            done: Future[Optional[np.ndarray]] = Future()
            done.set_result(cached)
            return done
        if self._pool is None:
            with self._cache_lock:
                if self._pool is None:
                    self._pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="query-embed")
        return self._pool.submit(self._embed, key)

    def _embed(self, key: tuple[str, ...]) -> Optional[np.ndarray]:
        try:
            vectors = self.embedder.embed(list(key))
        except Exception:
            log.exception("query embedding failed; searching lexically only")
            return None
        with self._cache_lock:
            self._cache[key] = vectors
            while len(self._cache) > QUERY_CACHE:
                self._cache.popitem(last=False)
        return vectors

    def search(self, session: Session, store_ids: list[str], queries: list[str], limit: int,
               allowed: Optional[set[tuple[str, str]]] = None,
               vectors: "Optional[Future[Optional[np.ndarray]]]" = None,
               blocked: Optional[set[tuple[str, str]]] = None) -> list[tuple[int, float]]:
        """``(chunk seq, score in [0, 1])``, best first, at most ``limit``.

        ``allowed``: when given, only chunks of these ``(vector store id, file id)`` pairs; never chunks
        of the ``blocked`` ones. ``vectors``: the queries' vectors from :meth:`embed_soon`, if the caller
        started them.
        """
        candidates = max(CANDIDATES, limit * 5)
        rankings: list[list[int]] = []
        pending = vectors if vectors is not None else self.embed_soon(queries)
        stores = [(self.indexes.get(session, store_id),
                   None if allowed is None else {f for s, f in allowed if s == store_id},
                   {f for s, f in blocked or () if s == store_id}) for store_id in store_ids]
        lexical: list[list[int]] = []
        for query in queries:
            if len(stores) == 1:
                index, files, left_out = stores[0]
                lexical.append(index.lexical(query, candidates, files, left_out))
            else:  # BM25 scores of separate indexes are not comparable: interleave their rankings
                lists = [index.lexical(query, candidates, files, left_out) for index, files, left_out in stores]
                lexical.append([seq for group in _interleave(lists) for seq in group][:candidates])
        vectors = pending.result()
        for i in range(len(queries)):
            rankings.append(lexical[i])
            if vectors is not None:
                dense: list[tuple[int, float]] = []
                for index, files, left_out in stores:
                    dense.extend(index.dense(vectors[i], candidates, files, blocked_files=left_out))
                dense.sort(key=lambda item: -item[1])
                rankings.append([seq for seq, _ in dense][:candidates])
        n_lists = len(queries) * (2 if vectors is not None else 1)
        fused = fuse(rankings, n_lists)
        return sorted(fused.items(), key=lambda item: (-item[1], item[0]))[:limit]


def _interleave(lists: list[list[int]]) -> list[list[int]]:
    """Rank by rank: the first of every list, then the second of every list, ..."""
    return [[ranking[r] for ranking in lists if r < len(ranking)] for r in range(max(map(len, lists), default=0))]
