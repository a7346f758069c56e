"""The local embedding model on ONNX Runtime: the same weights, exported once into a cache.

The packaged sentence-transformers model (a BERT encoder, mean pooling,
unit-length rows) is exported from its own weights with ``torch.onnx`` the
first time it is needed, and optionally quantized to int8 (dynamic
quantization of the linear layers). The files land in a cache directory
keyed by the weights' size and modification time and the runtime versions,
written under a temporary name and renamed, so a crash or a second process
never sees half a model. After that torch is not imported at all.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
import threading
from pathlib import Path
from typing import Any

import numpy as np

from .embed import LocalEmbedder, normalize
from .tokens import Tokenizer

log = logging.getLogger("openbeta.retrieval")
_EXPORT_LOCK = threading.Lock()


def _model_key(model_dir: Path, quantize: bool) -> str:
    import onnxruntime

    parts = [str(model_dir.resolve()), onnxruntime.__version__, "int8" if quantize else "fp32"]
    for name in ("model.safetensors", "pytorch_model.bin", "config.json"):
        path = model_dir / name
        if path.exists():
            stat = path.stat()
            parts.append(f"{name}:{stat.st_size}:{int(stat.st_mtime)}")
    return hashlib.sha256("|".join(parts).encode()).hexdigest()[:16]


def export_onnx(model_dir: Path, cache_dir: Path, quantize: bool) -> Path:
    """The model as ONNX in ``cache_dir`` (exported and quantized on first call)."""
    target = cache_dir / f"{model_dir.name}-{_model_key(model_dir, quantize)}.onnx"
    with _EXPORT_LOCK:
        if target.exists():
            return target
        cache_dir.mkdir(parents=True, exist_ok=True)
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        import torch
        from transformers import AutoModel

        encoder = AutoModel.from_pretrained(str(model_dir)).eval()

        class Encoder(torch.nn.Module):
            def __init__(self) -> None:
                super().__init__()
                self.encoder = encoder

            def forward(self, input_ids, attention_mask, token_type_ids):  # type: ignore[no-untyped-def]
                return self.encoder(input_ids=input_ids, attention_mask=attention_mask,
                                    token_type_ids=token_type_ids).last_hidden_state

        names = ["input_ids", "attention_mask", "token_type_ids"]
        sample = torch.ones((2, 16), dtype=torch.long)
        with tempfile.TemporaryDirectory(dir=cache_dir) as tmp:
            fp32 = Path(tmp) / "model.onnx"
            log.info("exporting %s to ONNX (once)", model_dir)
            with torch.no_grad():
                torch.onnx.export(Encoder(), (sample, sample, torch.zeros_like(sample)), str(fp32),
                                  input_names=names, output_names=["last_hidden_state"],
                                  dynamic_axes={n: {0: "batch", 1: "tokens"} for n in names + ["last_hidden_state"]},
                                  opset_version=17, dynamo=False)
            out = fp32
            if quantize:
                from onnxruntime.quantization import QuantType, quantize_dynamic

                out = Path(tmp) / "model-int8.onnx"
                quantize_dynamic(str(fp32), str(out), weight_type=QuantType.QInt8)
            os.replace(out, target)
        return target


class OnnxEmbedder(LocalEmbedder):
    """:class:`LocalEmbedder` with the forward passes on ONNX Runtime (float32, or int8 when asked)."""

    runtime = "ONNX Runtime"
    def __init__(self, model_dir: Path, tokenizer: Tokenizer, cache_dir: Path, threads: int = 0,
                 quantize: bool = False) -> None:
        super().__init__(model_dir, tokenizer, threads)
        self.cache_dir = cache_dir
        self.quantize = quantize
        self.name = f"local:{model_dir.name}"  # the same vectors (within quantization noise) as on torch
        self._tok: Any = None
        self._max_len = 256

    def _load(self) -> Any:
        with self._lock:
            if self._model is None:
                import onnxruntime
                from tokenizers import Tokenizer as HFTokenizer

                config = self.model_dir / "sentence_bert_config.json"
                if config.exists():
                    self._max_len = int(json.loads(config.read_text()).get("max_seq_length", 256))
                path = export_onnx(self.model_dir, self.cache_dir, self.quantize)
                options = onnxruntime.SessionOptions()
                options.intra_op_num_threads = self.threads
                options.inter_op_num_threads = 1
                options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_ENABLE_ALL
                session = onnxruntime.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
                tok = HFTokenizer.from_file(str(self.model_dir / "tokenizer.json"))
                tok.enable_truncation(self._max_len)
                tok.no_padding()
                self._tok = tok
                self._model = session
            return self._model

    def _size(self) -> int:
        self._load()
        return max(16, self._max_len - 2)

    def _encode(self, texts: list[str]) -> np.ndarray:
        session = self._load()
        encodings = self._tok.encode_batch(texts)
        order = sorted(range(len(texts)), key=lambda i: len(encodings[i].ids))  # little padding per batch
        out = np.zeros((len(texts), 0), dtype=np.float32)
        for start in range(0, len(order), self.batch_size):
            batch = order[start:start + self.batch_size]
            width = max(len(encodings[i].ids) for i in batch)
            ids = np.zeros((len(batch), width), dtype=np.int64)
            mask = np.zeros((len(batch), width), dtype=np.int64)
            for row, i in enumerate(batch):
                n = len(encodings[i].ids)
                ids[row, :n] = encodings[i].ids
                mask[row, :n] = 1
            hidden = session.run(None, {"input_ids": ids, "attention_mask": mask,
                                        "token_type_ids": np.zeros_like(ids)})[0]
            weights = mask[:, :, None].astype(np.float32)
            pooled = (hidden * weights).sum(axis=1) / np.maximum(weights.sum(axis=1), 1e-9)
            if out.shape[1] == 0:
                out = np.zeros((len(texts), pooled.shape[1]), dtype=np.float32)
            out[batch] = pooled
        return normalize(out)
