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
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass
from typing import Any, Optional

import numpy as np
from sqlalchemy import delete, or_, select, update

from ..blobs import BlobStore
from ..store import Database
from ..store.tables import ChunkRow, FileRow, FileTextRow, VectorStoreFileRow
from .chunk import split
from .embed import Embedder
from .store_index import StoreIndexes
from .parse import ParseError, parse
from .tokens import Tokenizer

log = logging.getLogger("openbeta.retrieval")


@dataclass
class IngestResult:
    status: str
    chunks: int = 0
    pages: int = 0


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
            chunks = pieces.texts
            vectors = self.embedder.embed_chunks(pieces) if self.embedder is not None and chunks else None
        except ParseError as exc:
            self._finish(store_id, file_id, "failed", {"code": exc.code, "message": exc.message})
            return IngestResult("failed")
        except Exception as exc:
            log.exception("ingestion of %s into %s failed", file_id, store_id)
            self._finish(store_id, file_id, "failed", {"code": "server_error", "message": str(exc) or type(exc).__name__})
            return IngestResult("failed")
        done = self._finish(store_id, file_id, "completed", None, text=text, chunks=chunks, vectors=vectors)
        return IngestResult("completed" if done else "skipped", len(chunks), pages)

    def _finish(self, store_id: str, file_id: str, status: str, error: Optional[dict[str, Any]], *,
                text: Optional[str] = None, chunks: Optional[list[str]] = None,
                vectors: Optional[np.ndarray] = None) -> bool:
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
                for i, chunk in enumerate(chunks or []):
                    blob = vectors[i].astype(np.float32).tobytes() if vectors is not None else None
                    usage += len(chunk.encode("utf-8")) + (len(blob) if blob else 0)
                    s.add(ChunkRow(vector_store_id=store_id, file_id=file_id, position=i, text=chunk, embedding=blob))
            row.status = status
            row.owner = None
            row.lease_expires_at = None
            row.usage_bytes = usage
            row.body = {**row.body, "last_error": error}
        self.dense.invalidate(store_id)
        return True


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
            job = await asyncio.to_thread(self.ingestor.claim, frozenset(self._active))
            if job is None:
                self._wake.clear()
                try:
                    await asyncio.wait_for(self._wake.wait(), self.poll_seconds)
                except asyncio.TimeoutError:
                    pass
                continue
            if job in self._active:  # another worker took it while this one was looking
                continue
            self._active.add(job)
            try:
                await asyncio.to_thread(self.ingestor.ingest, *job)
            except Exception:
                log.exception("ingestion worker error on %s", job)
                await asyncio.sleep(self.poll_seconds)
            finally:
                self._active.discard(job)
