"""Saved model states for prompts the embedded model has read, so a shared prefix is read once.

A run calls the model several times on prompts that begin alike (the tool call, then the answer after
the tool's results), the next turn of a thread begins with the whole of the last one, and every thread
of an assistant begins with its instructions and tools. llama.cpp keeps one live context: a prompt that
begins like the one it holds reads only the rest (:meth:`LlamaModel.generate`). Other requests in
between replace it, so after each reply the live context's state (its tokens and their key/value
cells) is saved here; a later prompt that shares a longer prefix with a saved state than with the live
context restores that state first, and reads only what follows the shared part.

Bookkeeping only (no llama.cpp): least recently used first out, within a byte budget. A state whose
tokens begin another's is dropped when the longer one is saved (the longer one serves every prompt the
shorter would), and a state larger than the whole budget is not kept.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from typing import Any, Optional, Sequence

import numpy as np


def shared_prefix(a: Sequence[int], b: Sequence[int]) -> int:
    """How many leading tokens ``a`` and ``b`` have in common."""
    n = min(len(a), len(b))
    if n == 0:
        return 0
    left, right = np.asarray(a[:n], dtype=np.int64), np.asarray(b[:n], dtype=np.int64)
    differ = np.flatnonzero(left != right)
    return int(differ[0]) if differ.size else n


@dataclass(frozen=True)
class SavedState:
    tokens: tuple[int, ...]
    state: Any  #: llama.cpp's sequence state for exactly ``tokens`` (bytes, or a ctypes byte array)

    @property
    def size(self) -> int:
        return len(self.state) + 4 * len(self.tokens)


class PromptCache:
    """Saved states by token sequence, least recently used first out, within ``budget`` bytes."""

    def __init__(self, budget: int, max_entries: int = 256) -> None:
        self.budget = budget
        self.max_entries = max_entries
        self._entries: OrderedDict[tuple[int, ...], SavedState] = OrderedDict()
        self.used = 0
        self.hits = 0
        self.misses = 0

    def __len__(self) -> int:
        return len(self._entries)

    def lookup(self, tokens: Sequence[int]) -> tuple[Optional[SavedState], int]:
        """The saved state sharing the longest prefix with ``tokens`` and that length (``(None, 0)``: none
        shares any); a state found is marked recently used."""
        best, best_shared = None, 0
        for saved in self._entries.values():
            shared = shared_prefix(saved.tokens, tokens)
            if shared > best_shared:
                best, best_shared = saved, shared
        if best is None:
            self.misses += 1
            return None, 0
        self.hits += 1
        self._entries.move_to_end(best.tokens)
        return best, best_shared

    def covers(self, tokens: Sequence[int]) -> bool:
        """Whether a saved state already holds ``tokens`` (it is, or begins with, them)."""
        wanted = tuple(tokens)
        return any(saved.tokens[:len(wanted)] == wanted for saved in self._entries.values())

    def store(self, tokens: Sequence[int], state: Any) -> bool:
        """Save ``state`` for ``tokens``; False when it is larger than the whole budget (not kept)."""
        saved = SavedState(tuple(tokens), state)
        if saved.size > self.budget:
            return False
        for key in [k for k in self._entries if saved.tokens[:len(k)] == k]:  # covered by the new one
            self._drop(key)
        self._entries[saved.tokens] = saved
        self.used += saved.size
        while self.used > self.budget or len(self._entries) > self.max_entries:
            self._drop(next(iter(self._entries)))
        return True

    def clear(self) -> None:
        self._entries.clear()
        self.used = 0

    def _drop(self, key: tuple[int, ...]) -> None:
        self.used -= self._entries.pop(key).size
