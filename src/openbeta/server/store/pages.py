"""Cursor pages, as OpenAI lists them: ``limit``, ``order``, ``after``, ``before``.

Pages seek on the ``seq`` index (``WHERE seq < :cursor ORDER BY seq DESC LIMIT
n+1``), never offsets, so page cost does not grow with the table.

A list inside a parent (a thread's messages) names its ``group``: the column
that picks the parent, leading an index ``(..., column, seq)``. On PostgreSQL
the group is matched as a closed range and ordered by, so that only that index
can give the order: the planner would otherwise walk the whole primary key
backwards whenever its statistics guess that a small thread's rows are spread
evenly among a big thread's (a 10k-message thread next to a 100k one: 90 ms
instead of 0.1 ms). SQLite picks the index by itself, and a range there would
keep ``seq`` from bounding the search, so it gets a plain equality.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Optional, Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..errors import InvalidRequest
from ..paging import PageQuery


@dataclass
class Page:
    rows: list[Any]
    has_more: bool


def fetch_page(session: Session, model: Any, page: PageQuery, where: Sequence[Any] = (),
               group: Optional[tuple[Any, Any]] = None) -> Page:
    """One page of ``model`` rows matching ``where`` (and ``group``: ``(column, value)``), by ``seq``."""
    keys = [model.seq]
    if group is not None:
        column, value = group
        if session.get_bind().dialect.name == "postgresql":
            where = (*where, column >= value, column <= value)
            keys.insert(0, column)
        else:
            where = (*where, column == value)
    stmt = select(model).where(*where)
    reverse = False
    desc = page.order == "desc"
    if page.after:
        seq = _cursor_seq(session, model, page.after, where, "after")
        stmt = stmt.where(model.seq < seq if desc else model.seq > seq)
    if page.before:
        seq = _cursor_seq(session, model, page.before, where, "before")
        stmt = stmt.where(model.seq > seq if desc else model.seq < seq)
        if not page.after:
            # Walk away from the cursor, then put the page back in list order.
            reverse = True
    ascending = (not desc) != reverse
    stmt = stmt.order_by(*(key.asc() if ascending else key.desc() for key in keys)).limit(page.limit + 1)
    rows = list(session.scalars(stmt))
    has_more = len(rows) > page.limit
    rows = rows[: page.limit]
    if reverse:
        rows.reverse()
    return Page(rows=rows, has_more=has_more)


def _cursor_seq(session: Session, model: Any, object_id: str, where: Sequence[Any], param: str) -> int:
    seq = session.scalar(select(model.seq).where(model.id == object_id, *where))
    if seq is None:
        raise InvalidRequest(f"Invalid '{param}': no object with id '{object_id}' in this list.",
                             param=param, code="invalid_value")
    return seq
