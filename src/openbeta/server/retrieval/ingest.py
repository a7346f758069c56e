"""Ingestion: a queued vector store file becomes chunks with embeddings.

The database is the queue: every ``vector_store_files`` row in
``in_progress`` is work to do, so work left by a stopped server resumes when
the next one starts. Parsing, chunking and embedding run in worker threads,
off the event loop; the result is written in one transaction, and only if
the file is still wanted (not cancelled or removed meanwhile).

Several replicas share the queue: a replica claims a file with a lease
(``owner``, ``lease_expires_at``; ``SELECT ... FOR UPDATE SKIP LOCKED`` on
PostgreSQL) and renews it while it works; a file whose lease lapsed (its replica
died) is claimed again by another replica and ingested from the start, which is
safe: the result replaces whatever chunks the file had, and the first result
written wins (a replica too busy to renew its lease in time may finish second; its
result is then dropped). SQLite serves one process, so there the queue needs no leases.

A worker takes up to ``BATCH_FILES`` queued files at a time: the next file is parsed
and chunked in a second thread while the model embeds the one before (the model's
forward passes release the GIL), and small files share the model's batches. Each file
is still written in its own transaction as soon as its vectors are ready, so
``file_counts`` and per-file status move file by file.

Every chunk records the id of the embedder that made its vector. When the server
starts with another embedder (another model, or the int8 model instead of the float
one), the files whose chunks were embedded by another are queued again: their old
vectors are dropped at once (the chunks stay searchable lexically) and new ones are
made from the stored text, so two embedders' vectors never meet in one index.
"""

from __future__ import annotations

import asyncio
import logging
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Optional, Union

import numpy as np
from sqlalchemy import delete, insert, or_, select, update

from ..blobs import BlobStore
from ..store import Database
from ..store.tables import ChunkRow, FileRow, FileTextRow, VectorStoreFileRow
from .chunk import Chunks, split
from .embed import Embedder, embed_many, embedder_id
from .store_index import StoreIndexes
from .parse import ParseError, parse
from .tokens import Tokenizer

log = logging.getLogger("openbeta.retrieval")

#: Queued files a worker takes at once (parsed one ahead of the embedding).
BATCH_FILES = 8
#: Small files are embedded together until their texts reach this many tokens.
GROUP_TOKENS = 4096


@dataclass
class IngestResult:
    status: str
    chunks: int = 0
    pages: int = 0


@dataclass
class _Prepared:
    """A file parsed and chunked, waiting for its vectors."""

    store_id: str
    file_id: str
    text: str
    pages: int
    chunks: Chunks


class Ingestor:
    """Turns one (vector store, file) pair into chunks: parse -> chunk -> embed -> write."""

    def __init__(self, db: Database, blobs: BlobStore, tokenizer: Tokenizer, embedder: Optional[Embedder],
                 dense: StoreIndexes, replica: str = "local", lease_seconds: float = 30.0) -> None:
        self.db = db
        self.replica = replica
        self.lease_seconds = lease_seconds
        #: Files this replica took over from another whose lease lapsed, for ``/metrics``.
        self.takeovers = 0
        self.blobs = blobs
        self.tokenizer = tokenizer
        self.embedder = embedder
        self.dense = dense

    def pending(self, limit: int = 32, exclude: frozenset = frozenset()) -> list[tuple[str, str]]:
        """Queued ``(vector_store_id, file_id)`` pairs, oldest first."""
        with self.db.session() as s:
            rows = s.execute(select(VectorStoreFileRow.vector_store_id, VectorStoreFileRow.id)
                             .where(VectorStoreFileRow.status == "in_progress")
                             .order_by(VectorStoreFileRow.seq).limit(limit + len(exclude))).all()
        return [(a, b) for a, b in rows if (a, b) not in exclude][:limit]

    def claim(self, exclude: frozenset = frozenset()) -> Optional[tuple[str, str]]:
        """Claim the oldest queued file nobody holds a live lease on; ``None``: nothing to do."""
        if self.db.is_sqlite:  # one process: nothing to fence off
            jobs = self.pending(1, exclude)
            return jobs[0] if jobs else None
        stamp = time.time()
        with self.db.session() as s:
            row = s.execute(select(VectorStoreFileRow.seq, VectorStoreFileRow.vector_store_id, VectorStoreFileRow.id,
                                   VectorStoreFileRow.owner)
                            .where(VectorStoreFileRow.status == "in_progress",
                                   or_(VectorStoreFileRow.owner.is_(None), VectorStoreFileRow.lease_expires_at < stamp))
                            .order_by(VectorStoreFileRow.seq).limit(1)
                            .with_for_update(skip_locked=True)).first()
            if row is None:
                return None
            s.execute(update(VectorStoreFileRow).where(VectorStoreFileRow.seq == row.seq)
                      .values(owner=self.replica, lease_expires_at=stamp + self.lease_seconds)
                      .execution_options(synchronize_session=False))
        if row.owner is not None and row.owner != self.replica:
            self.takeovers += 1
            log.warning("ingestion of %s into %s taken over from replica %s (its lease lapsed)", row.id,
                        row.vector_store_id, row.owner)
        return row.vector_store_id, row.id

    def renew(self, jobs: list[tuple[str, str]]) -> None:
        """Renew this replica's leases on the files it is ingesting."""
        if not jobs or self.db.is_sqlite:
            return
        with self.db.session() as s:
            for store_id, file_id in jobs:
                s.execute(update(VectorStoreFileRow)
                          .where(VectorStoreFileRow.vector_store_id == store_id, VectorStoreFileRow.id == file_id,
                                 VectorStoreFileRow.owner == self.replica)
                          .values(lease_expires_at=time.time() + self.lease_seconds)
                          .execution_options(synchronize_session=False))

    def release(self) -> int:
        """Hand back the files this replica holds (graceful drain)."""
        with self.db.session() as s:
            done = s.execute(update(VectorStoreFileRow).where(VectorStoreFileRow.owner == self.replica)
                             .values(owner=None, lease_expires_at=None).execution_options(synchronize_session=False))
            return done.rowcount

    def ingest(self, store_id: str, file_id: str) -> IngestResult:
        return self.ingest_many([(store_id, file_id)])[0]

    def ingest_many(self, jobs: list[tuple[str, str]]) -> list[IngestResult]:
        """Ingest files in order: each is parsed while the ones before it are embedded, small ones
        share the model's batches, and each is written as soon as its vectors are ready."""
        results: dict[int, IngestResult] = {}
        group: list[tuple[int, _Prepared]] = []

        def flush() -> None:
            embedded = [(i, p) for i, p in group if p.chunks.texts]
            try:
                vectors = (embed_many(self.embedder, [p.chunks for _, p in embedded])
                           if self.embedder is not None and embedded else [None] * len(embedded))
            except Exception as exc:
                log.exception("embedding of %s failed", [p.file_id for _, p in embedded])
                for i, p in group:
                    self._finish(p.store_id, p.file_id, "failed",
                                 {"code": "server_error", "message": str(exc) or type(exc).__name__})
                    results[i] = IngestResult("failed")
                group.clear()
                return
            by_index = {i: v for (i, _), v in zip(embedded, vectors)}
            for i, p in group:
                done = self._finish(p.store_id, p.file_id, "completed", None, text=p.text, chunks=p.chunks.texts,
                                    vectors=by_index.get(i))
                results[i] = IngestResult("completed" if done else "skipped", len(p.chunks.texts), p.pages)
            group.clear()

        with ThreadPoolExecutor(1, thread_name_prefix="ingest-parse") as pool:
            ahead = [pool.submit(self._prepare, *job) for job in jobs]
            tokens = 0
            for i, future in enumerate(ahead):
                prepared = future.result()
                if isinstance(prepared, IngestResult):
                    results[i] = prepared
                    continue
                group.append((i, prepared))
                tokens += len(prepared.chunks.spans)
                if tokens >= GROUP_TOKENS:
                    flush()
                    tokens = 0
            if group:
                flush()
        return [results[i] for i in range(len(jobs))]

    def _prepare(self, store_id: str, file_id: str) -> Union[_Prepared, IngestResult]:
        """Read, parse and chunk one queued file (a failure is written and returned as its result)."""
        with self.db.session() as s:
            row = s.scalar(select(VectorStoreFileRow).where(VectorStoreFileRow.vector_store_id == store_id,
                                                            VectorStoreFileRow.id == file_id))
            file_row = s.scalar(select(FileRow).where(FileRow.id == file_id))
            if row is None or row.status != "in_progress" or file_row is None:
                return IngestResult("skipped")
            strategy = row.body.get("chunking_strategy") or {}
            filename = file_row.body["filename"]
            cached = s.get(FileTextRow, file_id)
            text: Optional[str] = cached.text if cached is not None else None
        pages = 0
        try:
            if text is None:
                parsed = parse(filename, self.blobs.read(file_id))
                text, pages = parsed.text, parsed.pages
            static = strategy.get("static") or {}
            pieces = split(text, self.tokenizer, static.get("max_chunk_size_tokens", 800),
                           static.get("chunk_overlap_tokens", 400))
        except ParseError as exc:
            self._finish(store_id, file_id, "failed", {"code": exc.code, "message": exc.message})
            return IngestResult("failed")
        except Exception as exc:
            log.exception("ingestion of %s into %s failed", file_id, store_id)
            self._finish(store_id, file_id, "failed", {"code": "server_error", "message": str(exc) or type(exc).__name__})
            return IngestResult("failed")
        return _Prepared(store_id, file_id, text, pages, pieces)

    def _finish(self, store_id: str, file_id: str, status: str, error: Optional[dict[str, Any]], *,
                text: Optional[str] = None, chunks: Optional[list[str]] = None,
                vectors: Optional[np.ndarray] = None) -> bool:
        made_by = embedder_id(self.embedder) if self.embedder is not None and vectors is not None else None
        with self.db.session() as s:
            row = s.scalar(select(VectorStoreFileRow).where(VectorStoreFileRow.vector_store_id == store_id,
                                                            VectorStoreFileRow.id == file_id).with_for_update())
            if row is None or row.status != "in_progress":
                return False
            usage = 0
            if status == "completed":
                if s.get(FileTextRow, file_id) is None:
                    s.add(FileTextRow(file_id=file_id, text=text or ""))
                s.execute(delete(ChunkRow).where(ChunkRow.vector_store_id == store_id, ChunkRow.file_id == file_id))
                rows = []
                for i, chunk in enumerate(chunks or []):
                    blob = vectors[i].astype(np.float32).tobytes() if vectors is not None else None
                    usage += len(chunk.encode("utf-8")) + (len(blob) if blob else 0)
                    rows.append({"vector_store_id": store_id, "file_id": file_id, "position": i, "text": chunk,
                                 "embedding": blob, "embedder": made_by if blob else None})
                if rows:  # one multi-row statement, not a round trip per chunk
                    s.execute(insert(ChunkRow), rows)
            row.status = status
            row.owner = None
            row.lease_expires_at = None
            row.usage_bytes = usage
            row.body = {**row.body, "last_error": error}
        self.dense.invalidate(store_id)
        return True

    def requeue_foreign(self, limit: int = 10_000) -> int:
        """Queue again the files whose chunks carry another embedder's vectors (or an unrecorded one).

        Their vectors are dropped in the same transaction (the chunks are written again without
        them, so the search indexes, which follow chunk rows, drop them too); lexical search keeps
        finding the files until they are embedded again from their stored text.
        """
        if self.embedder is None:  # lexical search only: stored vectors are unused, and kept
            return 0
        current = embedder_id(self.embedder)
        with self.db.session() as s:
            pairs = s.execute(select(ChunkRow.vector_store_id, ChunkRow.file_id)
                              .where(ChunkRow.embedding.is_not(None),
                                     or_(ChunkRow.embedder.is_(None), ChunkRow.embedder != current))
                              .group_by(ChunkRow.vector_store_id, ChunkRow.file_id).limit(limit)).all()
        for store_id, file_id in pairs:
            with self.db.session() as s:
                row = s.scalar(select(VectorStoreFileRow).where(VectorStoreFileRow.vector_store_id == store_id,
                                                                VectorStoreFileRow.id == file_id).with_for_update())
                chunks = s.execute(select(ChunkRow.position, ChunkRow.text)
                                   .where(ChunkRow.vector_store_id == store_id, ChunkRow.file_id == file_id)
                                   .order_by(ChunkRow.position)).all()
                s.execute(delete(ChunkRow).where(ChunkRow.vector_store_id == store_id, ChunkRow.file_id == file_id))
                if chunks:
                    s.execute(insert(ChunkRow), [{"vector_store_id": store_id, "file_id": file_id, "position": p,
                                                  "text": t, "embedding": None, "embedder": None} for p, t in chunks])
                if row is not None and row.status == "completed":
                    row.status = "in_progress"
                    row.owner = None
                    row.lease_expires_at = None
            self.dense.invalidate(store_id)
        if pairs:
            log.warning("%d file(s) held vectors of another embedder than %s: queued to be embedded again "
                        "(every replica must use the same embedder)", len(pairs), current)
        return len(pairs)


class IngestionWorker:
    """``workers`` asyncio tasks that take queued files and ingest them in threads."""

    def __init__(self, ingestor: Ingestor, workers: int = 1, poll_seconds: float = 2.0) -> None:
        self.ingestor = ingestor
        self.workers = workers
        self.poll_seconds = poll_seconds
        self._tasks: list[asyncio.Task] = []
        self._active: set[tuple[str, str]] = set()
        self._loop: Optional[asyncio.AbstractEventLoop] = None
        self._wake: Optional[asyncio.Event] = None

    async def start(self) -> None:
        if self.workers <= 0:
            return
        self._loop = asyncio.get_running_loop()
        self._wake = asyncio.Event()
        self._tasks = [asyncio.create_task(self._run(), name=f"ingestion-{i}") for i in range(self.workers)]
        self._tasks.append(asyncio.create_task(self._renew(), name="ingestion-leases"))
        self._tasks.append(asyncio.create_task(self._requeue_foreign(), name="ingestion-embedder-check"))

    async def _requeue_foreign(self) -> None:
        try:
            if await asyncio.to_thread(self.ingestor.requeue_foreign):
                self.notify()
        except Exception:
            log.exception("could not check the stored vectors' embedder")

    async def stop(self) -> None:
        """Stop the workers and hand the files they held back to the queue."""
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._tasks:
            try:
                await asyncio.to_thread(self.ingestor.release)
            except Exception:
                log.exception("could not hand back ingestion leases")
        self._tasks = []

    async def _renew(self) -> None:
        tick = max(0.05, min(1.0, self.ingestor.lease_seconds / 4))
        while True:
            await asyncio.sleep(tick)
            try:
                await asyncio.to_thread(self.ingestor.renew, sorted(self._active))
            except Exception:
                log.exception("ingestion lease renewal failed")

    def notify(self) -> None:
        """Wake the workers; safe to call from any thread."""
        if self._loop is not None and self._wake is not None and not self._loop.is_closed():
            self._loop.call_soon_threadsafe(self._wake.set)

    async def _run(self) -> None:
        assert self._wake is not None
        while True:
            jobs: list[tuple[str, str]] = []
            while len(jobs) < BATCH_FILES:  # a few at once: parsing overlaps embedding, small files share batches
                job = await asyncio.to_thread(self.ingestor.claim, frozenset(self._active))
                if job is None or job in self._active:  # none left, or another worker took it meanwhile
                    break
                self._active.add(job)
                jobs.append(job)
            if not jobs:
                self._wake.clear()
                try:
                    await asyncio.wait_for(self._wake.wait(), self.poll_seconds)
                except asyncio.TimeoutError:
                    pass
                continue
            try:
                await asyncio.to_thread(self.ingestor.ingest_many, jobs)
            except Exception:
                log.exception("ingestion worker error on %s", jobs)
                await asyncio.sleep(self.poll_seconds)
            finally:
                self._active.difference_update(jobs)
