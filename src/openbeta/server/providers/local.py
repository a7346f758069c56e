"""The embedded model: llama.cpp in-process via llama-cpp-python.

Which model answers a request: its ``model`` when that names an installed
packaged model (:mod:`.models`: ``qwen2.5-coder-0.5b``, ``qwen2.5-coder-1.5b``,
``smollm2``), else the default (a GGUF path if one is set, else the configured
or first installed packaged model). One model is loaded at a time, lazily, on a
single worker thread that also runs every generation: requests queue first-in
first-out, one generation at a time; a request for another model swaps it in.
Deltas cross to the event loop as tokens arrive; a consumer that stops reading
(a cancelled run) stops its generation at the next token, or drops it from the queue.
llama-cpp-python is imported only when a model is first needed, so a server
without the ``local`` extra starts and serves everything else.

Threads (``OPENBETA_LOCAL_THREADS``; see bench/README.md for the measurements): by default every core
reads prompts and writes tokens, and before llama.cpp loads, its OpenMP runtime is told to sleep rather
than spin while it waits (``OMP_WAIT_POLICY=PASSIVE``, unless the environment says otherwise). Spinning
threads on a machine doing anything else (the embedder, voice, the event loop, another process) make
writing collapse (a tenth of its speed on a shared 2-core machine); sleeping ones lose only the share of
the CPU the other work takes. If the OpenMP runtime was loaded before the policy could be set (another
library in the process), writing keeps to one thread, which never waits for another.
"""

from __future__ import annotations

import asyncio
import os
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any, AsyncIterator, Callable, Optional, Union

from . import models as catalog
from ..worker_stream import stream_from_worker
from .base import ChatRequest, Delta, ProviderError

if TYPE_CHECKING:
    from .llama_model import LlamaModel

INSTALL_HINT = "The embedded local model is not installed: pip install 'openbeta[local]'"
CLOSING = "The local model is shutting down."
#: Memory for saved prompt states of the loaded model (``OPENBETA_LOCAL_PROMPT_CACHE_MB``).
DEFAULT_PROMPT_CACHE_BYTES = 256 * 1024 * 1024


def _chat() -> Any:
    """:mod:`.local_chat`, whose dependencies (llama-cpp-python, jinja2) come with the extra."""
    wait_passively()
    try:
        from . import local_chat
        import llama_cpp  # noqa: F401
    except ImportError as exc:
        raise ProviderError(INSTALL_HINT + ".") from exc
    return local_chat


def cpu_threads() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def openmp_loaded() -> bool:
    """Whether an OpenMP runtime is already in this process (it read its environment when it loaded)."""
    try:
        with open("/proc/self/maps") as maps:
            return any("libgomp.so" in line or "libomp.so" in line for line in maps)
    except OSError:
        return False


_PASSIVE: Optional[bool] = None


def wait_passively() -> bool:
    """Set ``OMP_WAIT_POLICY=PASSIVE`` for llama.cpp's OpenMP runtime unless the environment sets a policy;
    whether waiting threads sleep (the policy is passive and was in place when the runtime loaded)."""
    global _PASSIVE
    if _PASSIVE is None:
        if "OMP_WAIT_POLICY" in os.environ:
            _PASSIVE = os.environ["OMP_WAIT_POLICY"].strip().upper() == "PASSIVE"
        elif openmp_loaded():
            _PASSIVE = False  # too late to ask: something loaded the runtime with its defaults
        else:
            os.environ["OMP_WAIT_POLICY"] = "PASSIVE"
            _PASSIVE = True
    return _PASSIVE


def thread_counts(configured: int) -> tuple[int, int]:
    """``(writing, reading)`` threads: ``configured`` for both, or by default every core for both (one to
    write while threads may spin)."""
    if configured:
        return configured, configured
    cores = cpu_threads()
    return (cores if wait_passively() else 1), cores


class LocalProvider:
    name = "local"

    def __init__(self, model_path: Optional[str] = None, *, context_size: int = 8192, default_model: str = "auto",
                 cache_dir: Optional[Path] = None, threads: int = 0, max_output_tokens: int = 2048,
                 prompt_cache_bytes: int = DEFAULT_PROMPT_CACHE_BYTES) -> None:
        self.model_path = model_path
        self.context_size = context_size
        self.default_model = default_model
        self.cache_dir = cache_dir or catalog.default_cache_dir()
        self.threads, self.batch_threads = thread_counts(threads)
        self.max_output_tokens = max_output_tokens
        self.prompt_cache_bytes = prompt_cache_bytes
        self._worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="openbeta-local-model")
        self._model: Optional[LlamaModel] = None
        self._model_key: Optional[str] = None
        self._vocab: dict[str, LlamaModel] = {}
        self._vocab_lock = threading.Lock()
        self._closed = threading.Event()

    def default(self) -> Union[str, catalog.PackagedModel]:
        """The default model: the GGUF path if set, else the configured or first installed packaged model."""
        if self.model_path:
            return self.model_path
        chosen = catalog.lookup(self.default_model) if self.default_model != "auto" else None
        if chosen is not None and catalog.part_files(chosen) is not None:
            return chosen
        if self.default_model not in ("auto", "") and chosen is None:
            raise ProviderError(f"OPENBETA_LOCAL_MODEL names no packaged model: {self.default_model!r} "
                                f"(known: {', '.join(m.name for m in catalog.CATALOG)}).")
        available = catalog.installed()
        if chosen is not None:
            raise ProviderError(f"The model {chosen.name} is not installed: pip install 'openbeta[{chosen.extra}]'.")
        if not available:
            raise ProviderError(INSTALL_HINT + " (or set OPENBETA_LOCAL_MODEL_PATH to a GGUF file).")
        return available[0]

    def choose(self, name: Optional[str]) -> Union[str, catalog.PackagedModel]:
        """The model a request's ``model`` picks: an installed packaged model by name, else the default."""
        named = catalog.lookup(name)
        if named is not None and catalog.part_files(named) is not None:
            return named
        return self.default()

    async def models(self) -> list[str]:
        """The default (its name, or the file name of ``OPENBETA_LOCAL_MODEL_PATH``), then the other
        installed packaged models; none when no model is installed. Any other name runs the default."""
        try:
            chosen = self.default()
        except ProviderError:
            return []
        first = os.path.basename(chosen) if isinstance(chosen, str) else chosen.name
        return [first, *(m.name for m in catalog.installed() if m is not chosen)]

    def describe(self) -> str:
        """One line naming the default model (for start-up), without loading it."""
        try:
            chosen = self.default()
        except ProviderError as exc:
            return f"local, no model: {exc.message}"
        others = [m.name for m in catalog.installed() if m is not chosen]
        name = chosen if isinstance(chosen, str) else f"{chosen.name} ({chosen.title})"
        also = f"; also installed: {', '.join(others)}" if others else ""
        return (f"local llama.cpp, default model {name}, {self.threads} thread(s) writing, {self.batch_threads} "
                f"reading{also}")

    def _path(self, chosen: Union[str, catalog.PackagedModel]) -> str:
        if isinstance(chosen, str):
            if not os.path.isfile(chosen):
                raise ProviderError(f"The local model file {chosen!r} does not exist (OPENBETA_LOCAL_MODEL_PATH).")
            return chosen
        try:
            return str(catalog.model_file(chosen, self.cache_dir))
        except (catalog.ModelFileError, OSError) as exc:
            raise ProviderError(str(exc)) from exc

    def _load(self, path: str, vocab_only: bool) -> "LlamaModel":
        chat = _chat()
        cache = None if vocab_only else chat.PromptCache(self.prompt_cache_bytes)
        return chat.LlamaModel(path, context_size=self.context_size, vocab_only=vocab_only, threads=self.threads,
                               batch_threads=self.batch_threads, cache=cache)

    def model(self, name: Optional[str] = None) -> "LlamaModel":
        """The loaded model ``name`` picks (swapping out another); call on the worker thread only."""
        path = self._path(self.choose(name))
        if self._model is None or self._model_key != path:
            if self._model is not None:
                self._model.close()
                self._model = None
            self._model = self._load(path, vocab_only=False)
            self._model_key = path
        return self._model

    async def load(self, name: Optional[str] = None) -> None:
        """Load a model now (for start-up) rather than on the first request."""
        await asyncio.get_running_loop().run_in_executor(self._worker, self.model, name)

    async def stream(self, request: ChatRequest) -> AsyncIterator[Delta]:
        def run(emit: Callable[[Delta], None], stopped: Callable[[], bool]) -> None:
            try:
                if not self._closed.is_set():
                    model = self.model(request.model)
                    _chat().answer(model, request, emit, lambda: stopped() or self._closed.is_set(),
                                   default_budget=self.max_output_tokens)
                    model.remember()  # after the last delta: the reply is out before the state is saved
            except ProviderError:
                raise
            except Exception as exc:  # a model runtime failure ends this run, not the server
                raise ProviderError(f"The local model failed: {exc}") from exc
            if self._closed.is_set():
                raise ProviderError(CLOSING)

        if self._closed.is_set():
            raise ProviderError(CLOSING)
        async for delta in stream_from_worker(self._worker, run):
            yield delta

    def forget_prompts(self) -> None:
        """Drop the loaded model's saved prompt states and its live context (benchmarks start cold with it)."""
        def forget() -> None:
            if self._model is not None:
                if self._model.cache is not None:
                    self._model.cache.clear()
                self._model.llama.reset()

        self._worker.submit(forget).result()

    def count_tokens(self, request: ChatRequest) -> int:
        with self._vocab_lock:
            path = self._path(self.choose(request.model))
            if path not in self._vocab:
                self._vocab[path] = self._load(path, vocab_only=True)
            vocab = self._vocab[path]
            return len(vocab.tokenize(_chat().prompt_for(vocab, request)))

    async def aclose(self) -> None:
        """Stop running generations, fail queued ones, then free the model."""
        self._closed.set()
        await asyncio.get_running_loop().run_in_executor(None, self._worker.shutdown, True)
        if self._model is not None:
            self._model.close()
        self._model = None
