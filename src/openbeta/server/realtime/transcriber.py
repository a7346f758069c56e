"""The transcript of a spoken turn, made while the user speaks.

Whisper transcribes a stretch of audio at a time, on the voice pipeline's speech-to-text
thread (never on the event loop). The turn detector tells a :class:`TurnTranscriber` when a
pause begins (``pause``: some silence inside the turn, not yet its end) and when speech comes
back (``speech_resumed``):

- At a pause, a pass over the turn's uncommitted audio (from the end of the committed prefix to
  now, inside the pause) starts at once: it is the speculative final pass. If the turn ends
  there, it is the last stretch of the transcript, mostly done by the time the turn detector
  has waited out its silence.
- If speech resumes, that pass is not the final. When the stretch it covers holds at least
  ``MIN_PIECE_MS`` of audio it is kept as the next piece of the committed prefix (it was cut
  in a silence, so no word is split); a shorter stretch is thrown away (its pass cancelled) and
  stays uncommitted, to be transcribed with what follows (Whisper hears too little in a word or
  two).
- At the end of the turn, the transcript is the committed pieces, then the speculative pass if
  speech did not resume after it, or else one pass over what is left.

Each pass after the first is prompted with the committed text before it (with the session's own
``prompt`` in front), so Whisper carries the sentence on. Passes yield :class:`.heard.Heard` pieces, so
the tokens' log probabilities (when the session asks for them) follow the text through the trimming
and joining here. Everything the transcriber starts is
cancelled by :meth:`close`.
"""

from __future__ import annotations

import asyncio
from typing import AsyncIterator, Awaitable, Callable, Optional

from .heard import Heard, prefixed, strip

#: Shortest stretch (ms of audio) kept as a committed piece when speech resumes after a pause.
MIN_PIECE_MS = 1500
#: Committed text (characters, the latest) a pass is prompted with.
PROMPT_CHARS = 200

#: ``transcribe(pcm16_24k, prompt)`` -> the text of that audio.
Transcribe = Callable[[bytes, Optional[str]], Awaitable[Heard]]


class TurnTranscriber:
    """One spoken turn's transcript, from ``start_ms`` (session audio time) on."""

    def __init__(self, transcribe: Transcribe, start_ms: int, *, prompt: Optional[str] = None) -> None:
        self._transcribe = transcribe
        self.prompt = prompt
        self.start_ms = start_ms
        #: End of the committed prefix (session audio ms): later passes start here.
        self.committed_ms = start_ms
        self.pieces: list[asyncio.Task[Heard]] = []
        #: The speculative final pass: (end ms of the audio it covers, its task).
        self.speculative: Optional[tuple[int, asyncio.Task[Heard]]] = None
        #: Passes started and thrown away (for tests and diagnostics).
        self.started = 0
        self.discarded = 0

    def _pass(self, pcm: bytes) -> asyncio.Task[Heard]:
        before = list(self.pieces)
        self.started += 1

        async def run() -> Heard:
            done = [await piece for piece in before]  # queued before this one on the same thread
            context = " ".join(text for text in done if text)[-PROMPT_CHARS:]
            prompt = " ".join(part for part in (self.prompt, context) if part) or None
            return strip(await self._transcribe(pcm, prompt))

        task = asyncio.ensure_future(run())
        task.add_done_callback(_seen)  # a pass thrown away after it failed is not an unhandled error
        return task

    def pause(self, pcm: bytes, end_ms: int) -> None:
        """A pause began: ``pcm`` is the audio from :attr:`committed_ms` to ``end_ms`` (now)."""
        self._drop_speculative()
        if pcm:
            self.speculative = (end_ms, self._pass(pcm))

    def resumed(self) -> None:
        """Speech came back after a pause: the speculative pass becomes a piece, or is thrown away."""
        if self.speculative is None:
            return
        end_ms, task = self.speculative
        self.speculative = None
        if end_ms - self.committed_ms >= MIN_PIECE_MS:
            self.pieces.append(task)
            self.committed_ms = end_ms
        else:
            task.cancel()
            self.discarded += 1

    async def finish(self, rest: Callable[[int], bytes]) -> AsyncIterator[Heard]:
        """The turn ended: yield its transcript piece by piece. ``rest(ms)`` is the turn's audio from
        session time ``ms`` to its end (asked for only when no speculative pass covers it)."""
        tail: Optional[asyncio.Task[Heard]] = None
        if self.speculative is not None:
            tail = self.speculative[1]
            self.speculative = None
        else:
            pcm = rest(self.committed_ms)
            if pcm:
                tail = self._pass(pcm)
        said = False
        for task in [*self.pieces, *([tail] if tail is not None else [])]:
            text = await task
            if text:
                yield prefixed(" ", text) if said else text
                said = True

    def _drop_speculative(self) -> None:
        if self.speculative is not None:
            self.speculative[1].cancel()
            self.speculative = None
            self.discarded += 1

    def close(self) -> None:
        """Cancel every pass still running."""
        self._drop_speculative()
        for task in self.pieces:
            task.cancel()


def _seen(task: "asyncio.Task[Heard]") -> None:
    if not task.cancelled():
        task.exception()


__all__ = ["TurnTranscriber", "MIN_PIECE_MS"]
