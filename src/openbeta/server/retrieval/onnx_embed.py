"""The local embedding model on ONNX Runtime: the same weights, exported once into a cache.

The packaged sentence-transformers model (a BERT encoder, mean pooling,
unit-length rows) is exported from its own weights with ``torch.onnx`` the
first time it is needed (eager attention, so ONNX Runtime's transformer
optimizer fuses each layer's attention, GELU and layer norms into single
kernels), and by default quantized to int8: dynamic quantization of the
linear layers and attention with one scale per output channel, which keeps
the vectors within cosine ~0.99 of float32 (one scale per tensor drifts to
~0.90 and costs retrieval quality; see bench/README.md). The quantized model
is checked against the float one on fixed sentences before it is kept. The
files land in a cache directory keyed by the weights' size and modification
time, the runtime versions and the recipe, written under a temporary name
and renamed, so a crash or a second process never sees half a model. After
that torch is not imported at all. Nothing is downloaded.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import sys
import tempfile
import threading
import warnings
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

import numpy as np

from .embed import LocalEmbedder, normalize
from .tokens import Tokenizer

log = logging.getLogger("openbeta.retrieval")
_EXPORT_LOCK = threading.Lock()
#: Bumped whenever the export or quantization recipe changes: new cache files, a new embedder id.
RECIPE = "fused-v2"
#: The int8 model must stay this close (cosine, every check sentence) to the float one to be kept.
MIN_INT8_COSINE = 0.97
_CHECK_TEXTS = ["The miller grinds grain for the whole valley.", "short",
                "Ein Satz auf Deutsch, bitte.", "Invoices are due within 30 days of delivery; late fees apply.",
                " ".join(["a longer text that fills more of the model's window"] * 20)]


#: The quantizer's advice to pre-process the model first: the int8 check below stands in for it.
_PREPROCESS_ADVICE = "Please consider to run pre-processing before quantization"


class _QuantizerChatter(logging.Filter):
    """What ONNX Runtime's quantizer logs on the root logger (itself): a line per tensor at INFO, and its
    pre-processing advice. Its other warnings, and everything else logged on the root logger, pass."""

    def __init__(self, package_dir: str) -> None:
        super().__init__()
        self.package_dir = package_dir

    def filter(self, record: logging.LogRecord) -> bool:
        if not record.pathname.startswith(self.package_dir):
            return True
        return record.levelno >= logging.WARNING and not record.getMessage().startswith(_PREPROCESS_ADVICE)


@contextmanager
def _quiet_tools() -> Iterator[None]:
    """Keep the export's and the quantizer's chatter out of the server's log, at its sources, while they run:
    transformers' progress bar while it loads the weights, torch's ``TracerWarning``s and its note on how
    opset 17 exports advanced indexing, the optimizer's line per fused node (its modules' loggers are set to
    WARNING for good: nothing else uses them) and the quantizer's (above). Real warnings pass."""
    import onnxruntime
    import onnxruntime.transformers.optimizer  # noqa: F401  (imports the modules whose loggers are quieted)
    import torch
    from transformers.utils import logging as transformers_logging

    package_dir = os.path.dirname(onnxruntime.__file__)
    _quiet_optimizer_loggers(package_dir)
    chatter = _QuantizerChatter(package_dir)
    root = logging.getLogger()
    bars = transformers_logging.is_progress_bar_enabled()
    transformers_logging.disable_progress_bar()
    root.addFilter(chatter)
    try:
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", category=torch.jit.TracerWarning)
            warnings.filterwarnings("ignore", message="Exporting aten::index operator", category=UserWarning)
            yield
    finally:
        root.removeFilter(chatter)
        if bars:
            transformers_logging.enable_progress_bar()


def _quiet_optimizer_loggers(package_dir: str) -> None:
    """ONNX Runtime's transformer optimizer imports its modules by their bare names (``onnx_model``,
    ``fusion_base`` ...), each logging on a logger of that name: those loggers keep their warnings only."""
    for name, module in list(sys.modules.items()):
        if (getattr(module, "__file__", None) or "").startswith(package_dir) and \
                name in logging.root.manager.loggerDict:
            logging.getLogger(name).setLevel(logging.WARNING)


def _model_key(model_dir: Path, quantize: bool) -> str:
    import onnxruntime

    parts = [str(model_dir.resolve()), onnxruntime.__version__, RECIPE, "int8" if quantize else "fp32"]
    for name in ("model.safetensors", "pytorch_model.bin", "config.json"):
        path = model_dir / name
        if path.exists():
            stat = path.stat()
            parts.append(f"{name}:{stat.st_size}:{int(stat.st_mtime)}")
    return hashlib.sha256("|".join(parts).encode()).hexdigest()[:16]


def _session(path: Path, threads: int) -> Any:
    import onnxruntime

    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    # Threads that sleep instead of spinning between kernels: on a machine shared with other work,
    # spinning threads only take cores from it.
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_ENABLE_ALL
    return onnxruntime.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])


def _mean_pooled(session: Any, tokenizer: Any, texts: list[str]) -> np.ndarray:
    rows = []
    for encoding in tokenizer.encode_batch(texts):
        ids = np.asarray([encoding.ids], dtype=np.int64)
        hidden = session.run(None, {"input_ids": ids, "attention_mask": np.ones_like(ids),
                                    "token_type_ids": np.zeros_like(ids)})[0]
        rows.append(hidden[0].mean(axis=0))
    return normalize(np.asarray(rows))


def verify_int8(float_path: Path, int8_path: Path, model_dir: Path) -> float:
    """The smallest cosine between the float and the int8 model's vectors on fixed sentences."""
    from tokenizers import Tokenizer as HFTokenizer

    tokenizer = HFTokenizer.from_file(str(model_dir / "tokenizer.json"))
    tokenizer.enable_truncation(256)
    tokenizer.no_padding()
    a = _mean_pooled(_session(float_path, 1), tokenizer, _CHECK_TEXTS)
    b = _mean_pooled(_session(int8_path, 1), tokenizer, _CHECK_TEXTS)
    return float((a * b).sum(axis=1).min())


def export_onnx(model_dir: Path, cache_dir: Path, quantize: bool) -> Path:
    """The model as ONNX in ``cache_dir`` (exported, fused and quantized on first call)."""
    with _EXPORT_LOCK:
        target = cache_dir / f"{model_dir.name}-{_model_key(model_dir, quantize)}.onnx"
        if target.exists():
            return target
        with _quiet_tools():
            return _export(model_dir, cache_dir, quantize)


def _export(model_dir: Path, cache_dir: Path, quantize: bool) -> Path:
    source = _export_float(model_dir, cache_dir)
    if not quantize:
        return source
    target = cache_dir / f"{model_dir.name}-{_model_key(model_dir, True)}.onnx"
    if target.exists():
        return target
    with tempfile.TemporaryDirectory(dir=cache_dir) as tmp:
        import onnx
        from onnxruntime.quantization import QuantType, quantize_dynamic

        out = Path(tmp) / "model-int8.onnx"
        log.info("quantizing %s to int8 (once)", model_dir)
        quantize_dynamic(str(source), str(out), weight_type=QuantType.QInt8, per_channel=True,
                         extra_options={"DefaultTensorType": onnx.TensorProto.FLOAT})
        cosine = verify_int8(source, out, model_dir)
        if cosine < MIN_INT8_COSINE:
            raise RuntimeError(f"the int8 model of {model_dir.name} drifted from the float one (cosine "
                               f"{cosine:.3f} < {MIN_INT8_COSINE}); set OPENBETA_EMBEDDINGS_RUNTIME=onnx")
        os.replace(out, target)
    return target


def _export_float(model_dir: Path, cache_dir: Path) -> Path:
    target = cache_dir / f"{model_dir.name}-{_model_key(model_dir, False)}.onnx"
    if target.exists():
        return target
    cache_dir.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    import torch
    from transformers import AutoConfig, AutoModel

    config = AutoConfig.from_pretrained(str(model_dir))
    # Eager attention exports the plain matmul/softmax pattern the optimizer fuses (SDPA's does not fuse).
    encoder = AutoModel.from_pretrained(str(model_dir), attn_implementation="eager").eval()

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
        raw = Path(tmp) / "model.onnx"
        log.info("exporting %s to ONNX (once)", model_dir)
        with torch.no_grad():
            torch.onnx.export(Encoder(), (sample, sample, torch.zeros_like(sample)), str(raw),
                              input_names=names, output_names=["last_hidden_state"],
                              dynamic_axes={n: {0: "batch", 1: "tokens"} for n in names + ["last_hidden_state"]},
                              opset_version=17, dynamo=False)
        from onnxruntime.transformers.optimizer import optimize_model

        fused = optimize_model(str(raw), model_type="bert", num_heads=int(config.num_attention_heads),
                               hidden_size=int(config.hidden_size), opt_level=0)
        out = Path(tmp) / "model-fused.onnx"
        fused.save_model_to_file(str(out))
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
        # The float model gives torch's vectors (cosine 1.0000), so it keeps their id; int8 vectors differ
        # a little and get their own, so the two are never mixed in one store (see ingest.py).
        if quantize:
            self.id += f":int8-{RECIPE}"
        self._tok: Any = None
        self._max_len = 256

    def _load(self) -> Any:
        with self._lock:
            if self._model is None:
                from tokenizers import Tokenizer as HFTokenizer

                config = self.model_dir / "sentence_bert_config.json"
                if config.exists():
                    self._max_len = int(json.loads(config.read_text()).get("max_seq_length", 256))
                session = _session(export_onnx(self.model_dir, self.cache_dir, self.quantize), self.threads)
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
