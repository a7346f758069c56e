"""``semantic_vad``'s end-of-turn model: Smart Turn v3 on ONNX Runtime.

Smart Turn v3 (Daily, BSD-2-Clause) hears the last 8 seconds of a turn and says how likely the
speaker has finished (a probability; a finished sentence scores high, "...and whether I" low).
The model file, ``smart-turn-v3.2-cpu.onnx`` (8.7 MB), ships inside the PyPI package
``pipecat-ai`` (BSD-2-Clause) at ``pipecat/audio/turn/smart_turn/data/``. openbeta uses only that
file, found through the package's installed metadata (nothing of the package is imported), so
the package is installed without its dependencies: ``pip install --no-deps pipecat-ai==1.14.0``
(its own requirements would downgrade protobuf and soxr and add numba, aiohttp and more).
``OPENBETA_VOICE_TURN_MODEL`` names another copy of the file instead.

Input: 16 kHz mono, the last 8 s (zero-padded at the front when shorter), normalized to zero mean
and unit variance, as Whisper's log-mel features (80 mel bins, n_fft 400, hop 160, 800 frames),
which faster-whisper's feature extractor computes. Output: the probability (already a sigmoid).

Everything here is blocking; :mod:`.voice` runs it on its own worker thread, with one ONNX
Runtime thread, so it does not take the cores from speech to text.
"""

from __future__ import annotations

import importlib.metadata
import logging
import os
from pathlib import Path
from typing import Any, Optional

import numpy as np

log = logging.getLogger("openbeta.realtime")

SAMPLE_RATE = 16000
SECONDS = 8
SAMPLES = SAMPLE_RATE * SECONDS
FRAMES = 800
PACKAGE = "pipecat-ai"
PACKAGE_VERSION = "1.14.0"
MODEL_FILE = "pipecat/audio/turn/smart_turn/data/smart-turn-v3.2-cpu.onnx"
INSTALL_HINT = f"pip install --no-deps {PACKAGE}=={PACKAGE_VERSION}"


def packaged_model_path() -> Optional[str]:
    """The model file inside the installed ``pipecat-ai`` package, or None."""
    try:
        path = importlib.metadata.distribution(PACKAGE).locate_file(MODEL_FILE)
    except importlib.metadata.PackageNotFoundError:
        return None
    return str(path) if os.path.isfile(str(path)) else None


def features(audio: np.ndarray) -> np.ndarray:
    """The model's input for 16 kHz float audio: (1, 80, 800) log-mel features of its last 8 s."""
    from faster_whisper.feature_extractor import FeatureExtractor

    audio = np.asarray(audio, dtype=np.float32)[-SAMPLES:]
    audio = np.pad(audio, (SAMPLES - len(audio), 0))
    audio = (audio - audio.mean()) / np.sqrt(audio.var() + 1e-7)
    extractor = FeatureExtractor(feature_size=80, sampling_rate=SAMPLE_RATE, hop_length=160,
                                 chunk_length=SECONDS, n_fft=400)
    return np.ascontiguousarray(extractor(audio, padding=0)[None, :, :FRAMES], dtype=np.float32)


class SmartTurn:
    """The end-of-turn model, loaded on first use."""

    def __init__(self, model_path: Optional[str] = None) -> None:
        self.model_path = model_path or packaged_model_path()
        self._session: Any = None

    @property
    def available(self) -> bool:
        return bool(self.model_path) and os.path.isfile(self.model_path or "")

    @property
    def missing_reason(self) -> str:
        if self.model_path:
            return f"the end-of-turn model file {self.model_path!r} does not exist (OPENBETA_VOICE_TURN_MODEL)"
        return f"the end-of-turn model (Smart Turn v3) is not installed: {INSTALL_HINT}"

    def load(self) -> Any:
        if self._session is None:
            import onnxruntime

            if not self.available:
                raise FileNotFoundError(self.missing_reason)
            options = onnxruntime.SessionOptions()
            options.intra_op_num_threads = 1
            options.inter_op_num_threads = 1
            self._session = onnxruntime.InferenceSession(str(Path(self.model_path or "")), options,
                                                         providers=["CPUExecutionProvider"])
        return self._session

    def probability(self, audio16k: np.ndarray) -> float:
        """How likely the speaker has finished, from the turn's audio so far (16 kHz float)."""
        session = self.load()
        output = session.run(None, {"input_features": features(audio16k)})[0]
        return float(np.asarray(output).reshape(-1)[0])


__all__ = ["SmartTurn", "packaged_model_path", "features", "INSTALL_HINT"]
