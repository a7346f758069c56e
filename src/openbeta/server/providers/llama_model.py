"""One GGUF model in llama.cpp: prompt rendering, tokenizing and a token loop.

Everything here is blocking; :mod:`.local` runs it on its worker thread. A prompt that begins like the
one the live context holds reads only the rest (llama-cpp-python matches the prefix); with a
:class:`~.prompt_cache.PromptCache`, the state after each reply is saved (:meth:`LlamaModel.remember`)
and restored for a later prompt that shares more with it than with the live context.
"""

from __future__ import annotations

import codecs
import ctypes
import json
from dataclasses import dataclass
from typing import Any, Callable, Literal, Optional

from .base import ProviderError
from .chat_template import ChatTemplate
from .prompt_cache import PromptCache, SavedState, shared_prefix

StopReason = Literal["eog", "length", "context", "stop", "cancelled", "loop"]

#: Chat-template text that must never reach a message: generation stops before it.
TEMPLATE_MARKERS = ("<tool_call>", "<|im_start|>", "<|im_end|>", "<|endoftext|>", "<|eot_id|>", "<|start_header_id|>",
                    "<tool_response>", "</tool_response>", "</tool_call>", "<|file_sep|>", "<|repo_name|>",
                    "<|fim_prefix|>", "<|fim_middle|>", "<|fim_suffix|>", "<tools>", "</tools>")
#: The loop guard looks at this many trailing characters, every ``LOOP_EVERY`` tokens.
LOOP_WINDOW = 1200
LOOP_EVERY = 8
#: A repeated unit counts as a loop from this many characters of repetition (and 3 copies).
LOOP_MIN_CHARS = 150
#: A saved state is restored only when it spares reading at least this many more tokens than the live context.
RESTORE_GAIN = 16
#: Live contexts shorter than this are not saved.
REMEMBER_FROM = 32


@dataclass
class Generation:
    text: str
    tokens: int
    reason: StopReason
    stopped_by: str = ""  #: the stop string that ended it (reason ``stop``)


@dataclass
class Sampling:
    temperature: float = 0.8
    top_p: float = 0.95


class LlamaModel:
    """A loaded model; ``vocab_only`` loads just the tokenizer and template (for counting)."""

    def __init__(self, path: str, *, context_size: int, vocab_only: bool = False, threads: int = 1,
                 batch_threads: Optional[int] = None, cache: Optional[PromptCache] = None) -> None:
        import llama_cpp

        self._llama_cpp = llama_cpp
        self.cache = cache
        #: Prompt tokens the last :meth:`generate` did not have to read (shared with the state it began from).
        self.reused = 0
        try:
            self.llama = llama_cpp.Llama(model_path=path, n_ctx=context_size, vocab_only=vocab_only,
                                         n_threads=threads, n_threads_batch=batch_threads or threads,
                                         verbose=False)
        except (ValueError, RuntimeError) as exc:
            raise ProviderError(f"Could not load the local model {path}: {exc}") from exc
        meta = self.llama.metadata
        bos, eos = self.llama.token_bos(), self.llama.token_eos()
        self.template = ChatTemplate(
            meta.get("tokenizer.chat_template"),
            bos_token=self.llama._model.token_get_text(bos) if bos != -1 else "",
            eos_token=self.llama._model.token_get_text(eos) if eos != -1 else "",
        )

    def close(self) -> None:
        """Free the model's memory now rather than when it is collected."""
        close = getattr(self.llama, "close", None)
        if close is not None:
            close()

    @property
    def context_size(self) -> int:
        return self.llama.n_ctx()

    def remember(self) -> None:
        """Save the live context's state in the prompt cache (unless it holds it already)."""
        llama = self.llama
        count = llama.n_tokens
        if self.cache is None or self.cache.budget <= 0 or count < REMEMBER_FROM:
            return
        tokens = llama.input_ids[:count].tolist()
        if self.cache.covers(tokens):
            return
        api, ctx = self._llama_cpp, llama._ctx.ctx
        size = api.llama_state_seq_get_size(ctx, 0)
        if size <= 0 or size > self.cache.budget:
            return
        buffer = (ctypes.c_uint8 * size)()
        written = api.llama_state_seq_get_data(ctx, buffer, size, 0)
        if written == size:
            self.cache.store(tokens, buffer)

    def _resume(self, tokens: list[int]) -> None:
        """Before reading ``tokens``: restore the saved state that shares the most with them, when it
        shares clearly more than the live context does."""
        llama = self.llama
        live = shared_prefix(llama.input_ids[:llama.n_tokens], tokens)
        self.reused = live
        if self.cache is None or not len(self.cache):
            return
        saved, shared = self.cache.lookup(tokens)
        if saved is None or shared < live + RESTORE_GAIN or not self._restore(saved):
            return
        self.reused = shared

    def _restore(self, saved: SavedState) -> bool:
        llama, api = self.llama, self._llama_cpp
        llama._ctx.kv_cache_clear()
        llama.n_tokens = 0
        llama._requires_eval = True
        state = saved.state
        if api.llama_state_seq_set_data(llama._ctx.ctx, state, len(state), 0) != len(state):
            llama._ctx.kv_cache_clear()
            return False
        count = len(saved.tokens)
        llama.input_ids[:count] = saved.tokens
        llama.n_tokens = count
        return True

    def render(self, messages: list[dict[str, Any]], functions: list[dict[str, Any]]) -> str:
        return self.template.render(messages, functions)

    def tokenize(self, prompt: str) -> list[int]:
        bos = self.template.bos_token
        add_bos = not (bos and prompt.startswith(bos))
        return self.llama.tokenize(prompt.encode("utf-8"), add_bos=add_bos, special=True)

    def generate(self, prompt: str, *, max_tokens: int, sampling: Sampling,
                 emit: Callable[[str], None], cancelled: Callable[[], bool],
                 schema: Optional[dict[str, Any]] = None, stop: tuple[str, ...] = (),
                 loop_guard: bool = True) -> Generation:
        """Continue ``prompt`` token by token, calling ``emit`` with text as it becomes final.

        ``schema`` constrains the output to JSON matching it; text up to the first
        ``stop`` string (or chat-template marker) is emitted, the stop string itself is not.
        Reasons: ``length`` (``max_tokens``), ``context`` (the context window is full),
        ``loop`` (the text repeats itself; the guard stops it after three copies).
        """
        stop = tuple(stop) + TEMPLATE_MARKERS
        tokens = self.tokenize(prompt)
        room = self.context_size - len(tokens)
        if room <= 0:
            raise ProviderError(
                f"The prompt has {len(tokens)} tokens; the local model's context holds {self.context_size} "
                "(OPENBETA_LOCAL_CONTEXT_SIZE).", code="invalid_prompt")
        limit = min(max_tokens, room)
        full: StopReason = "length" if max_tokens <= room else "context"
        self._resume(tokens)
        grammar = None
        if schema is not None:
            grammar = self._llama_cpp.LlamaGrammar.from_json_schema(json.dumps(schema), verbose=False)
        decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        vocab = self.llama._model.vocab
        pending, emitted, count, stopped_by = "", [], 0, ""
        reason: StopReason = full if limit <= 0 else "eog"

        def send(text: str) -> None:
            if text:
                emitted.append(text)
                emit(text)

        if limit > 0:
            for token in self.llama.generate(tokens, temp=sampling.temperature, top_p=sampling.top_p,
                                             grammar=grammar):
                if self._llama_cpp.llama_vocab_is_eog(vocab, token):
                    break
                count += 1
                pending += decoder.decode(self.llama.detokenize([token]))
                cut = _first_stop(pending, stop)
                if cut is not None:
                    send(pending[:cut])
                    stopped_by = next(s for s in stop if pending.startswith(s, cut))
                    pending, reason = "", "stop"
                    break
                keep = _partial_stop(pending, stop)
                send(pending[:len(pending) - keep])
                pending = pending[len(pending) - keep:]
                if count >= limit:
                    reason = full
                    break
                if loop_guard and count % LOOP_EVERY == 0 and looping("".join(emitted) + pending):
                    reason = "loop"
                    break
                if cancelled():
                    reason = "cancelled"
                    break
        send(pending + decoder.decode(b"", final=True))
        return Generation("".join(emitted), count, reason, stopped_by)


def looping(text: str) -> bool:
    """Whether ``text`` ends in a unit repeated three times or more, over ``LOOP_MIN_CHARS`` at least."""
    tail = text[-LOOP_WINDOW:]
    for period in range(1, len(tail) // 3 + 1):
        copies = max(3, -(-LOOP_MIN_CHARS // period))
        span = period * copies
        if span > len(tail):
            break
        unit = tail[-period:]
        if unit.strip() and tail[-span:] == unit * copies:
            return True
    return False


def _first_stop(text: str, stops: tuple[str, ...]) -> Optional[int]:
    found = [i for i in (text.find(s) for s in stops) if i >= 0]
    return min(found) if found else None


def _partial_stop(text: str, stops: tuple[str, ...]) -> int:
    """Length of the longest tail of ``text`` that could begin a stop string."""
    best = 0
    for stop in stops:
        for size in range(min(len(stop) - 1, len(text)), best, -1):
            if stop.startswith(text[-size:]):
                best = size
                break
    return best
