"""Search inside the database, as it was before the per-store indexes of :mod:`.store_index`.

Lexical: SQLite FTS5 (``bm25``) or PostgreSQL full text (``ts_rank_cd``), kept
in step with ``chunks`` by the database itself. Dense: brute-force cosine over
a numpy matrix per vector store.

The search path no longer uses these; ``bench/files_bench.py`` measures the
new indexes against them side by side.
"""

from __future__ import annotations

import logging
import re
import threading
from dataclasses import dataclass
from typing import Optional

import numpy as np
from sqlalchemy import select, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from ..store.tables import ChunkRow

log = logging.getLogger("openbeta.retrieval")
_TERMS = re.compile(r"\S+")
MAX_TERMS = 64
PRUNE_FROM_CHUNKS = 1000


_WORDS = re.compile(r"[^\W_]+")


def query_terms(query: str) -> list[str]:
    """Whitespace-separated terms that hold a word, without double quotes."""
    terms = []
    for term in _TERMS.findall(query)[:MAX_TERMS]:
        term = term.replace('"', " ").strip()
        if _WORDS.search(term) and term not in terms:
            terms.append(term)
    return terms


def fts5_query(terms: list[str]) -> Optional[str]:
    """Each term as a quoted phrase; any of them may match."""
    return " OR ".join(f'"{term}"' for term in terms) or None


def drop_common_terms(session: Session, terms: list[str]) -> list[str]:
    """Terms without the ones found in more than half of all chunks.

    BM25 gives such terms no weight (FTS5 clamps their IDF to ~0), so the
    ranking is the same; but matching them would score nearly every chunk.
    Small indexes keep every term: there a match is worth more than its score.
    """
    total = session.scalar(text("SELECT count(*) FROM chunks")) or 0
    if total < PRUNE_FROM_CHUNKS:
        return terms
    words = {w.lower() for term in terms for w in _WORDS.findall(term)}
    if not words:
        return terms
    marks = ", ".join(f":w{i}" for i in range(len(words)))
    params = {f"w{i}": w for i, w in enumerate(words)}
    docs = dict(session.execute(text(f"SELECT term, doc FROM chunks_fts_vocab WHERE term IN ({marks})"),
                                params).all())
    return [term for term in terms
            if min(docs.get(w.lower(), 0) for w in _WORDS.findall(term)) * 2 <= total]


def lexical_search(session: Session, store_ids: list[str], query: str,
                   limit: int) -> list[tuple[int, str, str, float]]:
    """``(chunk seq, vector store id, file id, relevance)`` of the best lexical matches, best first."""
    if not store_ids:
        return []
    if session.get_bind().dialect.name == "postgresql":
        rows = session.execute(text(
            "SELECT seq, vector_store_id, file_id, ts_rank_cd(tsv, q) AS rank FROM chunks, "
            "CAST(replace(CAST(plainto_tsquery('english', :query) AS text), '&', '|') AS tsquery) AS q "
            "WHERE vector_store_id = ANY(:stores) AND tsv @@ q ORDER BY rank DESC LIMIT :limit"),
            {"query": query, "stores": store_ids, "limit": limit})
        return [(int(seq), store_id, file_id, float(rank)) for seq, store_id, file_id, rank in rows]
    match = fts5_query(drop_common_terms(session, query_terms(query)))
    if match is None:
        return []
    marks = ", ".join(f":s{i}" for i in range(len(store_ids)))
    params = {f"s{i}": sid for i, sid in enumerate(store_ids)}
    try:
        rows = session.execute(text(
            f"SELECT rowid, vector_store_id, file_id, bm25(chunks_fts) AS rank FROM chunks_fts WHERE chunks_fts MATCH :match "
            f"AND vector_store_id IN ({marks}) ORDER BY rank LIMIT :limit"),
            {"match": match, "limit": limit, **params}).all()
    except OperationalError:  # a query FTS5 cannot read: no lexical matches
        log.warning("FTS5 could not parse %r", match)
        return []
    return [(int(seq), store_id, file_id, -float(rank)) for seq, store_id, file_id, rank in rows]


@dataclass
class StoreMatrix:
    seqs: np.ndarray
    file_ids: np.ndarray
    vectors: np.ndarray


class DenseIndex:
    """Per-vector-store embedding matrices, cached in memory."""

    def __init__(self) -> None:
        self._cache: dict[str, StoreMatrix] = {}
        self._lock = threading.Lock()

    def invalidate(self, store_id: str) -> None:
        with self._lock:
            self._cache.pop(store_id, None)

    def _matrix(self, session: Session, store_id: str, dim: int) -> StoreMatrix:
        with self._lock:
            cached = self._cache.get(store_id)
        if cached is not None and cached.vectors.shape[1] == dim:
            return cached
        rows = session.execute(select(ChunkRow.seq, ChunkRow.file_id, ChunkRow.embedding).where(
            ChunkRow.vector_store_id == store_id, ChunkRow.embedding.is_not(None)).order_by(ChunkRow.seq))
        seqs, files, blobs = [], [], []
        for seq, file_id, blob in rows:
            if len(blob) == dim * 4:
                seqs.append(seq)
                files.append(file_id)
                blobs.append(blob)
        vectors = (np.frombuffer(b"".join(blobs), dtype=np.float32).reshape(len(blobs), dim)
                   if blobs else np.zeros((0, dim), dtype=np.float32))
        matrix = StoreMatrix(np.asarray(seqs, dtype=np.int64), np.asarray(files, dtype=object), vectors)
        with self._lock:
            self._cache[store_id] = matrix
        return matrix

    def search(self, session: Session, store_id: str, query: np.ndarray, limit: int,
               allowed_files: Optional[set[str]] = None) -> list[tuple[int, float]]:
        """``(chunk seq, cosine)`` of the nearest chunks, best first."""
        matrix = self._matrix(session, store_id, query.shape[0])
        if not len(matrix.seqs):
            return []
        scores = matrix.vectors @ query
        if allowed_files is not None:
            mask = np.fromiter((f in allowed_files for f in matrix.file_ids), dtype=bool, count=len(matrix.file_ids))
            scores = np.where(mask, scores, -np.inf)
        k = min(limit, len(scores))
        top = np.argpartition(-scores, k - 1)[:k]
        top = top[np.argsort(-scores[top])]
        return [(int(matrix.seqs[i]), float(scores[i])) for i in top if np.isfinite(scores[i])]
