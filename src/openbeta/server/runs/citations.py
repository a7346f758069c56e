"""File citations: the markers file_search results carry (``【m:n†name】``) and
the ``file_citation`` annotations they become when the model's answer repeats them.
An answer that cites nothing although it draws on the results (small models often
forget the markers) gets one marker appended: that of the passage it shares the most
words with (:func:`missing_marker`).

``m`` numbers a run's file_search calls (kept on the recorded call under
:data:`GROUP_KEY`, which never leaves the server), ``n`` a result within a call.
"""

from __future__ import annotations

import re
from typing import Any, Optional

#: The stored tool call's marker number; keys starting with ``_`` are not shown to callers.
GROUP_KEY = "_marker_group"
MARKER = re.compile(r"【(\d+):(\d+)†([^】\n]*)】")
OPEN, CLOSE = "【", "】"
#: Longer than this without a closing bracket, an opening one is plain text.
MAX_MARKER = 256

Sources = dict[tuple[int, int], str]  # (m, n) -> file id
Passages = dict[tuple[int, int], tuple[str, str]]  # (m, n) -> (file name, text)
#: Words of at least this many letters count when an answer is matched to passages ...
WORD = re.compile(r"[^\W_]{4,}")
#: ... and an answer must share this many distinct ones with a passage to cite it.
MIN_SHARED_WORDS = 2


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


def passages(steps: list[dict[str, Any]]) -> Passages:
    """The text of every result of a run's file_search calls so far (when recorded)."""
    out: Passages = {}
    for step in steps:
        details = step["step_details"]
        if details["type"] != "tool_calls":
            continue
        for call in details["tool_calls"]:
            if call["type"] == "file_search" and GROUP_KEY in call:
                for n, result in enumerate(call["file_search"].get("results") or []):
                    text = " ".join(c.get("text", "") for c in result.get("content") or [])
                    out[(call[GROUP_KEY], n)] = (result.get("file_name", ""), text)
    return out


def missing_marker(text: str, found: Passages) -> Optional[str]:
    """The marker to append to an answer that has none: its best-matching passage's, if any matches."""
    if MARKER.search(text) or not found:
        return None
    words = {w.lower() for w in WORD.findall(text)}
    best, best_shared = None, MIN_SHARED_WORDS - 1
    for key in sorted(found):
        shared = len(words & {w.lower() for w in WORD.findall(found[key][1])})
        if shared > best_shared:
            best, best_shared = key, shared
    if best is None:
        return None
    return marker(best[0], best[1], found[best][0])


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
