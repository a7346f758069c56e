"""Ingestion: a queued vector store file becomes chunks with embeddings.

The database is the queue: every ``vector_store_files`` row in
``in_progress`` is work to do, so work left by a stopped server resumes when
the next one starts. Parsing, chunking and embedding run on the ingestion
worker's own threads, off the event loop and off the threads that serve requests,
in bounded memory whatever the file's size: the text streams from the file in
pieces (stored as they come, ``store/texts.py``), and its chunks are made, embedded
and written ``BATCH_CHUNKS`` at a time, each batch only if the file is still
wanted (not cancelled or removed meanwhile). The file turns ``completed`` once its
last batch is written; search reads only the chunks of completed files, and a
file that fails (or is cancelled) partway loses the chunks it had written.

Several replicas share the queue: a replica claims a file with a lease
(``owner``, ``lease_expires_at``; ``SELECT ... FOR UPDATE SKIP LOCKED`` on
PostgreSQL) and renews it while it works; a file whose lease lapsed (its replica
died) is claimed again by another replica and ingested from the start, which is
safe: its first batch replaces whatever chunks the file had, and a replica that
lost the file (too busy to renew its lease in time) stops writing at its next batch.
SQLite serves one process, so there the queue needs no leases.

A worker takes up to ``BATCH_FILES`` queued files at a time: a second thread reads,
parses and chunks them, a couple of batches ahead, while the model embeds the batch
before (the model's forward passes release the GIL), and batches of small files share
the model's batches. ``file_counts`` and per-file status move file by file.

Every chunk records the id of the embedder that made its vector. When the server
starts with another embedder (another model, or the int8 model instead of the float
one), the files whose chunks were embedded by another are queued again: their old
vectors are dropped at once (the chunks stay searchable lexically) and new ones are
made from the stored text, so two embedders' vectors never meet in one index.
"""

from __future__ import annotations

import asyncio
import logging
import queue
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Iterator, Optional, Union

import numpy as np
from sqlalchemy import delete, insert, or_, select, update

from ..blobs import BlobStore
from ..memory import release_memory
from ..store import Database
from ..store.tables import ChunkRow, FileRow, VectorStoreFileRow
from ..store.texts import TextWriter, read_pieces, stored_text
from .chunk import Chunks, stream_chunks
from .embed import Embedder, embed_many, embedder_id
from .parse import ParseError, Reencode, TextStream
from .store_index import StoreIndexes
from .tokens import Tokenizer

log = logging.getLogger("openbeta.retrieval")

#: Queued files a worker takes at once (parsed one ahead of the embedding).
BATCH_FILES = 8
#: Small files are embedded together until their texts reach this many tokens.
GROUP_TOKENS = 4096
#: Chunks made, embedded and written at a time: what one file holds in memory while it is ingested.
BATCH_CHUNKS = 256


@dataclass
class IngestResult:
    status: str
    chunks: int = 0
    pages: int = 0
    index: int = -1  # the job it answers, in a batch of jobs


@dataclass
class _Written:
    """What has been written of one file so far."""

    started: bool = False
    chunks: int = 0
    usage: int = 0


@dataclass
class _Prepared:
    """A batch of one file's chunks, waiting for its vectors; ``last``: the file's final batch (with
    the file's ``pages``)."""

    index: int
    store_id: str
    file_id: str
    chunks: Chunks
    written: _Written
    last: bool
    pages: int = 0


_END = object()


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
        """Ingest files in order, each in bounded memory whatever its size: a second thread reads,
        parses and chunks them (``BATCH_CHUNKS`` chunks at a time, a couple of batches ahead) while
        this one embeds and writes. Batches of small files share the model's batches; each file's
        chunks are written as they are ready, and its status moves (with ``file_counts``) once
        its last batch is written."""
        results: dict[int, IngestResult] = {}
        group: list[_Prepared] = []
        ahead: queue.Queue[Any] = queue.Queue(maxsize=2)
        stop = threading.Event()
        failed: set[int] = set()  # files that failed (or are no longer wanted): their later batches are dropped

        def put(item: Any) -> bool:
            """Hand ``item`` to the consumer; False once it is gone (nobody would take it off a full queue)."""
            while not stop.is_set():
                try:
                    ahead.put(item, timeout=0.5)
                    return True
                except queue.Full:
                    continue
            return False

        def produce() -> None:
            try:
                for index, job in enumerate(jobs):
                    for item in self._prepare(index, *job):
                        if not put(item):
                            return
                        if isinstance(item, IngestResult) or index in failed:
                            break
            finally:
                put(_END)

        def flush() -> None:
            live = [p for p in group if p.index not in failed]
            group.clear()
            embedded = [p for p in live if p.chunks.texts]
            try:
                vectors = (embed_many(self.embedder, [p.chunks for p in embedded])
                           if self.embedder is not None and embedded else [None] * len(embedded))
            except Exception as exc:
                log.exception("embedding of %s failed", sorted({p.file_id for p in embedded}))
                for p in live:
                    if p.index not in failed:
                        failed.add(p.index)
                        self._finish(p.store_id, p.file_id, "failed",
                                     {"code": "server_error", "message": str(exc) or type(exc).__name__})
                        results[p.index] = IngestResult("failed")
                return
            by_batch = {id(p): v for p, v in zip(embedded, vectors)}
            for p in live:
                if not self._write(p, by_batch.get(id(p))):
                    failed.add(p.index)
                    results[p.index] = IngestResult("skipped")
                elif p.last:
                    done = self._finish(p.store_id, p.file_id, "completed", None, written=p.written)
                    results[p.index] = IngestResult("completed" if done else "skipped", p.written.chunks, p.pages)

        producer = threading.Thread(target=produce, name="ingest-parse", daemon=True)
        producer.start()
        try:
            tokens = 0
            while True:
                item = ahead.get()
                if item is _END:
                    break
                if isinstance(item, IngestResult):
                    results[item.index] = item
                    failed.add(item.index)
                    continue
                group.append(item)
                tokens += len(item.chunks.spans) or 1
                if tokens >= GROUP_TOKENS or item.last is False:
                    flush()
                    tokens = 0
            if group:
                flush()
        finally:
            stop.set()
            producer.join()
            group.clear()
            release_memory()  # what the parse, chunk and embed buffers held goes back to the system
        return [results.get(i, IngestResult("skipped")) for i in range(len(jobs))]

    def _prepare(self, index: int, store_id: str, file_id: str) -> Iterator[Union[_Prepared, IngestResult]]:
        """Read, parse and chunk one queued file: its chunks in batches, the last one marked (a failure
        is written and yielded as the file's result). The parsed text is stored piece by piece as it
        streams (``store/texts.py``); a file whose text is stored already is read from there instead."""
        with self.db.session() as s:
            row = s.scalar(select(VectorStoreFileRow).where(VectorStoreFileRow.vector_store_id == store_id,
                                                            VectorStoreFileRow.id == file_id))
            file_row = s.scalar(select(FileRow).where(FileRow.id == file_id))
            if row is None or row.status != "in_progress" or file_row is None:
                yield IngestResult("skipped", index=index)
                return
            strategy = row.body.get("chunking_strategy") or {}
            filename = file_row.body["filename"]
            stored = stored_text(s, file_id)
        static = strategy.get("static") or {}
        encoding: Optional[str] = None
        while True:
            written = _Written()  # a new attempt's first batch replaces whatever chunks the file has
            writer: Optional[TextWriter] = None
            stream: Optional[TextStream] = None
            if stored is not None:
                pieces: Iterator[str] = read_pieces(self.db, stored)
            else:
                writer = TextWriter(self.db, file_id)
                stream = TextStream(filename, lambda: self.blobs.stream(file_id), encoding)
                pieces = writer.through(stream)
            try:
                previous: Optional[Chunks] = None
                for chunks in stream_chunks(pieces, self.tokenizer, static.get("max_chunk_size_tokens", 800),
                                            static.get("chunk_overlap_tokens", 400), BATCH_CHUNKS):
                    if previous is not None:
                        yield _Prepared(index, store_id, file_id, previous, written, last=False)
                    previous = chunks
                pages = stream.pages if stream is not None else (stored.pages if stored is not None else None)
                if writer is not None:
                    writer.commit(pages)
                yield _Prepared(index, store_id, file_id, previous or Chunks("", [], [], []), written, last=True,
                                pages=pages or 0)
                return
            except Reencode as again:  # not UTF-8 after all: from the start, in the encoding found
                encoding = again.encoding
                continue
            except ParseError as exc:
                self._finish(store_id, file_id, "failed", {"code": exc.code, "message": exc.message})
                yield IngestResult("failed", index=index)
                return
            except Exception as exc:
                log.exception("ingestion of %s into %s failed", file_id, store_id)
                self._finish(store_id, file_id, "failed",
                             {"code": "server_error", "message": str(exc) or type(exc).__name__})
                yield IngestResult("failed", index=index)
                return
            finally:  # failed, parsed again, or no longer wanted: the pieces written go
                if writer is not None and not writer.done:
                    writer.discard()

    def _write(self, batch: _Prepared, vectors: Optional[np.ndarray]) -> bool:
        """Write one batch of a file's chunks (the file's first batch replaces any chunks it had); False
        when the file is no longer wanted (cancelled, removed, or taken over by another replica)."""
        made_by = embedder_id(self.embedder) if self.embedder is not None and vectors is not None else None
        written = batch.written
        with self.db.session() as s:
            row = s.scalar(select(VectorStoreFileRow).where(VectorStoreFileRow.vector_store_id == batch.store_id,
                                                            VectorStoreFileRow.id == batch.file_id).with_for_update())
            if row is None or row.status != "in_progress" or (row.owner not in (None, self.replica)):
                return False
            if not written.started:
                s.execute(delete(ChunkRow).where(ChunkRow.vector_store_id == batch.store_id,
                                                 ChunkRow.file_id == batch.file_id))
                written.started = True
            rows = []
            for i, chunk in enumerate(batch.chunks.texts):
                blob = vectors[i].astype(np.float32).tobytes() if vectors is not None else None
                written.usage += len(chunk.encode("utf-8")) + (len(blob) if blob else 0)
                rows.append({"vector_store_id": batch.store_id, "file_id": batch.file_id,
                             "position": written.chunks + i, "text": chunk, "embedding": blob,
                             "embedder": made_by if blob else None})
            if rows:  # one multi-row statement, not a round trip per chunk
                s.execute(insert(ChunkRow), rows)
            written.chunks += len(rows)
        if rows:
            self.dense.invalidate(batch.store_id)
        return True

    def _finish(self, store_id: str, file_id: str, status: str, error: Optional[dict[str, Any]], *,
                written: Optional["_Written"] = None) -> bool:
        """The file's status (its chunks are written already); a failed file's chunks go."""
        with self.db.session() as s:
            row = s.scalar(select(VectorStoreFileRow).where(VectorStoreFileRow.vector_store_id == store_id,
                                                            VectorStoreFileRow.id == file_id).with_for_update())
            if row is None or row.status != "in_progress":
                return False
            if status != "completed":
                s.execute(delete(ChunkRow).where(ChunkRow.vector_store_id == store_id, ChunkRow.file_id == file_id))
            row.status = status
            row.owner = None
            row.lease_expires_at = None
            row.usage_bytes = written.usage if written is not None and status == "completed" else 0
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
        self._pool: Optional[ThreadPoolExecutor] = None

    async def start(self) -> None:
        if self.workers <= 0:
            return
        self._loop = asyncio.get_running_loop()
        self._wake = asyncio.Event()
        self._pool = ThreadPoolExecutor(self.workers, thread_name_prefix="ingest")
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
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = None

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
                # on the worker's own threads: a long ingestion never takes a thread requests need
                await asyncio.get_running_loop().run_in_executor(self._pool, self.ingestor.ingest_many, jobs)
            except Exception:
                log.exception("ingestion worker error on %s", jobs)
                await asyncio.sleep(self.poll_seconds)
            finally:
                self._active.difference_update(jobs)
