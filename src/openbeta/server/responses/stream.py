"""A response's events as its streams send them: numbered once, on the replica driving it, kept in
memory for streams that join late and written to the event log for every other reader.

:class:`ResponseEvents` is the translator the engine calls for a response (it registers with the
engine per run: see ``RunEngine.translators``): each run event becomes the Responses events it means
(:class:`~.translate.ResponseTranslator`), which go to the run's subscribers, to a bounded ring, and
to the log (in batches every ``flush_seconds``, at once when an item or the response ends).

:func:`follow` is what a stream reads: the events after ``after``, then the live ones, until the
response ends. On the driving replica, the ring (and the log, for what the ring no longer holds)
gives the past, the bus the rest: subscribing and reading the ring happen in one step of the event
loop, so nothing falls between them. On any other replica (or once the response rests), the log is
read, and polled while the response is still going.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from typing import Any, AsyncIterator, Awaitable, Callable, Optional

from ...types.response_events import FINAL_EVENTS
from .log import EventLog
from .translate import END, INTERNAL_PREFIX, ResponseTranslator

log = logging.getLogger("openbeta.responses")

#: Events a response's ring holds; older ones are read from the log.
RING_EVENTS = 10_000
#: Events after which a response's stream ends (the translator's end marker included).
ENDING = FINAL_EVENTS | {END}
#: Written to the log at once: an item's end or the response's.
PROMPT = frozenset({"response.output_item.done"}) | FINAL_EVENTS

StreamEvent = tuple[str, dict[str, Any]]


class ResponseEvents:
    """The events of one response driven here. ``kept``: whether they go to the log (``store: false``
    responses keep nothing). ``on_end`` runs (off the event loop) once the response ended and every
    event is written."""

    def __init__(self, translator: ResponseTranslator, event_log: EventLog, response_id: str, *, kept: bool,
                 flush_seconds: float, on_end: Optional[Callable[[], None]] = None) -> None:
        self.translator = translator
        self.log = event_log
        self.response_id = response_id
        self.kept = kept
        self.flush_seconds = flush_seconds
        self.on_end = on_end
        self.ring: deque[dict[str, Any]] = deque(maxlen=RING_EVENTS)
        self.ended = False
        self.lost = False  # the log refused our events: another replica numbers them now
        self._pending: list[dict[str, Any]] = []
        self._writer: Optional[asyncio.Task[None]] = None
        self._wake: Optional[asyncio.Event] = None

    def prelude(self, events: list[tuple[str, Any]]) -> list[dict[str, Any]]:
        """The events a new response opens with (its creation, queued, started), numbered and in the
        ring; the creating request writes them to the log in the response's own unit of work."""
        out = [e for event, data in events for e in self.translator.feed(event, data)]
        self.ring.extend(out)
        return out

    def feed(self, event: str, data: Any) -> list[StreamEvent]:
        """A run event of this response (on the event loop): the events to publish."""
        out = self.translator.feed(event, data)
        shown = [e for e in out if not e["type"].startswith(INTERNAL_PREFIX)]
        self.ring.extend(shown)
        if self.kept:
            self._pending.extend(shown)
        if any(e["type"] in ENDING for e in out):
            self.ended = True
        if self._pending or (self.ended and self.on_end is not None):
            self._write_soon(self.ended or any(e["type"] in PROMPT for e in shown))
        return [(e["type"], e) for e in out]

    def _write_soon(self, prompt: bool) -> None:
        if self._wake is None:
            self._wake = asyncio.Event()
        if prompt:
            self._wake.set()
        if self._writer is None or self._writer.done():
            self._writer = asyncio.get_running_loop().create_task(self._write())

    async def _write(self) -> None:
        """Write pending events every ``flush_seconds`` (at once when woken) until none are left."""
        assert self._wake is not None
        while True:
            try:
                await asyncio.wait_for(self._wake.wait(), self.flush_seconds)
            except asyncio.TimeoutError:
                pass
            self._wake.clear()
            batch, self._pending = self._pending, []
            try:
                if batch and not self.lost and not await asyncio.to_thread(self.log.append, self.response_id, batch):
                    self.lost = True
                    log.warning("response %s: its events are numbered elsewhere now; this replica stops "
                                "writing them", self.response_id)
                if self.ended and not self._pending and self.on_end is not None:
                    on_end, self.on_end = self.on_end, None
                    await asyncio.to_thread(on_end)
            except Exception:  # deleted meanwhile: nothing more to keep
                log.debug("response %s: events not written", self.response_id, exc_info=True)
            if not self._pending:
                return

    async def close(self) -> None:
        """Write what is pending now (the engine stops driving the response)."""
        if self._writer is not None and not self._writer.done():
            assert self._wake is not None
            self._wake.set()
            await asyncio.gather(self._writer, return_exceptions=True)

    def since(self, after: int) -> tuple[list[dict[str, Any]], int]:
        """The ring's events numbered above ``after``, and the first number the ring holds."""
        first = self.ring[0]["sequence_number"] if self.ring else self.translator.seq
        return [e for e in self.ring if e["sequence_number"] > after], first


async def follow(response_id: str, after: int, *, driven: Callable[[str], Optional[ResponseEvents]],
                 subscribe: Callable[[str], "asyncio.Queue[Any]"], unsubscribe: Callable[[str, Any], None],
                 event_log: EventLog, at_rest: Callable[[str], Awaitable[Optional[StreamEvent]]],
                 keepalive_seconds: float, poll_seconds: float) -> AsyncIterator[Optional[StreamEvent]]:
    """The response's events numbered above ``after``, live until it ends (``None``: quiet for
    ``keepalive_seconds``, a keep-alive). ``at_rest(id)``: for a response that rests, its final event
    rendered from the store (the translator's end marker for a cancelled one); ``None`` while it runs."""
    events = driven(response_id)
    if events is not None:
        queue = None if events.ended else subscribe(response_id)
        try:
            backlog, first = events.since(after)
            last = after
            if first > after + 1:  # the ring no longer holds the oldest: the log does
                for event in await asyncio.to_thread(event_log.read, response_id, after, first - after - 1):
                    last = event["sequence_number"]
                    yield event["type"], event
            for event in backlog:
                last = event["sequence_number"]
                yield event["type"], event
                if event["type"] in FINAL_EVENTS:
                    return
            while queue is not None:
                try:
                    kind, event = await asyncio.wait_for(queue.get(), keepalive_seconds)
                except asyncio.TimeoutError:
                    yield None
                    if events.ended and queue.empty():
                        return
                    continue
                if kind == END:
                    return
                if kind.startswith(INTERNAL_PREFIX) or event.get("sequence_number", -1) <= last:
                    continue
                last = event["sequence_number"]
                yield kind, event
                if kind in FINAL_EVENTS:
                    return
            return
        finally:
            if queue is not None:
                unsubscribe(response_id, queue)
    last = after
    quiet = 0.0
    while True:  # not driven here: the log, polled while the response goes on
        batch = await asyncio.to_thread(event_log.read, response_id, last)
        for event in batch:
            last = event["sequence_number"]
            yield event["type"], event
            if event["type"] in FINAL_EVENTS:
                return
        if batch:
            quiet = 0.0
            continue
        final = await at_rest(response_id)
        if final is not None:
            kind, data = final
            if kind != END:
                yield kind, {**data, "sequence_number": last + 1}
            return
        await asyncio.sleep(poll_seconds)
        quiet += poll_seconds
        if quiet >= keepalive_seconds:
            quiet = 0.0
            yield None
