"""Hybrid search: lexical and dense rankings fused by reciprocal rank fusion (RRF).

Each query contributes up to two ranked lists (lexical, dense). A chunk's
fused score is ``sum(1 / (K + rank))`` over the lists it appears in, divided
by the best score possible (rank 1 in every list), so it lies in [0, 1]: 1.0
means first in every list.
"""

from __future__ import annotations

import logging
from typing import Optional

from sqlalchemy.orm import Session

from .embed import Embedder
from .store_index import StoreIndexes

log = logging.getLogger("openbeta.retrieval")

RRF_K = 60
CANDIDATES = 50


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

    def search(self, session: Session, store_ids: list[str], queries: list[str], limit: int,
               allowed: Optional[set[tuple[str, str]]] = None) -> list[tuple[int, float]]:
        """``(chunk seq, score in [0, 1])``, best first, at most ``limit``.

        ``allowed``: when given, only chunks of these ``(vector store id, file id)`` pairs.
        """
        candidates = max(CANDIDATES, limit * 5)
        rankings: list[list[int]] = []
        vectors = None
        if self.embedder is not None:
            try:
                vectors = self.embedder.embed(queries)
            except Exception:  # a remote embedder may be down: lexical results still answer
                log.exception("query embedding failed; searching lexically only")
        stores = [(store_id, self.indexes.get(session, store_id),
                   None if allowed is None else {f for s, f in allowed if s == store_id}) for store_id in store_ids]
        for i, query in enumerate(queries):
            if len(stores) == 1:
                _, index, files = stores[0]
                rankings.append(index.lexical(query, candidates, files))
            else:  # BM25 scores of separate indexes are not comparable: interleave their rankings
                lists = [index.lexical(query, candidates, files) for _, index, files in stores]
                rankings.append([seq for group in _interleave(lists) for seq in group][:candidates])
            if vectors is not None:
                dense: list[tuple[int, float]] = []
                for _, index, files in stores:
                    dense.extend(index.dense(vectors[i], candidates, files))
                dense.sort(key=lambda item: -item[1])
                rankings.append([seq for seq, _ in dense][:candidates])
        n_lists = len(queries) * (2 if vectors is not None else 1)
        fused = fuse(rankings, n_lists)
        return sorted(fused.items(), key=lambda item: (-item[1], item[0]))[:limit]


def _interleave(lists: list[list[int]]) -> list[list[int]]:
    """Rank by rank: the first of every list, then the second of every list, ..."""
    return [[ranking[r] for ranking in lists if r < len(ranking)] for r in range(max(map(len, lists), default=0))]
