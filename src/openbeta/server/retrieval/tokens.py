"""Token spans for chunking: the embedding model's tokenizer, or a word tokenizer without one."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Optional, Protocol

_WORDS = re.compile(r"\w+|[^\w\s]", re.UNICODE)


class Tokenizer(Protocol):
    name: str

    def spans(self, text: str) -> list[tuple[int, int]]:
        """Character ``(start, end)`` of every token in ``text``."""


class HFTokenizer:
    """A Hugging Face ``tokenizer.json`` (the embedding model's own)."""

    def __init__(self, path: Path) -> None:
        from tokenizers import Tokenizer as _Tokenizer

        self._tok = _Tokenizer.from_file(str(path))
        self._tok.no_truncation()
        self._tok.no_padding()
        self.name = f"hf:{path.parent.name}"

    def spans(self, text: str) -> list[tuple[int, int]]:
        encoding = self._tok.encode(text, add_special_tokens=False)
        return [(a, b) for a, b in encoding.offsets if b > a]


class WordTokenizer:
    """Words and punctuation marks; used only when no model tokenizer is installed."""

    name = "words"

    def spans(self, text: str) -> list[tuple[int, int]]:
        return [m.span() for m in _WORDS.finditer(text)]


def load_tokenizer(model_dir: Optional[Path]) -> Tokenizer:
    if model_dir is not None and (model_dir / "tokenizer.json").exists():
        try:
            return HFTokenizer(model_dir / "tokenizer.json")
        except ImportError:
            pass
    return WordTokenizer()
