"""File citations: the markers file_search results carry (``【m:n†name】``) and
the ``file_citation`` annotations they become when the model's answer repeats them.

``m`` numbers a run's file_search calls (kept on the recorded call under
:data:`GROUP_KEY`, which never leaves the server), ``n`` a result within a call.
"""

from __future__ import annotations

import re
from typing import Any

#: The stored tool call's marker number; keys starting with ``_`` are not shown to callers.
GROUP_KEY = "_marker_group"
MARKER = re.compile(r"【(\d+):(\d+)†([^】\n]*)】")
OPEN, CLOSE = "【", "】"
#: Longer than this without a closing bracket, an opening one is plain text.
MAX_MARKER = 256

Sources = dict[tuple[int, int], str]  # (m, n) -> file id


def marker(group: int, n: int, filename: str) -> str:
    return f"{OPEN}{group}:{n}†{filename}{CLOSE}"


def sources(steps: list[dict[str, Any]]) -> Sources:
    """Every citable result of a run's file_search calls so far."""
    out: Sources = {}
    for step in steps:
        details = step["step_details"]
        if details["type"] != "tool_calls":
            continue
        for call in details["tool_calls"]:
            if call["type"] == "file_search" and GROUP_KEY in call:
                for n, result in enumerate(call["file_search"].get("results") or []):
                    out[(call[GROUP_KEY], n)] = result["file_id"]
    return out


def annotations(text: str, known: Sources, offset: int = 0) -> list[dict[str, Any]]:
    """``file_citation`` annotations for the markers in ``text`` that name a known result."""
    out = []
    for match in MARKER.finditer(text):
        file_id = known.get((int(match.group(1)), int(match.group(2))))
        if file_id is not None:
            out.append({"type": "file_citation", "text": match.group(0), "start_index": offset + match.start(),
                        "end_index": offset + match.end(), "file_citation": {"file_id": file_id}})
    return out


class CitationStream:
    """Cuts streamed text so each marker arrives in one delta, with its annotation.

    Text from an opening ``【`` is held back until the marker closes (or turns
    out not to be one); everything else passes straight through.
    """

    def __init__(self, known: Sources) -> None:
        self.known = known
        self.pending = ""
        self.sent = 0  # characters already passed on
        self.count = 0  # annotations already passed on

    def feed(self, fragment: str) -> list[tuple[str, list[dict[str, Any]]]]:
        self.pending += fragment
        out = []
        while self.pending:
            start = self.pending.find(OPEN)
            if start != 0:
                cut = len(self.pending) if start < 0 else start
                out.append(self._piece(self.pending[:cut]))
                continue
            end = self.pending.find(CLOSE)
            if end >= 0:
                out.append(self._piece(self.pending[:end + 1]))
            elif len(self.pending) > MAX_MARKER or "\n" in self.pending:
                out.append(self._piece(self.pending[:1]))
            else:
                break
        return out

    def flush(self) -> list[tuple[str, list[dict[str, Any]]]]:
        return [self._piece(self.pending)] if self.pending else []

    def _piece(self, text: str) -> tuple[str, list[dict[str, Any]]]:
        self.pending = self.pending[len(text):]
        notes = annotations(text, self.known, self.sent)
        for note in notes:
            note["index"] = self.count
            self.count += 1
        self.sent += len(text)
        return text, notes


#: A link to a file in a code interpreter's sandbox, as a model writes it in its answer.
SANDBOX_LINK = re.compile(r"sandbox:(/mnt/data/[^\s)\]\"'>]+)")


def path_annotations(text: str, paths: dict[str, str]) -> list[dict[str, Any]]:
    """``file_path`` annotations for the ``sandbox:/mnt/data/...`` links of files the code wrote."""
    out = []
    for match in SANDBOX_LINK.finditer(text):
        file_id = paths.get(match.group(1))
        if file_id:
            out.append({"type": "file_path", "text": match.group(0), "start_index": match.start(),
                        "end_index": match.end(), "file_path": {"file_id": file_id}})
    return out
