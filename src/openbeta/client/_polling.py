"""Polling helpers: retrieve until done, waiting the caller's interval or the server's hint."""

from __future__ import annotations

import asyncio
import time
from typing import Any, Awaitable, Callable, Union

from ._types import NOT_GIVEN, NotGiven

DEFAULT_POLL_MS = 1000


def poll_seconds(headers: Any, poll_interval_ms: Union[int, NotGiven]) -> float:
    """The caller's interval, else the server's ``openai-poll-after-ms`` hint, else one second."""
    if not isinstance(poll_interval_ms, NotGiven):
        return poll_interval_ms / 1000
    hint = headers.get("openai-poll-after-ms") if headers is not None else None
    try:
        return int(hint) / 1000 if hint is not None else DEFAULT_POLL_MS / 1000
    except ValueError:
        return DEFAULT_POLL_MS / 1000


class _Deadline:
    """``max_wait_seconds`` as a deadline; NOT_GIVEN waits forever, 0 allows no request at all."""

    def __init__(self, max_wait_seconds: Union[float, NotGiven]) -> None:
        if not isinstance(max_wait_seconds, NotGiven) and not 0 <= max_wait_seconds < float("inf"):
            raise ValueError("max_wait_seconds must be finite and non-negative")
        self._end = None if isinstance(max_wait_seconds, NotGiven) else time.monotonic() + max_wait_seconds
        self._limit = max_wait_seconds

    def check(self) -> None:
        if self._end is not None and time.monotonic() >= self._end:
            raise TimeoutError(f"Still not done after {self._limit} seconds of polling.")

    def cap(self, seconds: float) -> float:
        return seconds if self._end is None else max(0.0, min(seconds, self._end - time.monotonic()))


def poll_until(fetch_raw: Callable[[], Any], done: Callable[[Any], bool], poll_interval_ms: Union[int, NotGiven],
               max_wait_seconds: Union[float, NotGiven] = NOT_GIVEN) -> Any:
    """Call ``fetch_raw()`` (a raw-response call) until ``done(parsed)``; return the parsed object.

    Raises ``TimeoutError`` once ``max_wait_seconds`` (if given) have passed.
    """
    deadline = _Deadline(max_wait_seconds)
    while True:
        deadline.check()
        response = fetch_raw()
        obj = response.parse()
        if done(obj):
            return obj
        time.sleep(deadline.cap(poll_seconds(response.headers, poll_interval_ms)))


async def apoll_until(fetch_raw: Callable[[], Awaitable[Any]], done: Callable[[Any], bool],
                      poll_interval_ms: Union[int, NotGiven],
                      max_wait_seconds: Union[float, NotGiven] = NOT_GIVEN) -> Any:
    """The async twin of :func:`poll_until`."""
    deadline = _Deadline(max_wait_seconds)
    while True:
        deadline.check()
        response = await fetch_raw()
        obj = await response.parse()
        if done(obj):
            return obj
        await asyncio.sleep(deadline.cap(poll_seconds(response.headers, poll_interval_ms)))
