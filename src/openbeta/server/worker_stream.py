"""Blocking producers on a worker thread, consumed as an async iterator on the event loop.

The local model and the voice engines generate on a worker thread (one job at a time);
what they produce crosses to the event loop as it comes. A consumer that stops iterating
sets the producer's ``stopped`` flag, which it checks between items.
"""

from __future__ import annotations

import asyncio
import threading
from concurrent.futures import Executor
from typing import Any, AsyncIterator, Callable, TypeVar

__all__ = ["stream_from_worker"]

T = TypeVar("T")
_END = object()


async def stream_from_worker(worker: Executor,
                             run: Callable[[Callable[[T], None], Callable[[], bool]], None]) -> AsyncIterator[T]:
    """Call ``run(emit, stopped)`` on ``worker`` and yield each item it emits, in order.

    An exception ``run`` raises reaches the consumer after the items emitted before it.
    """
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue[Any] = asyncio.Queue()
    stopped = threading.Event()

    def put(item: Any) -> None:
        try:
            loop.call_soon_threadsafe(queue.put_nowait, item)
        except RuntimeError:  # the loop is gone: nobody is listening
            stopped.set()

    def work() -> None:
        if stopped.is_set():
            return
        try:
            run(put, stopped.is_set)
            put(_END)
        except BaseException as exc:  # handed to the consumer
            put(exc)

    worker.submit(work)
    try:
        while True:
            item = await queue.get()
            if item is _END:
                return
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stopped.set()
