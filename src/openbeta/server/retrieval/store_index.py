"""Per-vector-store search indexes held in memory, derived from the ``chunks`` table.

Each store gets a lexical index (tantivy: BM25 with English stemming and
block-max WAND top-k pruning, so common words do not make it score every
chunk) and a dense index: exact cosine over a numpy matrix for small stores,
an HNSW graph (usearch) from ``ANN_FROM_CHUNKS`` chunks on.

The database stays the only truth. A trigger bumps ``chunk_versions`` for a
store on every change to its chunks, in the same transaction; before each
search the store's version is read (one primary-key lookup) and, if it moved,
the index catches up by diffing the chunk seqs it holds against the table's:
new chunks are added, gone ones removed. A missing index (a new process, a
crash, another replica's writes) is the same case from nothing, so several
replicas on one PostgreSQL each follow the database, and a crash leaves
nothing to repair.
"""

from __future__ import annotations

import logging
import re
import threading
from collections import OrderedDict
from typing import Any, Optional

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from ..store.tables import ChunkRow, ChunkVersionRow

log = logging.getLogger("openbeta.retrieval")

#: Stores with at least this many embedded chunks search an HNSW graph instead of every vector.
ANN_FROM_CHUNKS = 20_000
#: HNSW search breadth: recall@10 against exact search is measured in bench/files_bench.py.
ANN_EXPANSION = 128
#: HNSW build breadth: 48 instead of usearch's 128 builds 2.5x faster for recall@10 0.98 against 0.99.
ANN_EXPANSION_ADD = 48
MAX_TERMS = 64
_WORDS = re.compile(r"[^\W_]+")
_LOAD_BATCH = 5000
#: Store indexes kept per process (least recently searched dropped first; rebuilt when searched again).
MAX_STORES = 128


def lexical_query(query: str) -> str:
    """The query's words, lowercased (so no word reads as a query operator), any of which may match."""
    return " ".join(_WORDS.findall(query.lower())[:MAX_TERMS])


class StoreIndex:
    """One vector store's lexical and dense indexes, and the chunk version they reflect."""

    def __init__(self, ann_from: int) -> None:
        import tantivy

        builder = tantivy.SchemaBuilder()
        builder.add_integer_field("seq", stored=True, indexed=True)
        builder.add_text_field("text", stored=False, tokenizer_name="en_stem")
        self._lexical = tantivy.Index(builder.build())  # in memory
        self._writer = self._lexical.writer(32_000_000, 1)
        self.version: Optional[int] = None
        self.ann_from = ann_from
        self.seqs = np.zeros(0, dtype=np.int64)  # embedded chunks, in the rows of ``vectors``
        self.vectors: Optional[np.ndarray] = None
        self.files: dict[int, str] = {}  # every indexed chunk (embedded or not) -> file id
        self._ann: Any = None
        self.lock = threading.Lock()

    # -- keeping up with the database ------------------------------------------------------------

    def sync(self, session: Session, store_id: str, version: int) -> None:
        """Catch up with the store's chunks as the database has them now."""
        rows = session.execute(select(ChunkRow.seq, ChunkRow.file_id)
                               .where(ChunkRow.vector_store_id == store_id)).all()
        current = {int(seq): file_id for seq, file_id in rows}
        gone = [seq for seq in self.files if seq not in current]
        new = sorted(seq for seq in current if seq not in self.files)
        for seq in gone:
            self._writer.delete_documents_by_term("seq", seq)
        added_seqs: list[int] = []
        added_vectors: list[bytes] = []
        import tantivy

        for start in range(0, len(new), _LOAD_BATCH):
            batch = new[start:start + _LOAD_BATCH]
            for seq, text, blob in session.execute(select(ChunkRow.seq, ChunkRow.text, ChunkRow.embedding)
                                                   .where(ChunkRow.seq.in_(batch))):
                self._writer.add_document(tantivy.Document(seq=int(seq), text=text))
                if blob and (self.vectors is None or len(blob) == self.vectors.shape[1] * 4) \
                        and (not added_vectors or len(blob) == len(added_vectors[0])):
                    added_seqs.append(int(seq))
                    added_vectors.append(blob)
        if gone or new:
            self._writer.commit()
            self._lexical.reload()
        self._update_dense(set(gone), added_seqs, added_vectors)
        self.files = current
        self.version = version

    def _update_dense(self, gone: set[int], seqs: list[int], blobs: list[bytes]) -> None:
        keep = np.fromiter((s not in gone for s in self.seqs), dtype=bool, count=len(self.seqs))
        if seqs:
            dim = len(blobs[0]) // 4
            added = np.frombuffer(b"".join(blobs), dtype=np.float32).reshape(len(blobs), dim)
            old = self.vectors[keep] if self.vectors is not None else np.zeros((0, dim), dtype=np.float32)
            self.vectors = np.concatenate([old, added])
            self.seqs = np.concatenate([self.seqs[keep], np.asarray(seqs, dtype=np.int64)])
        elif gone and self.vectors is not None:
            self.vectors = self.vectors[keep]
            self.seqs = self.seqs[keep]
        if self.vectors is None or len(self.seqs) < self.ann_from:
            self._ann = None
            return
        from usearch.index import Index

        if self._ann is None or self._ann.ndim != self.vectors.shape[1]:
            self._ann = Index(ndim=self.vectors.shape[1], metric="cos", dtype="f16", expansion_search=ANN_EXPANSION,
                              expansion_add=ANN_EXPANSION_ADD)
            self._ann.add(self.seqs, self.vectors)
            return
        removed = [s for s in gone if s in self._ann]
        if removed:
            self._ann.remove(np.asarray(removed, dtype=np.int64))
        if seqs:
            self._ann.add(np.asarray(seqs, dtype=np.int64), added)

    # -- searching -------------------------------------------------------------------------------

    def lexical(self, query: str, limit: int, allowed_files: Optional[set[str]] = None) -> list[int]:
        """Chunk seqs of the best BM25 matches, best first."""
        text = lexical_query(query)
        if not text or limit <= 0:
            return []
        with self.lock:
            return self._lexical_locked(text, limit, allowed_files)

    def _lexical_locked(self, text: str, limit: int, allowed_files: Optional[set[str]]) -> list[int]:
        parsed = self._lexical.parse_query(text, ["text"])
        searcher = self._lexical.searcher()
        fetch = limit if allowed_files is None else limit * 4
        out = []
        for _, address in searcher.search(parsed, fetch).hits:
            seq = int(searcher.doc(address)["seq"][0])
            if allowed_files is None or self.files.get(seq) in allowed_files:
                out.append(seq)
        return out[:limit]

    def dense(self, vector: np.ndarray, limit: int, allowed_files: Optional[set[str]] = None,
              exact: bool = False) -> list[tuple[int, float]]:
        """``(chunk seq, cosine)`` of the nearest embedded chunks, best first."""
        with self.lock:
            return self._dense_locked(vector, limit, allowed_files, exact)

    def _dense_locked(self, vector: np.ndarray, limit: int, allowed_files: Optional[set[str]],
                      exact: bool) -> list[tuple[int, float]]:
        if self.vectors is None or not len(self.seqs) or self.vectors.shape[1] != vector.shape[0] or limit <= 0:
            return []
        if self._ann is not None and allowed_files is None and not exact:
            found = self._ann.search(vector, min(limit, len(self.seqs)))
            return [(int(key), float(1.0 - dist)) for key, dist in zip(found.keys, found.distances)]
        scores = self.vectors @ vector
        if allowed_files is not None:
            mask = np.fromiter((self.files.get(int(s)) in allowed_files for s in self.seqs), dtype=bool,
                               count=len(self.seqs))
            scores = np.where(mask, scores, -np.inf)
        k = min(limit, len(scores))
        top = np.argpartition(-scores, k - 1)[:k]
        top = top[np.argsort(-scores[top])]
        return [(int(self.seqs[i]), float(scores[i])) for i in top if np.isfinite(scores[i])]


class StoreIndexes:
    """The :class:`StoreIndex` of every vector store searched so far, kept in step with the database."""

    def __init__(self, ann_from: int = ANN_FROM_CHUNKS, max_stores: int = MAX_STORES) -> None:
        self.ann_from = ann_from
        self.max_stores = max_stores
        self._stores: OrderedDict[str, StoreIndex] = OrderedDict()
        self._lock = threading.Lock()

    def invalidate(self, store_id: str) -> None:
        """Nothing to do: the version read before each search finds changes (kept for callers)."""

    def get(self, session: Session, store_id: str) -> StoreIndex:
        """The store's index, brought up to date with the database first if its version moved."""
        version = session.scalar(select(ChunkVersionRow.version)
                                 .where(ChunkVersionRow.vector_store_id == store_id)) or 0
        with self._lock:
            index = self._stores.get(store_id)
            if index is None:
                index = self._stores[store_id] = StoreIndex(self.ann_from)
                while len(self._stores) > self.max_stores:
                    self._stores.popitem(last=False)
            else:
                self._stores.move_to_end(store_id)
        if index.version != version:
            with index.lock:
                if index.version != version:
                    index.sync(session, store_id, version)
        return index
