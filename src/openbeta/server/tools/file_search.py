"""The ``file_search`` tool of runs: the model searches the vector stores of the
run's assistant and thread, and reads the results with citation markers.

The model sees a function ``file_search`` taking ``{"queries": [...]}``. Its
queries are searched together with the thread's latest user message (as OpenAI
rewrites the user's question into searches, so a model's weak queries still
find what the user asked about). A call waits until the stores' queued files are ingested (or failed), searches them
with the tool's ``max_num_results`` and ``ranking_options``, and is recorded as a
``file_search`` tool call whose results carry file id, name, score and content.
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections import OrderedDict
from typing import Any, Callable, Optional, Protocol, Sequence

from sqlalchemy import func, select

from ..errors import APIError
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


def render_output(group: int, results: list[dict[str, Any]]) -> str:
    """What the model reads: each result's text under its citation marker, then how to cite them."""
    if not results:
        return "No results found."
    passages = "\n\n".join(f"{marker(group, n, r['file_name'])}\n{r['content'][0]['text']}"
                           for n, r in enumerate(results))
    return passages + "\n\n" + CITE_HINT.format(example=marker(group, 0, results[0]["file_name"]))


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
                 ingestion_timeout: float = 600.0, poll_seconds: float = 0.2) -> None:
        self.db = db
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
                  "file_search": {"ranking_options": ranking, "results": results}}
        if note:
            record[NOTE_KEY] = note
        return ServerToolResult(record=record, output=self.replay(record)[1])

    def satisfied(self, record: dict[str, Any]) -> bool:
        """A search that found passages is enough: the model answers from them next."""
        return bool(record.get("file_search", {}).get("results"))

    def replay(self, record: dict[str, Any]) -> tuple[str, str]:
        results = record["file_search"].get("results") or []
        arguments = json.dumps({"queries": record.get(QUERIES_KEY) or []})
        return arguments, record.get(NOTE_KEY) or render_output(record.get(GROUP_KEY, 0), results)

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
