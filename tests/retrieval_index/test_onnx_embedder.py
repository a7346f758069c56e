"""The default local embedder (ONNX Runtime, exported from the packaged weights) gives torch's vectors."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("onnxruntime")
pytest.importorskip("onnx")
pytest.importorskip("sentence_transformers")

from openbeta.server.retrieval.embed import LocalEmbedder, local_model_dir  # noqa: E402
from openbeta.server.retrieval.embedders import build_embedder  # noqa: E402
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


def test_the_first_export_keeps_the_tools_chatter_out_of_the_log(tmp_path, caplog, capfd, recwarn):
    """Exporting and quantizing (a server's first upload) logs its two lines, not the exporter's
    TracerWarnings, transformers' progress bar, nor ONNX Runtime's line per fused node and per tensor."""
    import logging

    from openbeta.server.retrieval.onnx_embed import export_onnx

    model_dir = local_model_dir(Settings())
    if model_dir is None:
        pytest.skip("no local embedding model installed")
    caplog.set_level(logging.DEBUG)
    path = export_onnx(model_dir, tmp_path, quantize=True)
    assert path.exists()
    lines = [(r.name, r.levelname, r.getMessage()) for r in caplog.records]
    assert [m.split(" ")[0] for n, _, m in lines if n == "openbeta.retrieval"] == ["exporting", "quantizing"]
    assert [line for line in lines if line[0] != "openbeta.retrieval"] == []
    # (DeprecationWarnings, which a server does not show, aside: torch's note that this exporter is the legacy one)
    shown = [w for w in recwarn if not issubclass(w.category, DeprecationWarning)]
    assert [(w.category.__name__, str(w.message)[:300]) for w in shown] == []
    assert "Loading weights" not in capfd.readouterr().err


def test_real_warnings_of_the_quantizer_still_pass():
    import logging
    import os

    import onnxruntime

    from openbeta.server.retrieval.onnx_embed import _QuantizerChatter

    package = os.path.dirname(onnxruntime.__file__)
    chatter = _QuantizerChatter(package)

    def record(path: str, level: int, message: str) -> logging.LogRecord:
        return logging.LogRecord("root", level, os.path.join(path, "quantization", "x.py"), 1, message, None, None)

    assert not chatter.filter(record(package, logging.INFO, "Quantization parameters for tensor: x"))
    assert not chatter.filter(record(package, logging.WARNING, "Please consider to run pre-processing before quantization. Refer to ..."))
    assert chatter.filter(record(package, logging.WARNING, "the model has no node to quantize"))
    assert chatter.filter(record("/elsewhere", logging.INFO, "an INFO line of another library"))
