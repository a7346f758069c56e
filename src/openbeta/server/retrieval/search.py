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
from .index import DenseIndex, lexical_search

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
    def __init__(self, embedder: Optional[Embedder], dense: DenseIndex) -> None:
        self.embedder = embedder
        self.dense = dense

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
        for i, query in enumerate(queries):
            lexical = [seq for seq, store_id, file_id, _ in lexical_search(session, store_ids, query, candidates * 4)
                       if allowed is None or (store_id, file_id) in allowed]
            rankings.append(lexical[:candidates])
            if vectors is not None:
                dense: list[tuple[int, float]] = []
                for store_id in store_ids:
                    files = None if allowed is None else {f for s, f in allowed if s == store_id}
                    dense.extend(self.dense.search(session, store_id, vectors[i], candidates, files))
                dense.sort(key=lambda item: -item[1])
                rankings.append([seq for seq, _ in dense][:candidates])
        n_lists = len(queries) * (2 if vectors is not None else 1)
        fused = fuse(rankings, n_lists)
        return sorted(fused.items(), key=lambda item: (-item[1], item[0]))[:limit]
