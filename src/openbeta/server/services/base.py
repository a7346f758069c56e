"""What every object service shares: load-or-404, pages, and rendering rows."""

from __future__ import annotations

from typing import Any, Callable, Mapping, Optional, Sequence

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from ..errors import NotFound
from ..paging import PageQuery
from ..store.pages import fetch_page


def render_page(rows: Sequence[Any], has_more: bool,
                render: Callable[[Any], dict[str, Any]] = lambda row: row.body) -> dict[str, Any]:
    data = [render(row) for row in rows]
    return {
        "object": "list",
        "data": data,
        "first_id": data[0]["id"] if data else None,
        "last_id": data[-1]["id"] if data else None,
        "has_more": has_more,
    }


def owned(model: Any, project: str) -> Any:
    """The clause that keeps a query on top-level rows (assistants, threads, files, vector
    stores) inside the caller's ``project``: pass it to :func:`load` and :func:`list_page`."""
    return model.project_id == project


def load(session: Session, model: Any, object_id: str, kind: str, *where: Any, param: str | None = None,
         for_update: bool = False) -> Any:
    stmt = select(model).where(model.id == object_id, *where)
    if for_update:
        # FOR NO KEY UPDATE on PostgreSQL: a body change never touches a key, so rows whose foreign keys
        # point here (chunks of a vector store being ingested) are not blocked, and cannot deadlock with it.
        stmt = stmt.with_for_update(key_share=True)
        if session.get_bind().dialect.name == "sqlite":
            # SQLite ignores FOR UPDATE and its reads take no lock: a no-op write
            # takes the database's write lock now, so read-modify-write is not lost.
            session.execute(update(model).where(model.id == object_id).values(id=model.id))
    row = session.scalar(stmt)
    if row is None:
        raise NotFound.of(kind, object_id, param=param)
    return row


def list_page(session: Session, model: Any, page: PageQuery, *where: Any,
              group: Optional[tuple[Any, Any]] = None,
              render: Callable[[Any], dict[str, Any]] = lambda row: row.body) -> dict[str, Any]:
    """A page, each row rendered by ``render``; ``group`` as in :func:`~openbeta.server.store.pages.fetch_page`."""
    result = fetch_page(session, model, page, where, group)
    return render_page(result.rows, result.has_more, render)


def set_body(row: Any, body: dict[str, Any]) -> None:
    """Replace a row's JSON body (a new dict, so the ORM sees the change)."""
    row.body = dict(body)


def apply_update(row: Any, given: Mapping[str, Any],
                 convert: Mapping[str, Callable[[Any], Any]] = {}) -> dict[str, Any]:
    """Apply a modify request's given fields to a row's body; return the new body.

    ``metadata: null`` clears the metadata; ``convert[key]`` turns a given value
    into its stored form.
    """
    body = dict(row.body)
    for key, value in given.items():
        if key == "metadata":
            value = value or {}
        elif key in convert:
            value = convert[key](value)
        body[key] = value
    set_body(row, body)
    return body
