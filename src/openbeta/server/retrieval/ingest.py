"""Ingestion: a queued vector store file becomes chunks with embeddings.

The database is the queue: every ``vector_store_files`` row in
``in_progress`` is work to do, so work left by a stopped server resumes when
the next one starts. Parsing, chunking and embedding run in worker threads,
off the event loop; the result is written in one transaction, and only if
the file is still wanted (not cancelled or removed meanwhile).
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from typing import Any, Optional

import numpy as np
from sqlalchemy import delete, select

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
                 dense: StoreIndexes) -> None:
        self.db = db
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

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks = []

    def notify(self) -> None:
        """Wake the workers; safe to call from any thread."""
        if self._loop is not None and self._wake is not None and not self._loop.is_closed():
            self._loop.call_soon_threadsafe(self._wake.set)

    async def _run(self) -> None:
        assert self._wake is not None
        while True:
            jobs = await asyncio.to_thread(self.ingestor.pending, 1, frozenset(self._active))
            if not jobs:
                self._wake.clear()
                try:
                    await asyncio.wait_for(self._wake.wait(), self.poll_seconds)
                except asyncio.TimeoutError:
                    pass
                continue
            job = jobs[0]
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
