"""File citations: the markers file_search results carry (``【m:n†name】``, see
:mod:`openbeta.server.tools.markers`) and the ``file_citation`` annotations they become when the
model's answer repeats them;
and the ``file_path`` annotations of ``sandbox:/mnt/data/...`` links to files the
code interpreter wrote. An answer that cites nothing although it draws on the results
(small models often forget the markers) gets one marker appended: that of the passage
it shares the most words with (:func:`missing_marker`).

``m`` numbers a run's file_search calls (kept on the recorded call under
:data:`~openbeta.server.tools.markers.GROUP_KEY`, which never leaves the server), ``n`` a result within a call.
"""

from __future__ import annotations

import re
from typing import Any, Iterator, Optional

from ..tools.markers import CLOSE, GROUP_KEY, MARKER, OPEN, marker
#: Longer than this without a closing bracket, an opening one is plain text.
MAX_MARKER = 256

Sources = dict[tuple[int, int], str]  # (m, n) -> file id
Passages = dict[tuple[int, int], tuple[str, str]]  # (m, n) -> (file name, text)
#: Words of at least four letters, and numbers, count when an answer is matched to passages ...
WORD = re.compile(r"\d+(?:[.,]\d+)*|[^\W\d_]{4,}")
#: ... and an answer must share this many distinct ones with a passage to cite it.
MIN_SHARED_WORDS = 2

#: A link to a file in a code interpreter's sandbox, as a model writes it in its answer.
LINK_PREFIX = "sandbox:"
LINK_END = " \t\r\n)]\"'>"
SANDBOX_LINK = re.compile(r"sandbox:(/mnt/data/[^\s)\]\"'>]+)")


def _results(steps: list[dict[str, Any]]) -> Iterator[tuple[tuple[int, int], dict[str, Any]]]:
    """``((group, n), result)`` for every result of a run's file_search calls so far."""
    for step in steps:
        details = step["step_details"]
        if details["type"] != "tool_calls":
            continue
        for call in details["tool_calls"]:
            if call["type"] == "file_search" and GROUP_KEY in call:
                for n, result in enumerate(call["file_search"].get("results") or []):
                    yield (call[GROUP_KEY], n), result


def sources(steps: list[dict[str, Any]]) -> Sources:
    """Every citable result of a run's file_search calls so far."""
    return {key: result["file_id"] for key, result in _results(steps)}


def passages(steps: list[dict[str, Any]]) -> Passages:
    """The text of every result of a run's file_search calls so far (when recorded)."""
    return {key: (result.get("file_name", ""), " ".join(c.get("text", "") for c in result.get("content") or []))
            for key, result in _results(steps)}


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
    """Cuts streamed text so each marker (and each ``sandbox:`` link to a file of ``paths``)
    arrives in one delta, with its annotation.

    Text from an opening ``【`` is held back until the marker closes (or turns
    out not to be one); with ``paths``, text from ``sandbox:`` (or what may begin it)
    until the link ends; everything else passes straight through.
    """

    def __init__(self, known: Sources, paths: Optional[dict[str, str]] = None) -> None:
        self.known = known
        self.paths = paths or {}
        self.pending = ""
        self.sent = 0  # characters already passed on
        self.count = 0  # annotations already passed on

    def feed(self, fragment: str) -> list[tuple[str, list[dict[str, Any]]]]:
        self.pending += fragment
        out = []
        while self.pending:
            start = self._start()
            if start != 0:
                cut = len(self.pending) if start < 0 else start
                out.append(self._piece(self.pending[:cut]))
                continue
            if not self.pending.startswith(OPEN):  # a sandbox link, or the start of one
                if not self.pending.startswith(LINK_PREFIX):
                    break  # only a prefix of it so far (``_start`` found it at the end)
                end = next((i for i, c in enumerate(self.pending) if i >= len(LINK_PREFIX) and c in LINK_END), -1)
                if end >= 0:
                    out.append(self._piece(self.pending[:end]))
                elif len(self.pending) > MAX_MARKER:
                    out.append(self._piece(self.pending[:1]))
                else:
                    break
                continue
            end = self.pending.find(CLOSE)
            if end >= 0:
                out.append(self._piece(self.pending[:end + 1]))
            elif len(self.pending) > MAX_MARKER or "\n" in self.pending:
                out.append(self._piece(self.pending[:1]))
            else:
                break
        return out

    def _start(self) -> int:
        """Where held-back text may begin in ``pending`` (-1: nowhere)."""
        starts = [self.pending.find(OPEN)]
        if self.paths:
            starts.append(self.pending.find(LINK_PREFIX))
            starts.extend(len(self.pending) - k for k in range(len(LINK_PREFIX) - 1, 0, -1)
                          if self.pending.endswith(LINK_PREFIX[:k]))
        found = [i for i in starts if i >= 0]
        return min(found) if found else -1

    def flush(self) -> list[tuple[str, list[dict[str, Any]]]]:
        return [self._piece(self.pending)] if self.pending else []

    def _piece(self, text: str) -> tuple[str, list[dict[str, Any]]]:
        self.pending = self.pending[len(text):]
        notes = sorted(annotations(text, self.known, self.sent) + path_annotations(text, self.paths, self.sent),
                       key=lambda note: note["start_index"])
        for note in notes:
            note["index"] = self.count
            self.count += 1
        self.sent += len(text)
        return text, notes


def path_annotations(text: str, paths: dict[str, str], offset: int = 0) -> list[dict[str, Any]]:
    """``file_path`` annotations for the ``sandbox:/mnt/data/...`` links of files the code wrote. A file
    of a container is named ``<container id>/<file id>`` in ``paths``: its annotation carries the
    ``container_id`` too (a response shows it as a ``container_file_citation``)."""
    out = []
    for match in SANDBOX_LINK.finditer(text):
        file_id = paths.get(match.group(1))
        if file_id:
            container, _, file_id = file_id.rpartition("/")
            note = {"type": "file_path", "text": match.group(0), "start_index": offset + match.start(),
                    "end_index": offset + match.end(), "file_path": {"file_id": file_id}}
            if container:
                note["container_id"] = container
            out.append(note)
    return out
