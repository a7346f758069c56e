"""Pieces of a transcript, each with its tokens' log probabilities when a session asks for them.

A session whose ``include`` holds ``item.input_audio_transcription.logprobs`` is sent, on each
``conversation.item.input_audio_transcription.delta`` and on the ``...completed`` event, the log
probability of every token of that text. Speech to text yields :class:`Heard` pieces: a ``str``
(so code that only wants the text joins them as strings) whose ``logprobs`` are its tokens, each
``(bytes, log probability)``, or None when they were not asked for or the audio server sent none.

Invariant: a piece's tokens cover exactly its text. Their bytes, joined, are the UTF-8 of the text
(for Whisper's own tokens; an audio server's are passed on as it sent them). Where the server trims
whitespace from a transcript (:func:`strip`) or puts a space between two passes (:func:`prefixed`),
the bytes are taken off or put on the neighbouring token, which keeps its log probability (Whisper's
tokens carry their leading space: ``" Paris"`` is one token).
"""

from __future__ import annotations

import math
from typing import Any, Iterable, Optional

from ...types.realtime_objects import Logprob

#: The ``include`` entry that asks for them.
INCLUDE = "item.input_audio_transcription.logprobs"
#: One token: its bytes and its log probability.
Token = tuple[bytes, float]
#: The most tokens taken from an audio server's answer (a transcript of a turn is far shorter).
MAX_TOKENS = 4096


class Heard(str):
    """Transcript text, with its tokens' log probabilities (None: not asked for, or not given)."""

    logprobs: Optional[tuple[Token, ...]]

    def __new__(cls, text: str, logprobs: Optional[Iterable[Token]] = None) -> "Heard":
        piece = super().__new__(cls, text)
        piece.logprobs = tuple(logprobs) if logprobs is not None else None
        return piece


def tokens_of(piece: str) -> Optional[tuple[Token, ...]]:
    """A piece's tokens (None for a plain ``str``)."""
    return getattr(piece, "logprobs", None)


def _cut(tokens: tuple[Token, ...], count: int, *, front: bool) -> tuple[Token, ...]:
    """``tokens`` without ``count`` bytes at the front (or back); tokens left empty are dropped."""
    out = list(tokens if front else reversed(tokens))
    while count > 0 and out:
        data, logprob = out[0]
        if len(data) <= count:
            count -= len(data)
            out.pop(0)
        else:
            out[0] = (data[count:] if front else data[:len(data) - count], logprob)
            count = 0
    return tuple(out if front else reversed(out))


def strip(piece: str, *, right: bool = True) -> Heard:
    """``piece`` without leading (and, unless ``right`` is False, trailing) whitespace, its tokens trimmed
    to match."""
    text = piece.lstrip()
    tokens = tokens_of(piece)
    if tokens is not None:
        tokens = _cut(tokens, len(piece[:len(piece) - len(text)].encode()), front=True)
    if right:
        kept = text.rstrip()
        if tokens is not None:
            tokens = _cut(tokens, len(text[len(kept):].encode()), front=False)
        text = kept
    return Heard(text, tokens)


def prefixed(prefix: str, piece: str) -> Heard:
    """``prefix + piece``, the prefix's bytes put on the piece's first token."""
    tokens = tokens_of(piece)
    if tokens:
        tokens = ((prefix.encode() + tokens[0][0], tokens[0][1]), *tokens[1:])
    return Heard(prefix + piece, tokens)


def join(pieces: Iterable[str]) -> Heard:
    """The pieces as one; its tokens are theirs in order, or None if any piece has none."""
    pieces = list(pieces)
    found = [tokens_of(piece) for piece in pieces]
    tokens = None if not pieces or any(t is None for t in found) else tuple(t for ts in found for t in ts)  # type: ignore[union-attr]
    return Heard("".join(pieces), tokens)


def wire(tokens: Optional[Iterable[Token]]) -> Optional[list[dict[str, Any]]]:
    """The ``logprobs`` of a transcription event (each token's text, with invalid UTF-8 of a token that holds
    part of a character replaced; its ``bytes`` are exact)."""
    if tokens is None:
        return None
    return [Logprob(token=data.decode("utf-8", "replace"), logprob=logprob, bytes=list(data)).to_dict()
            for data, logprob in tokens]


def from_server(entries: Any) -> Optional[tuple[Token, ...]]:
    """An audio server's ``logprobs`` (a list of ``{token, logprob, bytes}``), checked as hostile input: None if
    it sent none, or anything but that shape."""
    if not isinstance(entries, list) or len(entries) > MAX_TOKENS:
        return None
    out = []
    for entry in entries:
        if not isinstance(entry, dict) or not isinstance(entry.get("token"), str):
            return None
        logprob = entry.get("logprob")
        if not isinstance(logprob, (int, float)) or isinstance(logprob, bool) or not math.isfinite(logprob) \
                or logprob > 0:
            return None
        data = entry.get("bytes")
        if isinstance(data, list) and all(isinstance(b, int) and not isinstance(b, bool) and 0 <= b < 256
                                           for b in data):
            raw = bytes(data)
        elif data is None:
            raw = entry["token"].encode()
        else:
            return None
        out.append((raw, float(logprob)))
    return tuple(out)


__all__ = ["INCLUDE", "Heard", "Token", "from_server", "join", "prefixed", "strip", "tokens_of", "wire"]
