"""Ingestion's fast paths keep their guarantees: several files at once still end file by file with
their own status; chunks record the embedder that made their vectors, and a store embedded by
another embedder (or before embedders were recorded) is embedded again, never mixed; the int8
model is a different embedder from the float one, close to it."""

from __future__ import annotations

import json

import httpx
import numpy as np
import pytest
from sqlalchemy import update

from ingest_support import Embedder as _Embedder
from ingest_support import chunks as _chunks
from ingest_support import ingestor as _ingestor
from ingest_support import queue_file as _queue
from ingest_support import status as _status
from openbeta.server.retrieval.chunk import split
from openbeta.server.retrieval.embed import RemoteEmbedder, embedder_id
from openbeta.server.retrieval.store_index import StoreIndexes
from openbeta.server.retrieval.tokens import WordTokenizer
from openbeta.server.store.tables import ChunkRow


SMALL = {"type": "static", "static": {"max_chunk_size_tokens": 100, "chunk_overlap_tokens": 50}}


def test_many_files_at_once_end_file_by_file(db, tmp_path):
    """Files taken together: small ones share one embedding call, each file gets its own status,
    a broken one fails alone, an empty one completes with no chunks, and every chunk is embedded."""
    embedder = _Embedder("a")
    texts = {f"file-{i}": " ".join(f"word{i}x{j}" for j in range(40 + 30 * i)) for i in range(4)}
    for fid, text in texts.items():
        _queue(db, fid, text, chunking=SMALL)
    _queue(db, "file-empty", "   ")
    _queue(db, "file-broken", None, filename="broken.pdf")
    (tmp_path / "blobs").mkdir()
    (tmp_path / "blobs" / "file-broken").write_bytes(b"not a pdf at all")
    ingestor = _ingestor(db, tmp_path, embedder)
    jobs = [("vs_1", "file-0"), ("vs_1", "file-broken"), ("vs_1", "file-1"), ("vs_1", "file-empty"),
            ("vs_1", "file-2"), ("vs_1", "file-3")]
    results = ingestor.ingest_many(jobs)
    assert [r.status for r in results] == ["completed", "failed", "completed", "completed", "completed", "completed"]
    assert embedder.calls == 1  # four small texts, one model call
    assert _status(db, "file-broken")[0] == "failed" and _status(db, "file-broken")[1]["code"]
    assert _status(db, "file-empty") == ("completed", None) and _chunks(db, "file-empty") == []
    for fid, text in texts.items():
        assert _status(db, fid) == ("completed", None)
        expected = split(text, WordTokenizer(), 100, 50).texts
        rows = _chunks(db, fid)
        assert [t for t, _, _ in rows] == expected
        assert results[[j for _, j in jobs].index(fid)].chunks == len(expected)
        for t, blob, made_by in rows:
            assert made_by == "test:a"
            assert np.allclose(np.frombuffer(blob, dtype=np.float32), embedder.vector(t))


def test_a_failed_embedding_fails_its_files_only(db, tmp_path):
    class Broken(_Embedder):
        def embed_many(self, docs):
            raise RuntimeError("model exploded")

    _queue(db, "file-a", "alpha beta gamma")
    ingestor = _ingestor(db, tmp_path, Broken("b"))
    assert [r.status for r in ingestor.ingest_many([("vs_1", "file-a")])] == ["failed"]
    assert _status(db, "file-a") == ("failed", {"code": "server_error", "message": "model exploded"})


def test_vectors_of_another_embedder_are_embedded_again(db, tmp_path):
    """A store embedded by A, served by B: its files are queued again with their old vectors
    dropped at once (lexical search keeps them), then embedded by B; none of A's vectors remain."""
    _queue(db, "file-a", " ".join(f"apple{j}" for j in range(120)), chunking=SMALL)
    _queue(db, "file-b", "pear plum quince")
    a = _Embedder("a")
    assert [r.status for r in _ingestor(db, tmp_path, a).ingest_many([("vs_1", "file-a"), ("vs_1", "file-b")])] \
        == ["completed", "completed"]
    with db.session() as s:  # a chunk from before embedders were recorded
        s.execute(update(ChunkRow).where(ChunkRow.file_id == "file-b").values(embedder=None))
    b = _Embedder("b")
    ingestor = _ingestor(db, tmp_path, b)
    assert ingestor.requeue_foreign() == 2
    indexes = StoreIndexes()
    for fid in ("file-a", "file-b"):
        assert _status(db, fid)[0] == "in_progress"
        assert all(blob is None and made_by is None for _, blob, made_by in _chunks(db, fid))
    with db.session() as s:  # the index holds no vector of A, and still finds the text
        index = indexes.get(s, "vs_1")
        assert index.dense(a.vector("pear plum quince"), 5) == []
        assert len(index.lexical("quince", 5)) == 1
    assert ingestor.requeue_foreign() == 0  # nothing left to drop
    results = ingestor.ingest_many(ingestor.pending())
    assert [r.status for r in results] == ["completed", "completed"]
    for fid in ("file-a", "file-b"):
        rows = _chunks(db, fid)
        assert rows and all(made_by == "test:b" for _, _, made_by in rows)
        for t, blob, _ in rows:
            assert np.allclose(np.frombuffer(blob, dtype=np.float32), b.vector(t))
    with db.session() as s:
        hits = indexes.get(s, "vs_1").dense(b.vector("pear plum quince"), 1)
        assert hits and hits[0][1] > 0.99
    assert ingestor.requeue_foreign() == 0
    assert _ingestor(db, tmp_path, None).requeue_foreign() == 0  # lexical only: vectors kept as they are


def test_remote_embedder_batches_across_files():
    """Several files' chunks go to ``/embeddings`` in full requests and come back split per file."""
    seen: list[int] = []

    def handler(request: httpx.Request) -> httpx.Response:
        inputs = json.loads(request.content)["input"]
        seen.append(len(inputs))
        data = [{"index": i, "embedding": [float(len(t)), 1.0]} for i, t in enumerate(inputs)]
        return httpx.Response(200, json={"data": data})

    remote = RemoteEmbedder("http://x/v1", "m", None)
    remote._client = httpx.Client(base_url="http://x/v1", transport=httpx.MockTransport(handler))
    tok = WordTokenizer()
    docs = [split(" ".join(["w"] * n), tok, 10, 5) for n in (3, 30, 12)]
    out = remote.embed_many(docs)
    assert seen == [sum(len(d.texts) for d in docs)]
    assert [len(v) for v in out] == [len(d.texts) for d in docs]
    assert embedder_id(remote) == "remote:m"


def test_int8_model_is_its_own_embedder_close_to_float(tmp_path):
    pytest.importorskip("onnxruntime")
    pytest.importorskip("sentence_transformers")
    from openbeta.server.retrieval.embed import local_model_dir
    from openbeta.server.retrieval.embedders import build_embedder
    from openbeta.server.retrieval.tokens import load_tokenizer
    from openbeta.server.settings import Settings

    model_dir = local_model_dir(Settings())
    if model_dir is None:
        pytest.skip("no local embedding model installed")
    tokenizer = load_tokenizer(model_dir)
    default = build_embedder(Settings(data_dir=tmp_path), tokenizer)
    fp32 = build_embedder(Settings(data_dir=tmp_path, embeddings_runtime="onnx"), tokenizer)
    assert default.quantize and not fp32.quantize
    assert embedder_id(default) != embedder_id(fp32)
    texts = ["The cooper makes barrels in Eastmere.", "Invoices are due within 30 days.",
             " ".join(["a long text that needs several windows"] * 80)]
    a, b = default.embed(texts), fp32.embed(texts)
    assert np.allclose(np.linalg.norm(a, axis=1), 1.0, atol=1e-5)
    assert (a * b).sum(axis=1).min() > 0.97
