"""Polling helpers: retrieve until done, waiting the caller's interval or the server's hint."""

from __future__ import annotations

import asyncio
import time
from typing import Any, Awaitable, Callable, Union

from ._types import NotGiven

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


def poll_until(fetch_raw: Callable[[], Any], done: Callable[[Any], bool],
         poll_interval_ms: Union[int, NotGiven]) -> Any:
    """Call ``fetch_raw()`` (a raw-response call) until ``done(parsed)``; return the parsed object."""
    while True:
        response = fetch_raw()
        obj = response.parse()
        if done(obj):
            return obj
        time.sleep(poll_seconds(response.headers, poll_interval_ms))


async def apoll_until(fetch_raw: Callable[[], Awaitable[Any]], done: Callable[[Any], bool],
                poll_interval_ms: Union[int, NotGiven]) -> Any:
    """The async twin of :func:`poll_until`."""
    while True:
        response = await fetch_raw()
        obj = await response.parse()
        if done(obj):
            return obj
        await asyncio.sleep(poll_seconds(response.headers, poll_interval_ms))
