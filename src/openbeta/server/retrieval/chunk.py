"""Token windows over a text: ``max_tokens`` long, each overlapping the last by ``overlap``."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Iterable, Iterator, Sequence, Union

import numpy as np

from .tokens import Tokenizer

AUTO_MAX_TOKENS = 800
AUTO_OVERLAP_TOKENS = 400


@dataclass
class Chunks:
    """A text's chunks: their texts, and the token ranges ``[start, end)`` they cover in ``spans`` (the
    character ``(start, end)`` of every token: a list of pairs, or an ``(n, 2)`` array)."""

    text: str
    spans: Union[Sequence[tuple[int, int]], np.ndarray]
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


def stream_chunks(pieces: Iterable[str], tokenizer: Tokenizer, max_tokens: int = AUTO_MAX_TOKENS,
                  overlap: int = AUTO_OVERLAP_TOKENS, batch: int = 256) -> Iterator[Chunks]:
    """The chunks :func:`split` makes of the text ``pieces`` join into, ``batch`` at a time, each batch a
    :class:`Chunks` over its own stretch of text, holding only that stretch (and the next piece) in
    memory whatever the text's length.

    Pieces are tokenized up to their last white space (a token never spans one), so the token spans,
    and the chunks, are those of the whole text. Spans are held as an ``(n, 2)`` integer array rather
    than a tuple per token: millions of small objects, made and freed while other objects live among
    them, would leave the interpreter's small-object arenas too scattered to give back.
    """
    step = max(1, max_tokens - overlap)
    text = ""  # the text from the first token still needed on
    spans = np.zeros((0, 2), dtype=np.int64)  # token spans within ``text``
    start = 0  # the next chunk's first token, an index into ``spans``
    ranges: list[tuple[int, int]] = []  # chunks made, not yet handed on
    carry = ""  # text after the last white space seen: its token may go on in the next piece

    def cut() -> Chunks:
        """The chunks made so far, as one batch over the stretch of text they cover."""
        first, last = ranges[0][0], ranges[-1][1]
        offset = int(spans[first, 0])
        stretch = text[offset:int(spans[last - 1, 1])]
        local = spans[first:last] - offset
        shifted = [(a - first, b - first) for a, b in ranges]
        made = Chunks(stretch, local, shifted, [stretch[local[a, 0]:local[b - 1, 1]] for a, b in shifted])
        ranges.clear()
        return made

    for piece in itertools.chain(pieces, [None]):
        final = piece is None
        joined = carry + (piece or "")
        edge = len(joined) if final else max(joined.rfind(" "), joined.rfind("\n"), joined.rfind("\t")) + 1
        if not final and edge == 0 and len(joined) > 4 * len(piece or "") + 1:
            edge = len(joined)  # no white space at all for a while: cut anyway
        head, carry = joined[:edge], joined[edge:]
        if head:
            found = np.asarray(tokenizer.spans(head), dtype=np.int64).reshape(-1, 2)
            spans = np.concatenate([spans, found + len(text)])
            text += head
        while start + max_tokens < len(spans) or (final and start < len(spans)):
            ranges.append((start, min(start + max_tokens, len(spans))))
            if start + max_tokens >= len(spans):
                start = len(spans)
                break
            start += step
            if len(ranges) >= batch:
                yield cut()
        if ranges and final:
            yield cut()
        drop = min(ranges[0][0] if ranges else start, len(spans))
        if not final and drop > 0:  # forget the text and tokens no chunk needs any more
            offset = int(spans[drop, 0]) if drop < len(spans) else len(text)
            text = text[offset:]
            spans = spans[drop:] - offset
            ranges[:] = [(a - drop, b - drop) for a, b in ranges]
            start -= drop
    if not len(spans) and text.strip():  # nothing the tokenizer counts: the text as it is
        yield Chunks(text, [], [], [text])
