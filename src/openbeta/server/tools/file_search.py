"""The ``file_search`` tool of runs: the model searches the vector stores of the
run's assistant and thread, and reads the results with citation markers.

The model sees a function ``file_search`` taking ``{"queries": [...]}``. Its
queries are searched together with the thread's latest user message (as OpenAI
rewrites the user's question into searches, so a model's weak queries still
find what the user asked about). A call waits until the stores' queued files are ingested (or failed), searches them
with the tool's ``max_num_results`` and ``ranking_options``, and is recorded as a
``file_search`` tool call whose results carry file id, name, score and content.

What the model reads of them (:func:`render_output`): each result under its citation marker, best
first, without what it repeats of a result shown before it (chunks of a file overlap: the part an
earlier chunk showed is cut, and a passage mostly made of sentences already shown is left out), and,
with a token budget (``OPENBETA_FILE_SEARCH_MAX_TOKENS``; the embedded model's default is small, so
that it reads quickly), only the best result and those sharing a word with the queries and the question
(a small model is misled by the rest), and only as much as fits: a passage longer than its room (half the budget while
more results follow, so no one passage takes it all; else what is left) is cut to the sentences around
the one sharing the most words with the queries and the question, and the passages that find no room
are left out. The call's recorded results are all of them. The embedded model is not told to copy the
markers (``cite_hint``): the server cites for it.
"""

from __future__ import annotations

import asyncio
import json
import re
import threading
import time
from collections import OrderedDict
from typing import Any, Callable, Optional, Protocol, Sequence

from sqlalchemy import func, select

from ..errors import APIError
from ..providers.tokens import count_text
from ..store import Database
from ..store.rows import owned, run_tool_resources
from ..store.tables import MessageRow, RunStepRow, ThreadRow, VectorStoreFileRow, VectorStoreRow
from .markers import GROUP_KEY, marker
from .registry import ServerToolResult

DEFAULT_MAX_RESULTS = 20
QUESTION_CHARS = 1000
#: The call's queries, and what the model was told instead of results (if anything), kept
#: (like the marker group) on the stored call but never shown to callers.
QUERIES_KEY = "_queries"
QUESTION_KEY = "_question"
NOTE_KEY = "_note"
DEFAULT_RANKER = "default_2024_08_21"
NAME = "file_search"
DESCRIPTION = ("Search the files the user uploaded. Results are passages headed by a citation marker like "
               "【0:1†name】; cite a passage by copying its marker right after what it supports.")
#: Bounded so that a call generated under this schema's grammar stays short (a small local model can
#: otherwise write queries until its output budget runs out, and the call is cut).
PARAMETERS = {"type": "object", "properties": {"queries": {
    "type": "array", "items": {"type": "string", "maxLength": 100}, "minItems": 1, "maxItems": 3,
    "description": "One or more search queries (keywords or questions)."}}, "required": ["queries"]}


def queries_of(arguments: str) -> list[str]:
    """The queries of a call (``{"queries": [...]}``; a ``query`` string is accepted too)."""
    try:
        data = json.loads(arguments or "{}")
    except ValueError:
        return [arguments.strip()] if arguments.strip() else []
    if not isinstance(data, dict):
        return []
    raw = data.get("queries", data.get("query"))
    items = raw if isinstance(raw, list) else [raw]
    return [str(q).strip() for q in items if isinstance(q, (str, int, float)) and str(q).strip()]


CITE_HINT = ("Answer the question from these passages. Right after each fact you use, copy the marker of "
             "its passage, for example {example}.")
#: Tokens are counted as OpenAI's current models count them (an estimate for other models).
TOKENS_OF = "gpt-4o"
#: A passage whose word 5-grams were this much shown already is left out.
NEAR_DUPLICATE = 0.8
#: An overlap between two chunks of a file is cut when it is at least this many characters.
MIN_OVERLAP = 40
#: Less room than this (tokens) is not worth a cut passage.
MIN_CUT_TOKENS = 40
ELLIPSIS = "\u2026"
WORDS = re.compile(r"[^\W_]+")
SENTENCE_END = re.compile(r"(?<=[.!?])\s+|\n\s*\n|\n(?=\s*(?:[-*#]|\d+[.)]))")
#: Words too common to tell passages apart.
STOP_WORDS = frozenset("""a about an and any are as at be by can could did do does for from get go has have how i
in is it me my of on or our please should tell that the their them there they this to us was we were what when
where which who whom why will with would you your""".split())


def _shingles(text: str) -> set[tuple[str, ...]]:
    words = [w.lower() for w in WORDS.findall(text)]
    return {tuple(words[i:i + 5]) for i in range(max(len(words) - 4, 0))} or ({tuple(words)} if words else set())


def _overlap(earlier: str, later: str) -> tuple[int, int]:
    """Where ``later`` repeats ``earlier`` at one of its ends (chunks of one file overlap): ``(head, tail)``,
    the characters of ``later`` to cut at its start and at its end."""
    head = tail = 0
    probe = later[:MIN_OVERLAP]
    at = earlier.find(probe) if len(probe) == MIN_OVERLAP else -1
    if at >= 0 and later.startswith(earlier[at:]):
        head = len(earlier) - at
    probe = earlier[:MIN_OVERLAP]
    at = later.find(probe) if len(probe) == MIN_OVERLAP else -1
    if at > 0 and earlier.startswith(later[at:]):
        tail = len(later) - at
    return head, tail


def _cut(text: str, room: int, words: set[str]) -> str:
    """The run of sentences of ``text`` within ``room`` tokens around the one sharing the most ``words``."""
    bounds, start = [], 0
    for end in SENTENCE_END.finditer(text):
        bounds.append((start, end.start()))
        start = end.end()
    bounds.append((start, len(text)))
    sentences = [(a, b) for a, b in bounds if text[a:b].strip()]
    if not sentences:
        return ""
    scores = [len(words & {w.lower() for w in WORDS.findall(text[a:b])}) for a, b in sentences]
    best = max(range(len(sentences)), key=lambda i: (scores[i], -i))
    first = last = best
    used = count_text(TOKENS_OF, text[slice(*sentences[best])])
    if used > room:  # one long sentence: its words around the middle of the room
        kept = text[slice(*sentences[best])].split()
        return ELLIPSIS + " ".join(kept[:max(room * 3 // 4, 1)]) + ELLIPSIS
    grew = True
    while grew:
        grew = False
        for step in (1, -1):  # after the best sentence first: what follows usually completes it
            nxt = last + 1 if step == 1 else first - 1
            if 0 <= nxt < len(sentences):
                cost = count_text(TOKENS_OF, text[slice(*sentences[nxt])]) + 1
                if used + cost <= room:
                    used += cost
                    first, last = min(first, nxt), max(last, nxt)
                    grew = True
    body = text[sentences[first][0]:sentences[last][1]]
    return (ELLIPSIS if first > 0 else "") + body + (ELLIPSIS if last < len(sentences) - 1 else "")


def select_passages(results: list[dict[str, Any]], budget: Optional[int],
                    words: set[str]) -> list[tuple[int, str]]:
    """``(n, text)`` of the results the model reads, in rank order (see the module's docstring)."""
    kept: list[tuple[int, str]] = []
    shown: dict[str, list[str]] = {}  # file id -> the texts already shown of it (uncut)
    seen: set[tuple[str, ...]] = set()
    used = 0
    for n, result in enumerate(results):
        whole = result["content"][0]["text"] if result.get("content") else ""
        text = whole
        for earlier in shown.get(result.get("file_id", ""), []):
            head, tail = _overlap(earlier, text)
            if head or tail:
                text = (ELLIPSIS if head else "") + text[head:len(text) - tail].strip() + (ELLIPSIS if tail else "")
        grams = _shingles(text)
        if not text.strip(ELLIPSIS + " \n") or (grams and len(grams & seen) >= NEAR_DUPLICATE * len(grams)):
            continue
        if budget and kept and words and words.isdisjoint(w.lower() for w in WORDS.findall(text)):
            continue  # beyond the best result, only passages that share a word with what was searched
        if budget:
            cost = count_text(TOKENS_OF, text)
            room = budget - used if n == len(results) - 1 else min(budget - used, budget // 2)
            if cost > room:
                if room < MIN_CUT_TOKENS:
                    continue
                text = _cut(text, room, words)
                if not text.strip(ELLIPSIS + " "):
                    continue
                cost = count_text(TOKENS_OF, text)
            used += cost
        kept.append((n, text))
        seen |= grams
        shown.setdefault(result.get("file_id", ""), []).append(whole)
    return kept


def render_output(group: int, results: list[dict[str, Any]], budget: Optional[int] = None,
                  searched: tuple[str, ...] = (), cite_hint: bool = True) -> str:
    """What the model reads: the passages (:func:`select_passages`) each under its citation marker,
    then (with ``cite_hint``) how to cite them."""
    words = {w.lower() for q in searched for w in WORDS.findall(q)} - STOP_WORDS
    passages = select_passages(results, budget, words)
    if not passages:
        return "No results found."
    shown = "\n\n".join(f"{marker(group, n, results[n]['file_name'])}\n{text}" for n, text in passages)
    if not cite_hint:
        return shown
    first = passages[0][0]
    return shown + "\n\n" + CITE_HINT.format(example=marker(group, first, results[first]["file_name"]))


class Hit(Protocol):
    """A chunk found: its file and the passage."""

    file_id: str
    filename: str
    score: float
    content: str


class Searcher(Protocol):
    """What the tool searches with: ``VectorStoreService.search`` (``services/vector_stores.py``)."""

    def search(self, project: str, vector_store_ids: Sequence[str], query: Sequence[str], max_num_results: int,
               ranking_options: Any) -> Sequence[Hit]: ...


class FileSearchTool:
    """The ``file_search`` server tool, on the vector stores' search (a :class:`Searcher`)."""

    type = "file_search"

    def __init__(self, db: Database, vector_stores: Searcher, *, wake_ingestion: Callable[[], None],
                 ingestion_timeout: float = 600.0, poll_seconds: float = 0.2,
                 passage_tokens: Optional[int] = None, cite_hint: bool = True) -> None:
        self.db = db
        #: The most tokens of passages a call shows the model (``None``: every result, whole).
        self.passage_tokens = passage_tokens
        #: Whether the model is told to copy the markers (small models then answer with the markers alone,
        #: or start with one and recite the passage; without the hint they answer in words and the
        #: server cites the passage the answer draws on: :func:`..runs.citations.missing_marker`).
        self.cite_hint = cite_hint
        self.vector_stores = vector_stores
        self.wake_ingestion = wake_ingestion
        self.ingestion_timeout = ingestion_timeout
        self.poll_seconds = poll_seconds
        self._groups: OrderedDict[str, int] = OrderedDict()  # run id -> next marker group
        self._lock = threading.Lock()

    def definition(self, tool: dict[str, Any]) -> dict[str, Any]:
        return {"type": "function", "function": {"name": NAME, "description": DESCRIPTION, "parameters": PARAMETERS}}

    async def run(self, run: dict[str, Any], tool: dict[str, Any], call_id: str, arguments: str) -> ServerToolResult:
        options = tool.get("file_search") or {}
        ranking = dict(options.get("ranking_options") or {})
        ranking = {"ranker": DEFAULT_RANKER if ranking.get("ranker", "auto") == "auto" else ranking["ranker"],
                   "score_threshold": float(ranking.get("score_threshold") or 0.0)}
        limit = options.get("max_num_results") or DEFAULT_MAX_RESULTS
        group = await asyncio.to_thread(self._next_group, run["id"])
        queries = queries_of(arguments)
        question = await asyncio.to_thread(self.last_question, run["thread_id"])
        searched = list(dict.fromkeys(queries + ([question] if question else [])))
        results: list[dict[str, Any]] = []
        note: Optional[str] = None
        if not searched:
            note = 'The call gave no queries: call file_search with {"queries": ["..."]}.'
        else:
            project, store_ids = await asyncio.to_thread(self.store_ids, run)
            await self._await_ingestion(store_ids)
            try:
                hits = await asyncio.to_thread(self.vector_stores.search, project, store_ids, searched, limit,
                                               ranking)
            except APIError as exc:
                note = f"The search failed: {exc.message}"
            else:
                results = [{"file_id": h.file_id, "file_name": h.filename, "score": h.score,
                            "content": [{"type": "text", "text": h.content}]} for h in hits]
        record = {"id": call_id, "type": "file_search", GROUP_KEY: group, QUERIES_KEY: queries,
                  QUESTION_KEY: question, "file_search": {"ranking_options": ranking, "results": results}}
        if note:
            record[NOTE_KEY] = note
        return ServerToolResult(record=record, output=self.replay(record)[1])

    def satisfied(self, record: dict[str, Any]) -> bool:
        """A search that found passages is enough: the model answers from them next."""
        return bool(record.get("file_search", {}).get("results"))

    def replay(self, record: dict[str, Any]) -> tuple[str, str]:
        results = record["file_search"].get("results") or []
        arguments = json.dumps({"queries": record.get(QUERIES_KEY) or []})
        searched = (*(record.get(QUERIES_KEY) or []), record.get(QUESTION_KEY) or "")
        return arguments, record.get(NOTE_KEY) or render_output(record.get(GROUP_KEY, 0), results,
                                                                self.passage_tokens, searched, self.cite_hint)

    # ------------------------------------------------------------ helpers (blocking)

    def store_ids(self, run: dict[str, Any]) -> tuple[str, list[str]]:
        """The run's project (its thread's), and the vector stores of the run's (else the assistant's),
        then the thread's, ``tool_resources`` that still exist in that project."""
        with self.db.session() as s:
            project = s.scalar(select(ThreadRow.project_id).where(ThreadRow.id == run["thread_id"]))
            if project is None:
                return "", []
            ids: list[str] = []
            for resources in run_tool_resources(s, run, project):
                ids.extend((resources.get("file_search") or {}).get("vector_store_ids") or [])
            ids = list(dict.fromkeys(ids))
            existing = set(s.scalars(select(VectorStoreRow.id).where(VectorStoreRow.id.in_(ids),
                                                                     owned(VectorStoreRow, project))))
            return project, [i for i in ids if i in existing]

    def last_question(self, thread_id: str) -> str:
        """The text of the thread's newest user message (cut to ``QUESTION_CHARS``)."""
        with self.db.session() as s:
            body = s.scalar(select(MessageRow.body).where(MessageRow.thread_id == thread_id,
                                                          MessageRow.body["role"].as_string() == "user")
                            .order_by(MessageRow.seq.desc()).limit(1))
        blocks = (body or {}).get("content") or []
        return " ".join(b["text"]["value"] for b in blocks if b.get("type") == "text").strip()[:QUESTION_CHARS]

    def _pending(self, store_ids: list[str]) -> int:
        with self.db.session() as s:
            return s.scalar(select(func.count()).select_from(VectorStoreFileRow).where(
                VectorStoreFileRow.vector_store_id.in_(store_ids), VectorStoreFileRow.status == "in_progress")) or 0

    async def _await_ingestion(self, store_ids: list[str]) -> None:
        """Wait (up to ``ingestion_timeout``) until no file of the stores is still being ingested."""
        if not store_ids:
            return
        deadline = time.monotonic() + self.ingestion_timeout
        self.wake_ingestion()
        while await asyncio.to_thread(self._pending, store_ids) and time.monotonic() < deadline:
            await asyncio.sleep(self.poll_seconds)

    def _next_group(self, run_id: str) -> int:
        """A marker number no earlier file_search call of the run used."""
        with self._lock:
            return self._take_group(run_id)

    def _take_group(self, run_id: str) -> int:
        if run_id not in self._groups:
            with self.db.session() as s:
                used = [c.get(GROUP_KEY, -1) for body in s.scalars(select(RunStepRow.body).where(
                    RunStepRow.run_id == run_id)) if body["type"] == "tool_calls"
                    for c in body["step_details"]["tool_calls"] if c["type"] == "file_search"]
            self._groups[run_id] = max(used, default=-1) + 1
            while len(self._groups) > 1024:
                self._groups.popitem(last=False)
        group = self._groups[run_id]
        self._groups[run_id] = group + 1
        self._groups.move_to_end(run_id)
        return group
