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

Built indexes are saved (:mod:`.index_files`) under ``<data dir>/indexes/<store>/v<version>``,
so a restart loads them instead of rebuilding; a saved index is only a head start: once
loaded it catches up with the database like any other.
"""

from __future__ import annotations

import logging
import re
import shutil
import tempfile
import threading
import weakref
from collections import OrderedDict
from pathlib import Path
from typing import Any, Iterable, Optional

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from ..store.tables import ChunkRow, ChunkVersionRow
from . import index_files

log = logging.getLogger("openbeta.retrieval")

#: Stores with at least this many embedded chunks search an HNSW graph instead of every vector.
ANN_FROM_CHUNKS = 20_000
#: HNSW search breadth: recall@10 against exact search is measured in bench/files_bench.py.
ANN_EXPANSION = 128
#: HNSW build breadth (usearch's default): at 1M chunks 48 builds 2.3x faster but keeps recall@10 at 0.81
#: against 0.99 for 128 (bench/ann_build.py); a build happens once per store, since indexes are saved.
ANN_EXPANSION_ADD = 128
MAX_TERMS = 64
_WORDS = re.compile(r"[^\W_]+")
_LOAD_BATCH = 5000
#: Store indexes kept per process (least recently searched dropped first; rebuilt when searched again).
MAX_STORES = 128
#: Stores with at least this many chunks have their indexes saved to disk (smaller ones rebuild in a second).
SAVE_FROM_CHUNKS = 1000
#: Seconds without changes before a changed index is saved (ingestion changes a store file by file).
SAVE_DELAY = 2.0


def lexical_query(query: str) -> str:
    """The query's words, lowercased (so no word reads as a query operator), any of which may match."""
    return " ".join(_WORDS.findall(query.lower())[:MAX_TERMS])


class StoreIndex:
    """One vector store's lexical and dense indexes, and the chunk version they reflect."""

    def __init__(self, ann_from: int, work_dir: Optional[Path] = None) -> None:
        """``work_dir``: where the lexical index lives (so it can be saved); ``None``: in memory."""
        self.work_dir = work_dir
        if work_dir is not None:  # removed with the index (a store dropped from memory, the process ending)
            weakref.finalize(self, shutil.rmtree, str(work_dir), True)
        self._lexical = _open_lexical(work_dir)
        self._writer: Any = None
        self.version: Optional[int] = None
        self.ann_from = ann_from
        self.seqs = np.zeros(0, dtype=np.int64)  # embedded chunks, in the rows of ``vectors``
        self.vectors: Optional[np.ndarray] = None
        self.files: dict[int, str] = {}  # every indexed chunk (embedded or not) -> file id
        self.file_ids: set[str] = set()  # the files of those chunks
        self._ann: Any = None
        self.lock = threading.Lock()

    # -- keeping up with the database ------------------------------------------------------------

    def sync(self, session: Session, store_id: str, version: int) -> bool:
        """Catch up with the store's chunks as the database has them now; whether anything changed."""
        rows = session.execute(select(ChunkRow.seq, ChunkRow.file_id)
                               .where(ChunkRow.vector_store_id == store_id)).all()
        current = {int(seq): file_id for seq, file_id in rows}
        gone = [seq for seq in self.files if seq not in current]
        new = sorted(seq for seq in current if seq not in self.files)
        added = (row for start in range(0, len(new), _LOAD_BATCH)
                 for row in session.execute(select(ChunkRow.seq, ChunkRow.text, ChunkRow.embedding)
                                            .where(ChunkRow.seq.in_(new[start:start + _LOAD_BATCH]))))
        if gone or new:
            self.apply(gone, added, current)
        self.version = version
        return bool(gone or new)

    def apply(self, gone: list[int], added: Iterable[tuple[int, str, Optional[bytes]]],
              files: dict[int, str]) -> None:
        """Remove the ``gone`` chunks, add the ``added`` ones (``(seq, text, float32 vector bytes)``);
        ``files``: every chunk's file afterwards."""
        import tantivy

        self._writer = self._writer or self._lexical.writer(32_000_000, 1)
        for seq in gone:
            self._writer.delete_documents_by_term("seq", seq)
        added_seqs: list[int] = []
        added_vectors: list[bytes] = []
        for seq, text, blob in added:
            self._writer.add_document(tantivy.Document(seq=int(seq), text=text))
            if blob and (self.vectors is None or len(blob) == self.vectors.shape[1] * 4) \
                    and (not added_vectors or len(blob) == len(added_vectors[0])):
                added_seqs.append(int(seq))
                added_vectors.append(blob)
        self._writer.commit()
        # no writer between changes: no merge is under way while the index is saved
        self._writer.wait_merging_threads()
        self._writer = None
        self._lexical.reload()
        self._update_dense(set(gone), added_seqs, added_vectors)
        self.files = files
        self.file_ids = set(files.values())

    # -- saving and loading ----------------------------------------------------------------------

    def save(self, target: Path) -> None:
        """Write this index's files into the new directory ``target`` (published whole by :func:`index_files.publish`)."""
        with self.lock:  # a consistent copy: no sync runs meanwhile (arrays are replaced, never changed)
            if self.work_dir is None or self.version is None:
                return
            target.mkdir(parents=True)
            index_files.link_tree(self.work_dir, target / "lexical")
            ann = self._ann.copy() if self._ann is not None else None  # written below, without the lock
            arrays = {"all_seqs": np.fromiter(self.files, dtype=np.int64, count=len(self.files)),
                      "all_files": np.asarray(list(self.files.values()), dtype=str),
                      "dense_seqs": self.seqs}
            if self.vectors is not None:
                arrays["vectors"] = np.ascontiguousarray(self.vectors)
            version = self.version
        if ann is not None:
            ann.save(str(target / "dense.usearch"))
        for name, array in arrays.items():
            np.save(target / f"{name}.npy", array, allow_pickle=False)
        index_files.write_manifest(target, version, {"ann": (target / "dense.usearch").exists()})

    @classmethod
    def load(cls, source: Path, version: int, ann_from: int, work_dir: Path) -> "StoreIndex":
        """The index saved in ``source`` (checked against its manifest before use)."""
        index_files.link_tree(source / "lexical", work_dir)
        index = cls(ann_from, work_dir)
        arrays = {name: np.load(source / f"{name}.npy", allow_pickle=False)
                  for name in ("all_seqs", "all_files", "dense_seqs", "vectors") if (source / f"{name}.npy").exists()}
        index.files = dict(zip(arrays["all_seqs"].tolist(), arrays["all_files"].tolist()))
        index.file_ids = set(index.files.values())
        index.seqs = arrays["dense_seqs"]
        index.vectors = arrays.get("vectors")
        if (source / "dense.usearch").exists():
            from usearch.index import Index

            index._ann = Index(ndim=index.vectors.shape[1], metric="cos", dtype="f16",
                               expansion_search=ANN_EXPANSION, expansion_add=ANN_EXPANSION_ADD)
            index._ann.load(str(source / "dense.usearch"))
            index._ann.expansion_search = ANN_EXPANSION  # load() brings back usearch's defaults
            index._ann.expansion_add = ANN_EXPANSION_ADD
            if len(index._ann) != len(index.seqs):
                raise ValueError(f"the dense index holds {len(index._ann)} vectors, not {len(index.seqs)}")
        index.version = version
        if index._lexical.searcher().num_docs != len(index.files):
            raise ValueError(f"the lexical index holds {index._lexical.searcher().num_docs} chunks, "
                             f"not {len(index.files)}")
        return index

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

    def lexical(self, query: str, limit: int, allowed_files: Optional[set[str]] = None,
                blocked_files: Optional[set[str]] = None) -> list[int]:
        """Chunk seqs of the best BM25 matches, best first: only of ``allowed_files`` when given, never of
        ``blocked_files``."""
        text = lexical_query(query)
        if not text or limit <= 0:
            return []
        with self.lock:
            blocked = blocked_files & self.file_ids if blocked_files else None  # only files with chunks here
            return self._lexical_locked(text, limit, allowed_files, blocked)

    def _wanted(self, seq: int, allowed_files: Optional[set[str]], blocked_files: Optional[set[str]]) -> bool:
        file_id = self.files.get(seq)
        return (allowed_files is None or file_id in allowed_files) and not (blocked_files and file_id in blocked_files)

    def _lexical_locked(self, text: str, limit: int, allowed_files: Optional[set[str]],
                        blocked_files: Optional[set[str]]) -> list[int]:
        parsed = self._lexical.parse_query(text, ["text"])
        searcher = self._lexical.searcher()
        if allowed_files is None and not blocked_files:
            return [int(searcher.doc(address)["seq"][0]) for _, address in searcher.search(parsed, limit).hits]
        fetch = limit * 4
        while True:  # fetch more while the files left out took the places
            hits = searcher.search(parsed, fetch).hits
            out = [seq for seq in (int(searcher.doc(address)["seq"][0]) for _, address in hits)
                   if self._wanted(seq, allowed_files, blocked_files)]
            if len(out) >= limit or len(hits) < fetch or fetch >= len(self.files):
                return out[:limit]
            fetch *= 4

    def dense(self, vector: np.ndarray, limit: int, allowed_files: Optional[set[str]] = None,
              exact: bool = False, blocked_files: Optional[set[str]] = None) -> list[tuple[int, float]]:
        """``(chunk seq, cosine)`` of the nearest embedded chunks, best first (only of ``allowed_files``
        when given, never of ``blocked_files``)."""
        with self.lock:
            blocked = blocked_files & self.file_ids if blocked_files else None
            return self._dense_locked(vector, limit, allowed_files, exact, blocked)

    def _dense_locked(self, vector: np.ndarray, limit: int, allowed_files: Optional[set[str]],
                      exact: bool, blocked_files: Optional[set[str]] = None) -> list[tuple[int, float]]:
        if self.vectors is None or not len(self.seqs) or self.vectors.shape[1] != vector.shape[0] or limit <= 0:
            return []
        filtered = allowed_files is not None or bool(blocked_files)
        if self._ann is not None and not filtered and not exact:
            found = self._ann.search(vector, min(limit, len(self.seqs)))
            return [(int(key), float(1.0 - dist)) for key, dist in zip(found.keys, found.distances)]
        scores = self.vectors @ vector
        if filtered:
            mask = np.fromiter((self._wanted(int(s), allowed_files, blocked_files) for s in self.seqs), dtype=bool,
                               count=len(self.seqs))
            scores = np.where(mask, scores, -np.inf)
        k = min(limit, len(scores))
        top = np.argpartition(-scores, k - 1)[:k]
        top = top[np.argsort(-scores[top])]
        return [(int(self.seqs[i]), float(scores[i])) for i in top if np.isfinite(scores[i])]


_blas_limited = False


def _one_blas_thread() -> None:
    """Run numpy's BLAS on one thread in this process. Exact dense search is one matrix-vector
    product per query (0.1 ms for 10k x 384 alone); with OpenBLAS's default threads it took
    6 ms inside the server, its threads spinning against the request and embedding threads."""
    global _blas_limited
    if not _blas_limited:
        _blas_limited = True
        try:
            from threadpoolctl import threadpool_limits

            threadpool_limits(limits=1, user_api="blas")
        except Exception:  # not installed, or no BLAS it knows: numpy's default
            log.debug("could not limit BLAS threads", exc_info=True)


class StoreIndexes:
    """The :class:`StoreIndex` of every vector store searched so far, kept in step with the database.

    With a ``directory``, indexes of stores of ``save_from`` chunks or more are saved there
    (in the background, ``save_delay`` seconds after their last change) and loaded from there
    when a store is first searched; ``stats`` counts what happened (``built``, ``loaded``,
    ``saved``, ``discarded``: saved files found damaged or unusable and rebuilt).
    """

    def __init__(self, ann_from: int = ANN_FROM_CHUNKS, max_stores: int = MAX_STORES,
                 directory: Optional[Path] = None, save_from: int = SAVE_FROM_CHUNKS,
                 save_delay: float = SAVE_DELAY) -> None:
        _one_blas_thread()
        self.ann_from = ann_from
        self.max_stores = max_stores
        self.directory = Path(directory) if directory is not None else None
        self.save_from = save_from
        self.save_delay = save_delay
        self.stats = {"built": 0, "loaded": 0, "saved": 0, "discarded": 0}
        self._stores: OrderedDict[str, StoreIndex] = OrderedDict()
        self._lock = threading.Lock()
        self._opening: dict[str, threading.Lock] = {}
        self._pending: dict[str, StoreIndex] = {}
        self._wake = threading.Condition()
        self._saver: Optional[threading.Thread] = None
        self._work: Optional[Path] = None
        if self.directory is not None:
            try:
                self._work = index_files.work_root(self.directory)
            except OSError as exc:  # e.g. a read-only data directory: indexes in memory, rebuilt per process
                log.warning("search indexes will not be saved: %s", exc)
                self.directory = None
            else:
                weakref.finalize(self, shutil.rmtree, str(self._work), True)  # also when the process exits

    def invalidate(self, store_id: str) -> None:
        """Nothing to do: the version read before each search finds changes (kept for callers)."""

    def drop(self, store_id: str) -> None:
        """The store was deleted: forget its index and its saved files."""
        with self._lock:
            self._stores.pop(store_id, None)
        with self._wake:
            self._pending.pop(store_id, None)
        if self.directory is not None:
            shutil.rmtree(index_files.store_dir(self.directory, store_id), ignore_errors=True)

    def version(self, session: Session, store_id: str) -> int:
        return session.scalar(select(ChunkVersionRow.version)
                              .where(ChunkVersionRow.vector_store_id == store_id)) or 0

    def get(self, session: Session, store_id: str) -> StoreIndex:
        """The store's index, brought up to date with the database first if its version moved."""
        version = self.version(session, store_id)
        index = self._index(store_id, version)
        if index.version != version:
            with index.lock:
                if index.version != version:
                    fresh = index.version is None
                    changed = index.sync(session, store_id, version)
                    if fresh:
                        self.stats["built"] += 1
                        log.info("search index for %s built (version %d, %d chunks)", store_id, version,
                                 len(index.files))
                    if changed and self.directory is not None and len(index.files) >= self.save_from:
                        self._schedule_save(store_id, index)
        return index

    def _index(self, store_id: str, version: int) -> StoreIndex:
        """The store's index in memory; else its saved one; else a new empty one."""
        with self._lock:
            index = self._stores.get(store_id)
            if index is not None:
                self._stores.move_to_end(store_id)
                return index
            opening = self._opening.setdefault(store_id, threading.Lock())
        with opening:  # one thread loads a store; the others wait for it
            with self._lock:
                index = self._stores.get(store_id)
            if index is None:
                index = (self._load(store_id, version) if self.directory is not None else None) \
                    or StoreIndex(self.ann_from, self._new_work_dir())
                with self._lock:
                    self._stores[store_id] = index
                    self._opening.pop(store_id, None)
                    while len(self._stores) > self.max_stores:
                        self._stores.popitem(last=False)
        return index

    # -- saved indexes ---------------------------------------------------------------------------

    def _new_work_dir(self) -> Optional[Path]:
        return None if self._work is None else Path(tempfile.mkdtemp(prefix="store-", dir=self._work))

    def _load(self, store_id: str, version: int) -> Optional[StoreIndex]:
        """The newest saved index of the store no newer than the database, if one is whole."""
        for saved_version, path in index_files.saved(self.directory, store_id):
            if saved_version > version:  # the database went back (restored?): the files cannot be trusted
                self._discard(store_id, path, "newer than the database")
                continue
            try:
                index_files.verify(path, saved_version)
                index = StoreIndex.load(path, saved_version, self.ann_from, self._new_work_dir())
            except Exception as exc:  # damaged, truncated, half written: build from the database instead
                self._discard(store_id, path, str(exc))
                continue
            self.stats["loaded"] += 1
            log.info("search index for %s loaded from %s (version %d, %d chunks; database at version %d)",
                     store_id, path, saved_version, len(index.files), version)
            return index
        return None

    def _discard(self, store_id: str, path: Path, reason: str) -> None:
        self.stats["discarded"] += 1
        log.warning("saved search index for %s at %s not used (%s): rebuilding", store_id, path, reason)
        shutil.rmtree(path, ignore_errors=True)

    def _schedule_save(self, store_id: str, index: StoreIndex) -> None:
        with self._wake:
            self._pending[store_id] = index
            if self._saver is None or not self._saver.is_alive():
                self._saver = threading.Thread(target=self._save_loop, name="search-index-saver", daemon=True)
                self._saver.start()
            self._wake.notify()

    def _save_loop(self) -> None:
        while True:
            with self._wake:
                while not self._pending:
                    if not self._wake.wait(timeout=60):
                        self._saver = None
                        return
                # wait for a quiet moment: every change restarts the delay
                while self._wake.wait(timeout=self.save_delay):
                    pass
                pending, self._pending = self._pending, {}
            for store_id, index in pending.items():
                self.save(store_id, index)

    def save(self, store_id: str, index: StoreIndex) -> Optional[Path]:
        """Save ``index`` now (the background saver calls this); the directory written, if any."""
        if self.directory is None or index.version is None:
            return None
        try:
            path = index_files.publish(self.directory, store_id, index.version, index.save)
        except Exception:
            log.exception("saving the search index for %s failed", store_id)
            return None
        if path is not None:
            self.stats["saved"] += 1
            log.info("search index for %s saved to %s", store_id, path)
        return path

    def flush(self) -> None:
        """Save every index waiting to be saved, now."""
        with self._wake:
            pending, self._pending = self._pending, {}
        for store_id, index in pending.items():
            self.save(store_id, index)


def _open_lexical(path: Optional[Path]) -> Any:
    import tantivy

    builder = tantivy.SchemaBuilder()
    builder.add_integer_field("seq", stored=True, indexed=True)
    builder.add_text_field("text", stored=False, tokenizer_name="en_stem")
    if path is None:
        return tantivy.Index(builder.build())  # in memory
    return tantivy.Index(builder.build(), path=str(path), reuse=True)
