"""Vector stores, the files in them, file batches, and search.

A vector store's ``file_counts``, ``usage_bytes``, ``status`` and ``expires_at``
(and a batch's ``file_counts``) are computed from its files when it is read, and
a file's ``status`` and ``usage_bytes`` live only in their columns: each value is
stored once, so none can drift from the truth.
Ingestion (parse, chunk, embed) happens in the background
(:mod:`openbeta.server.retrieval.ingest`); this service only queues it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Iterator, Mapping, Optional, Sequence, Union

from pydantic import BaseModel
from sqlalchemy import and_, delete, func, select
from sqlalchemy.orm import Session

from ...types.vector_store import (FileBatchCreateParams, SearchParams, VectorStoreCreateParams,
                                   VectorStoreFileCreateParams, VectorStoreFileUpdateParams,
                                   VectorStoreUpdateParams)
from ..errors import InvalidRequest, NotFound
from ..hooks import FilesQueued, Hook
from ..ids import new_id, now
from ..paging import PageQuery
from ..retrieval.chunk import AUTO_MAX_TOKENS, AUTO_OVERLAP_TOKENS
from ..retrieval.filters import matches
from ..retrieval.search import HybridSearcher
from ..retrieval.store_index import StoreIndexes
from ..store import Database
from ..store.rows import load, owned, set_body
from ..store.tables import ChunkRow, FileRow, VectorStoreFileBatchRow, VectorStoreFileRow, VectorStoreRow
from ..store.texts import StoredText, read_pieces, stored_text
from .base import apply_update, list_page

DAY = 86_400
TOUCH_SECONDS = 60
STATUSES = ("in_progress", "completed", "failed", "cancelled")
AUTO_CHUNKING = {"type": "static", "static": {"max_chunk_size_tokens": AUTO_MAX_TOKENS,
                                              "chunk_overlap_tokens": AUTO_OVERLAP_TOKENS}}


@dataclass
class SearchHit:
    """One chunk found by :meth:`VectorStoreService.search`."""

    vector_store_id: str
    file_id: str
    filename: str
    score: float
    attributes: dict[str, Any]
    content: str

    def to_wire(self) -> dict[str, Any]:
        return {"file_id": self.file_id, "filename": self.filename, "score": self.score,
                "attributes": self.attributes, "content": [{"type": "text", "text": self.content}]}


def _dump(value: Any) -> Any:
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json", exclude_none=True)
    return value


def chunking_body(strategy: Any) -> dict[str, Any]:
    """The stored (response) form of a requested chunking strategy: always ``static``."""
    strategy = _dump(strategy)
    if not strategy or strategy.get("type") == "auto":
        return {"type": "static", "static": dict(AUTO_CHUNKING["static"])}
    return {"type": "static", "static": {"max_chunk_size_tokens": strategy["static"]["max_chunk_size_tokens"],
                                         "chunk_overlap_tokens": strategy["static"]["chunk_overlap_tokens"]}}


def expires_at(body: Mapping[str, Any]) -> Optional[int]:
    policy = body.get("expires_after")
    return body["last_active_at"] + policy["days"] * DAY if policy else None


def render_file(row: VectorStoreFileRow) -> dict[str, Any]:
    """A vector store file's wire body: its stored fields plus the status and usage kept in columns."""
    return {"id": row.body["id"], "object": row.body["object"], "usage_bytes": row.usage_bytes,
            "created_at": row.created_at, "vector_store_id": row.vector_store_id, "status": row.status,
            **row.body}


def count_files(session: Session, *where: Any) -> dict[str, int]:
    counts = {status: 0 for status in STATUSES}
    rows = session.execute(select(VectorStoreFileRow.status, func.count()).where(*where)
                           .group_by(VectorStoreFileRow.status))
    for status, n in rows:
        counts[status] = counts.get(status, 0) + n
    counts["total"] = sum(counts[s] for s in STATUSES)
    return counts


def _content_page(db: Database, text: Optional[StoredText]) -> Iterator[bytes]:
    head = '{"object":"vector_store.file_content.page","data":['
    tail = '],"has_more":false,"next_page":null}'
    if text is None:
        yield (head + tail).encode()
        return
    yield (head + '{"type":"text","text":"').encode()
    for piece in read_pieces(db, text):
        yield json.dumps(piece, ensure_ascii=False)[1:-1].encode("utf-8")
    yield ('"}' + tail).encode()


def add_file(session: Session, project: str, store_id: str, file_id: str, *, chunking_strategy: Any = None,
             attributes: Optional[Mapping[str, Any]] = None, batch_id: Optional[str] = None,
             param: str = "file_id") -> VectorStoreFileRow:
    """Attach a file to a store, queued for ingestion; a file already there is left as it is."""
    if session.scalar(select(FileRow.id).where(FileRow.id == file_id, owned(FileRow, project))) is None:
        raise NotFound.of("file", file_id, param=param)
    row = session.scalar(select(VectorStoreFileRow).where(VectorStoreFileRow.vector_store_id == store_id,
                                                          VectorStoreFileRow.id == file_id))
    if row is not None:
        if batch_id is not None:
            row.batch_id = batch_id
        return row
    body = {
        "id": file_id,
        "object": "vector_store.file",
        "vector_store_id": store_id,
        "last_error": None,
        "chunking_strategy": chunking_body(chunking_strategy),
        "attributes": dict(attributes or {}),
    }
    row = VectorStoreFileRow(id=file_id, vector_store_id=store_id, batch_id=batch_id, status="in_progress",
                             usage_bytes=0, created_at=now(), body=body)
    session.add(row)
    session.flush()
    return row


def create_store(session: Session, project: str, params: VectorStoreCreateParams,
                 param: str = "file_ids") -> VectorStoreRow:
    """Insert a vector store and queue its files, in the caller's unit of work."""
    given = params.given()
    created = now()
    body = {
        "id": new_id("vs_"),
        "object": "vector_store",
        "created_at": created,
        "name": given.get("name") or "",
        "description": given.get("description"),
        "expires_after": given.get("expires_after"),
        "last_active_at": created,
        "metadata": given.get("metadata") or {},
    }
    row = VectorStoreRow(id=body["id"], project_id=project, created_at=created, body=body)
    session.add(row)
    session.flush()
    for i, file_id in enumerate(dict.fromkeys(params.file_ids)):
        add_file(session, project, row.id, file_id, chunking_strategy=params.chunking_strategy, param=f"{param}[{i}]")
    return row


class VectorStoreService:
    def __init__(self, db: Database, searcher: HybridSearcher, dense: StoreIndexes,
                 queued: Optional[Hook[FilesQueued]] = None) -> None:
        self.db = db
        self.searcher = searcher
        self.dense = dense
        #: Fired (from any thread) when files are queued, to wake the ingestion workers.
        self.queued: Hook[FilesQueued] = queued or Hook()

    # ------------------------------------------------------------ rendering

    def render(self, session: Session, row: VectorStoreRow) -> dict[str, Any]:
        counts = count_files(session, VectorStoreFileRow.vector_store_id == row.id)
        usage = session.scalar(select(func.coalesce(func.sum(VectorStoreFileRow.usage_bytes), 0)).where(
            VectorStoreFileRow.vector_store_id == row.id))
        expiry = expires_at(row.body)
        if expiry is not None and expiry <= now():
            status = "expired"
        else:
            status = "in_progress" if counts["in_progress"] else "completed"
        body = {"id": row.id, "object": "vector_store", "created_at": row.created_at, "name": row.body["name"],
                "usage_bytes": int(usage or 0), "file_counts": counts, "status": status, "expires_at": expiry,
                **row.body}
        if body.get("expires_after") is None:  # the schema has an object or nothing
            body.pop("expires_after", None)
        return body

    def _render_batch(self, session: Session, row: VectorStoreFileBatchRow) -> dict[str, Any]:
        counts = count_files(session, VectorStoreFileRow.batch_id == row.id)
        body = {**row.body, "file_counts": counts}
        if body["status"] != "cancelled":
            if counts["in_progress"]:
                body["status"] = "in_progress"
            else:
                body["status"] = "failed" if counts["total"] and counts["failed"] == counts["total"] else "completed"
        return body

    def _store(self, session: Session, project: str, store_id: str, for_update: bool = False) -> VectorStoreRow:
        return load(session, VectorStoreRow, store_id, "vector store", owned(VectorStoreRow, project),
                    for_update=for_update)

    def _file(self, session: Session, store_id: str, file_id: str) -> VectorStoreFileRow:
        row = session.scalar(select(VectorStoreFileRow).where(VectorStoreFileRow.vector_store_id == store_id,
                                                              VectorStoreFileRow.id == file_id))
        if row is None:
            raise NotFound(f"No file found with id '{file_id}' in vector store '{store_id}'.")
        return row

    # ------------------------------------------------------------ vector stores

    def create(self, project: str, params: VectorStoreCreateParams) -> dict[str, Any]:
        with self.db.session() as s:
            row = create_store(s, project, params)
            body = self.render(s, row)
        self.queued.fire(FilesQueued())
        return body

    def get(self, project: str, store_id: str) -> dict[str, Any]:
        with self.db.session() as s:
            return self.render(s, self._store(s, project, store_id))

    def update(self, project: str, store_id: str, params: VectorStoreUpdateParams) -> dict[str, Any]:
        given = params.given()
        with self.db.session() as s:
            row = self._store(s, project, store_id, for_update=True)
            apply_update(row, given)
            return self.render(s, row)

    def delete(self, project: str, store_id: str) -> dict[str, Any]:
        with self.db.session() as s:
            row = self._store(s, project, store_id)
            s.execute(delete(ChunkRow).where(ChunkRow.vector_store_id == store_id))
            s.execute(delete(VectorStoreFileRow).where(VectorStoreFileRow.vector_store_id == store_id))
            s.execute(delete(VectorStoreFileBatchRow).where(VectorStoreFileBatchRow.vector_store_id == store_id))
            s.delete(row)
        self.dense.drop(store_id)
        return {"id": store_id, "object": "vector_store.deleted", "deleted": True}

    def list(self, project: str, page: PageQuery) -> dict[str, Any]:
        with self.db.session() as s:
            return list_page(s, VectorStoreRow, page, group=(VectorStoreRow.project_id, project),
                             render=lambda row: self.render(s, row))

    # ------------------------------------------------------------ files in a store

    def add_file(self, project: str, store_id: str, params: VectorStoreFileCreateParams) -> dict[str, Any]:
        with self.db.session() as s:
            self._touch(self._store(s, project, store_id, for_update=True))
            row = add_file(s, project, store_id, params.file_id, chunking_strategy=params.chunking_strategy,
                           attributes=params.attributes)
            body = render_file(row)
        self.queued.fire(FilesQueued())
        return body

    def get_file(self, project: str, store_id: str, file_id: str) -> dict[str, Any]:
        with self.db.session() as s:
            self._store(s, project, store_id)
            return render_file(self._file(s, store_id, file_id))

    def update_file(self, project: str, store_id: str, file_id: str,
                    params: VectorStoreFileUpdateParams) -> dict[str, Any]:
        with self.db.session() as s:
            self._store(s, project, store_id)
            row = self._file(s, store_id, file_id)
            set_body(row, {**row.body, "attributes": dict(params.attributes or {})})
            return render_file(row)

    def delete_file(self, project: str, store_id: str, file_id: str) -> dict[str, Any]:
        with self.db.session() as s:
            self._store(s, project, store_id)
            row = self._file(s, store_id, file_id)
            s.execute(delete(ChunkRow).where(ChunkRow.vector_store_id == store_id, ChunkRow.file_id == file_id))
            s.delete(row)
        self.dense.invalidate(store_id)
        return {"id": file_id, "object": "vector_store.file.deleted", "deleted": True}

    def list_files(self, project: str, store_id: str, page: PageQuery, status: Optional[str] = None,
                   batch_id: Optional[str] = None) -> dict[str, Any]:
        if status is not None and status not in STATUSES:
            raise InvalidRequest(f"Invalid value: '{status}'. Supported values are: "
                                 f"{', '.join(repr(s) for s in STATUSES)}.", param="filter", code="invalid_value")
        with self.db.session() as s:
            self._store(s, project, store_id)
            where = [VectorStoreFileRow.vector_store_id == store_id]
            if batch_id is not None:
                load(s, VectorStoreFileBatchRow, batch_id, "file batch",
                     VectorStoreFileBatchRow.vector_store_id == store_id)
                where.append(VectorStoreFileRow.batch_id == batch_id)
            if status is not None:
                where.append(VectorStoreFileRow.status == status)
            return list_page(s, VectorStoreFileRow, page, *where, render=render_file)

    def file_content(self, project: str, store_id: str, file_id: str) -> Iterator[bytes]:
        """The ``vector_store.file_content.page`` of a file: its parsed text as one ``text`` part (none
        before the file is ingested), as JSON bytes read from the stored pieces one at a time, so a text
        of any size is sent without being held whole. The store and file are checked before it starts."""
        with self.db.session() as s:
            self._store(s, project, store_id)
            row = self._file(s, store_id, file_id)
            text = stored_text(s, file_id) if row.status == "completed" else None
        return _content_page(self.db, text)

    def on_file_deleted(self, session: Session, file_id: str) -> None:
        """A file is being deleted: drop it from every vector store and from search."""
        stores = list(session.scalars(select(VectorStoreFileRow.vector_store_id)
                                      .where(VectorStoreFileRow.id == file_id)))
        session.execute(delete(ChunkRow).where(ChunkRow.file_id == file_id))
        session.execute(delete(VectorStoreFileRow).where(VectorStoreFileRow.id == file_id))
        for store_id in stores:
            self.dense.invalidate(store_id)

    # ------------------------------------------------------------ file batches

    def create_batch(self, project: str, store_id: str, params: FileBatchCreateParams) -> dict[str, Any]:
        if params.file_ids is None and params.files is None:
            raise InvalidRequest("Missing required parameter: 'file_ids' (or 'files').", param="file_ids",
                                 code="missing_required_parameter")
        if params.file_ids is not None and params.files is not None:
            raise InvalidRequest("'file_ids' and 'files' are mutually exclusive: give only one.", param="files",
                                 code="invalid_value")
        with self.db.session() as s:
            self._touch(self._store(s, project, store_id, for_update=True))
            body = {"id": new_id("vsfb_"), "object": "vector_store.files_batch", "created_at": now(),
                    "vector_store_id": store_id, "status": "in_progress"}
            row = VectorStoreFileBatchRow(id=body["id"], vector_store_id=store_id, created_at=body["created_at"],
                                          body=body)
            s.add(row)
            s.flush()
            if params.files is not None:
                for i, item in enumerate(params.files):
                    add_file(s, project, store_id, item.file_id, chunking_strategy=item.chunking_strategy,
                             attributes=item.attributes, batch_id=row.id, param=f"files[{i}].file_id")
            else:
                for i, file_id in enumerate(dict.fromkeys(params.file_ids or [])):
                    add_file(s, project, store_id, file_id, chunking_strategy=params.chunking_strategy,
                             attributes=params.attributes, batch_id=row.id, param=f"file_ids[{i}]")
            out = self._render_batch(s, row)
        self.queued.fire(FilesQueued())
        return out

    def get_batch(self, project: str, store_id: str, batch_id: str) -> dict[str, Any]:
        with self.db.session() as s:
            self._store(s, project, store_id)
            row = load(s, VectorStoreFileBatchRow, batch_id, "file batch",
                       VectorStoreFileBatchRow.vector_store_id == store_id)
            return self._render_batch(s, row)

    def cancel_batch(self, project: str, store_id: str, batch_id: str) -> dict[str, Any]:
        with self.db.session() as s:
            self._store(s, project, store_id)
            row = load(s, VectorStoreFileBatchRow, batch_id, "file batch",
                       VectorStoreFileBatchRow.vector_store_id == store_id, for_update=True)
            current = self._render_batch(s, row)
            if current["status"] != "in_progress":
                raise InvalidRequest(f"Cannot cancel a file batch with status '{current['status']}'.",
                                     code="invalid_state")
            for file_row in s.scalars(select(VectorStoreFileRow).where(
                    VectorStoreFileRow.batch_id == batch_id, VectorStoreFileRow.status == "in_progress")):
                file_row.status = "cancelled"  # the ingestion stops at its next batch ...
                # ... and the chunks it had written go
                s.execute(delete(ChunkRow).where(ChunkRow.vector_store_id == store_id,
                                                 ChunkRow.file_id == file_row.id))
            set_body(row, {**row.body, "status": "cancelled"})
            s.flush()
            return self._render_batch(s, row)

    # ------------------------------------------------------------ search

    def _touch(self, row: VectorStoreRow) -> None:
        """Mark the store active (at most once a minute, so searches rarely write)."""
        if now() - row.body.get("last_active_at", 0) >= TOUCH_SECONDS:
            set_body(row, {**row.body, "last_active_at": now()})

    @staticmethod
    def _attributes(s: Session, stores: list[str], file_ids: Optional[set[str]] = None) -> dict[tuple[str, str], Any]:
        """``(store id, file id) -> attributes`` of the stores' completed files (only ``file_ids`` if given)."""
        query = select(VectorStoreFileRow.vector_store_id, VectorStoreFileRow.id, VectorStoreFileRow.body).where(
            VectorStoreFileRow.vector_store_id.in_(stores), VectorStoreFileRow.status == "completed")
        if file_ids is not None:
            query = query.where(VectorStoreFileRow.id.in_(file_ids))
        return {(sid, fid): body.get("attributes") or {} for sid, fid, body in s.execute(query)}

    def search(self, project: str, vector_store_ids: Sequence[str], query: Union[str, Sequence[str]],
               max_num_results: int = 10, ranking_options: Any = None, filters: Any = None) -> list[SearchHit]:
        """The best chunks in the given stores for ``query`` (one string or several), best first.

        ``filters`` is a comparison or compound filter on file attributes;
        ``ranking_options.score_threshold`` drops hits scored below it.
        """
        queries = [query] if isinstance(query, str) else [q for q in query]
        filters = _dump(filters)
        threshold = float((_dump(ranking_options) or {}).get("score_threshold") or 0.0)
        with self.db.session() as s:
            stores = []
            for store_id in dict.fromkeys(vector_store_ids):
                row = self._store(s, project, store_id)
                expiry = expires_at(row.body)
                if expiry is not None and expiry <= now():
                    raise InvalidRequest(f"Vector store '{store_id}' has expired.", param="vector_store_id",
                                         code="vector_store_expired")
                self._touch(row)
                stores.append(store_id)
            vectors = self.searcher.embed_soon(queries)  # while the database and lexical index are read
            allowed = None
            if filters:  # every file's attributes, to know which files the filter lets through
                attributes = self._attributes(s, stores)
                allowed = {key for key, attrs in attributes.items() if matches(filters, attrs)}
                if not allowed:
                    return []
            # a file's chunks are written batch by batch while it is ingested: only completed files answer
            unfinished = {(store, file) for store, file in s.execute(
                select(VectorStoreFileRow.vector_store_id, VectorStoreFileRow.id).where(
                    VectorStoreFileRow.vector_store_id.in_(stores), VectorStoreFileRow.status != "completed"))}
            ranked = [(seq, score) for seq, score in
                      self.searcher.search(s, stores, queries, max_num_results, allowed, vectors, unfinished)
                      if score >= threshold]
            if not ranked:
                return []
            # the hits' texts, files' attributes and file names in one query, by primary key
            rows = {row.seq: row for row in s.execute(
                select(ChunkRow.seq, ChunkRow.vector_store_id, ChunkRow.file_id, ChunkRow.text,
                       VectorStoreFileRow.body.label("store_file"), FileRow.body["filename"].as_string().label("name"))
                .select_from(ChunkRow)
                .outerjoin(VectorStoreFileRow, and_(VectorStoreFileRow.vector_store_id == ChunkRow.vector_store_id,
                                                    VectorStoreFileRow.id == ChunkRow.file_id,
                                                    VectorStoreFileRow.status == "completed"))
                .outerjoin(FileRow, FileRow.id == ChunkRow.file_id)
                .where(ChunkRow.seq.in_([seq for seq, _ in ranked])))}
            hits = []
            for seq, score in ranked:
                row = rows.get(seq)
                if row is None:
                    continue
                attrs = (attributes.get((row.vector_store_id, row.file_id), {}) if filters
                         else ((row.store_file or {}).get("attributes") or {}))
                hits.append(SearchHit(vector_store_id=row.vector_store_id, file_id=row.file_id, filename=row.name or "",
                                      score=round(score, 6), attributes=attrs, content=row.text))
            return hits

    def search_page(self, project: str, store_id: str, params: SearchParams) -> dict[str, Any]:
        hits = self.search(project, [store_id], params.queries(), params.max_num_results, params.ranking_options,
                           params.filters)
        return {"object": "vector_store.search_results.page", "search_query": params.queries(),
                "data": [hit.to_wire() for hit in hits], "has_more": False, "next_page": None}
