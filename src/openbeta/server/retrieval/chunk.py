"""Token windows over a text: ``max_tokens`` long, each overlapping the last by ``overlap``."""

from __future__ import annotations

from dataclasses import dataclass

from .tokens import Tokenizer

AUTO_MAX_TOKENS = 800
AUTO_OVERLAP_TOKENS = 400


@dataclass
class Chunks:
    """A text's chunks: their texts, and the token ranges ``[start, end)`` they cover in ``spans``."""

    text: str
    spans: list[tuple[int, int]]
    ranges: list[tuple[int, int]]
    texts: list[str]


def chunk_ranges(n_tokens: int, max_tokens: int, overlap: int) -> list[tuple[int, int]]:
    """Token ranges of the chunks over ``n_tokens`` tokens, covering every token."""
    step = max(1, max_tokens - overlap)
    ranges = []
    start = 0
    while True:
        ranges.append((start, min(start + max_tokens, n_tokens)))
        if start + max_tokens >= n_tokens:
            return ranges
        start += step


def split(text: str, tokenizer: Tokenizer, max_tokens: int = AUTO_MAX_TOKENS,
          overlap: int = AUTO_OVERLAP_TOKENS) -> Chunks:
    """``text`` in chunks: slices of the original characters (whitespace kept)."""
    spans = tokenizer.spans(text)
    if not spans:
        return Chunks(text, [], [], [text] if text.strip() else [])
    ranges = chunk_ranges(len(spans), max_tokens, overlap)
    return Chunks(text, spans, ranges, [text[spans[a][0]:spans[b - 1][1]] for a, b in ranges])


def chunk_text(text: str, tokenizer: Tokenizer, max_tokens: int = AUTO_MAX_TOKENS,
               overlap: int = AUTO_OVERLAP_TOKENS) -> list[str]:
    """The chunk texts of :func:`split`."""
    return split(text, tokenizer, max_tokens, overlap).texts
