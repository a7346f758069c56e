"""Run events fanned out to stream subscribers, in memory.

The engine publishes on the event loop; a subscriber (an SSE response, a ChatKit turn) drains its
queue. Nothing here touches the database: token deltas never reach the disk. Their wire form
belongs to the faces (SSE: ``api/sse.py``).
"""

from __future__ import annotations

import asyncio
import threading
from collections import defaultdict
from typing import Any, AsyncIterator, Awaitable, Callable, Iterable, Optional

#: Events after which a stream has nothing more to say.
FINAL_EVENTS = frozenset({
    "thread.run.requires_action", "thread.run.completed", "thread.run.incomplete", "thread.run.failed",
    "thread.run.cancelled", "thread.run.expired", "error",
})

Event = tuple[str, Any]
#: A stream's final event when the run is found in one of these states.
RESTING_STATUSES = frozenset({"requires_action", "completed", "incomplete", "failed", "cancelled", "expired"})


class EventBus:
    """``current(run_id)`` reads a run as stored (``None``: deleted), for streams gone quiet."""

    def __init__(self, keepalive_seconds: float,
                 current: Callable[[str], Awaitable[Optional[dict[str, Any]]]]) -> None:
        self.keepalive_seconds = keepalive_seconds
        self.current = current
        self._queues: dict[str, set[asyncio.Queue[Event]]] = defaultdict(set)
        self._lock = threading.Lock()
        #: A gauge of open streams (``/metrics``), when one is attached.
        self.streams: Any = None

    def subscribe(self, run_id: str) -> asyncio.Queue[Event]:
        """A queue of ``run_id``'s events from now on (safe from any thread)."""
        queue: asyncio.Queue[Event] = asyncio.Queue()
        with self._lock:
            self._queues[run_id].add(queue)
        return queue

    def unsubscribe(self, run_id: str, queue: asyncio.Queue[Event]) -> None:
        with self._lock:
            queues = self._queues.get(run_id)
            if queues is not None:
                queues.discard(queue)
                if not queues:
                    del self._queues[run_id]

    async def _resting(self, run_id: str) -> Optional[Event]:
        """The final event of a run no longer moving; ``None`` while it runs."""
        run = await self.current(run_id)
        if run is None:
            return "error", {"message": f"Run '{run_id}' no longer exists.", "type": "invalid_request_error",
                             "param": None, "code": "run_deleted"}
        if run["status"] in RESTING_STATUSES:
            return f"thread.run.{run['status']}", run
        return None

    def publish(self, run_id: str, event: str, data: Any) -> None:
        """Hand an event to every subscriber (call on the event loop)."""
        with self._lock:
            queues = list(self._queues.get(run_id, ()))
        for queue in queues:
            queue.put_nowait((event, data))

    async def events(self, run_id: str, queue: asyncio.Queue[Event], prelude: Iterable[Event],
                     render: Optional[Callable[[str, Any], Any]] = None) -> AsyncIterator[Optional[Event]]:
        """``prelude``, then the run's events up to a final one; ``None`` each time the
        stream has been quiet for ``keepalive_seconds``. With ``render``, each event's data is
        ``render(event, data)``.

        A quiet stream reads the run: one at rest (or deleted) ends the stream with its
        state (or an ``error``), so no stream outlives its run. A consumer that goes away
        only ends this generator; the run carries on.
        """
        if self.streams is not None:
            self.streams.inc()
        try:
            for event in prelude:
                yield event if render is None else (event[0], render(*event))
            while True:
                try:
                    event, data = await asyncio.wait_for(queue.get(), self.keepalive_seconds)
                except asyncio.TimeoutError:
                    yield None
                    if queue.empty():
                        final = await self._resting(run_id)
                        if final is not None:
                            yield final if render is None else (final[0], render(*final))
                            break
                    continue
                yield event, data if render is None else render(event, data)
                if event in FINAL_EVENTS:
                    break
        finally:
            if self.streams is not None:
                self.streams.dec()
            self.unsubscribe(run_id, queue)
