"""Token windows over a text: ``max_tokens`` long, each overlapping the last by ``overlap``."""

from __future__ import annotations

from .tokens import Tokenizer

AUTO_MAX_TOKENS = 800
AUTO_OVERLAP_TOKENS = 400


def chunk_text(text: str, tokenizer: Tokenizer, max_tokens: int = AUTO_MAX_TOKENS,
               overlap: int = AUTO_OVERLAP_TOKENS) -> list[str]:
    """Slices of ``text`` (original characters, whitespace kept) covering every token."""
    spans = tokenizer.spans(text)
    if not spans:
        return [text] if text.strip() else []
    step = max(1, max_tokens - overlap)
    chunks = []
    start = 0
    while True:
        window = spans[start:start + max_tokens]
        chunks.append(text[window[0][0]:window[-1][1]])
        if start + max_tokens >= len(spans):
            break
        start += step
    return chunks
