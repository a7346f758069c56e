"""Helpers the ingestion tests share: a deterministic embedder, queued files, what ingestion wrote."""

from __future__ import annotations

import hashlib

import numpy as np
from sqlalchemy import select

from openbeta.server.blobs import LocalBlobStore
from openbeta.server.retrieval.ingest import Ingestor
from openbeta.server.retrieval.store_index import StoreIndexes
from openbeta.server.retrieval.tokens import WordTokenizer
from openbeta.server.store import Database
from openbeta.server.store.tables import ChunkRow, FileRow, VectorStoreFileRow
from openbeta.server.store.texts import TextWriter

DIM = 16


class Embedder:
    """Deterministic vectors from a salted hash of each chunk's text; counts its calls."""

    def __init__(self, salt: str) -> None:
        self.name = self.id = f"test:{salt}"
        self.salt = salt
        self.calls = 0

    def vector(self, text: str) -> np.ndarray:
        seed = int.from_bytes(hashlib.sha256((self.salt + text).encode()).digest()[:4], "little")
        v = np.random.default_rng(seed).standard_normal(DIM).astype(np.float32)
        return v / np.linalg.norm(v)

    def embed(self, texts):
        return np.stack([self.vector(t) for t in texts])

    def embed_chunks(self, chunks):
        self.calls += 1
        return self.embed(chunks.texts)

    def embed_many(self, docs):
        self.calls += 1
        return [self.embed(doc.texts) for doc in docs]


def queue_file(db: Database, file_id: str, text: str | None, filename: str = "f.txt",
               chunking: dict | None = None, store_id: str = "vs_1") -> None:
    """A file queued for ingestion into ``store_id``; ``text``: its text, stored as if parsed already (None:
    it is parsed from its blob)."""
    with db.session() as s:
        if s.scalar(select(FileRow.id).where(FileRow.id == file_id)) is None:
            s.add(FileRow(id=file_id, purpose="assistants", created_at=0, body={"filename": filename}))
            s.flush()
        s.add(VectorStoreFileRow(id=file_id, vector_store_id=store_id, status="in_progress", usage_bytes=0,
                                 created_at=0, body={"id": file_id, "status": "in_progress",
                                                     "chunking_strategy": chunking}))
    if text is not None:  # parsed already (by an ingestion into another store)
        writer = TextWriter(db, file_id)
        assert list(writer.through([text]))
        assert writer.commit(pages=1)


def ingestor(db: Database, tmp_path, embedder) -> Ingestor:
    return Ingestor(db, LocalBlobStore(tmp_path / "blobs"), WordTokenizer(), embedder, StoreIndexes())


def chunks(db: Database, file_id: str) -> list[tuple[str, bytes | None, str | None]]:
    with db.session() as s:
        return [tuple(r) for r in s.execute(select(ChunkRow.text, ChunkRow.embedding, ChunkRow.embedder)
                                            .where(ChunkRow.file_id == file_id).order_by(ChunkRow.position))]


def status(db: Database, file_id: str, store_id: str = "vs_1") -> tuple[str, dict]:
    with db.session() as s:
        row = s.scalar(select(VectorStoreFileRow).where(VectorStoreFileRow.id == file_id,
                                                        VectorStoreFileRow.vector_store_id == store_id))
        return row.status, row.body.get("last_error")
