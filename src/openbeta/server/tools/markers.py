"""The citation markers file_search writes into what the model reads: ``【m:n†name】`` heads each result
passage, ``m`` numbering a run's file_search calls (kept on the recorded call under :data:`GROUP_KEY`,
which never leaves the server) and ``n`` a result within a call. The run engine turns the markers an
answer repeats into ``file_citation`` annotations (``runs/citations.py``)."""

from __future__ import annotations

import re

#: The stored tool call's marker number; keys starting with ``_`` are not shown to callers.
GROUP_KEY = "_marker_group"
MARKER = re.compile(r"【(\d+):(\d+)†([^】\n]*)】")
OPEN, CLOSE = "【", "】"


def marker(group: int, n: int, filename: str) -> str:
    return f"{OPEN}{group}:{n}†{filename}{CLOSE}"


__all__ = ["CLOSE", "GROUP_KEY", "MARKER", "OPEN", "marker"]
