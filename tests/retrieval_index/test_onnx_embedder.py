"""The default local embedder (ONNX Runtime, exported from the packaged weights) gives torch's vectors."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("onnxruntime")
pytest.importorskip("onnx")
pytest.importorskip("sentence_transformers")

from openbeta.server.retrieval.embed import LocalEmbedder, build_embedder, local_model_dir  # noqa: E402
from openbeta.server.retrieval.onnx_embed import OnnxEmbedder  # noqa: E402
from openbeta.server.retrieval.tokens import load_tokenizer  # noqa: E402
from openbeta.server.settings import Settings  # noqa: E402


def test_onnx_float32_matches_torch(tmp_path):
    model_dir = local_model_dir(Settings())
    if model_dir is None:
        pytest.skip("no local embedding model installed")
    tokenizer = load_tokenizer(model_dir)
    onnx = build_embedder(Settings(data_dir=tmp_path, embeddings_runtime="onnx"), tokenizer)
    assert isinstance(onnx, OnnxEmbedder) and not onnx.quantize
    torch = LocalEmbedder(model_dir, tokenizer)
    texts = ["The miller grinds grain for the whole valley.", "short", "Ein Satz auf Deutsch, bitte.",
             " ".join(["a long text that needs several windows"] * 120)]
    a, b = onnx.embed(texts), torch.embed(texts)
    assert a.shape == b.shape
    assert np.allclose(np.linalg.norm(a, axis=1), 1.0, atol=1e-5)
    assert (a * b).sum(axis=1).min() > 0.999
