"""What every object service shares: pages of rows rendered, and modify requests applied to a body
(load-or-404 and the other row helpers are ``store/rows.py``'s)."""

from __future__ import annotations

from typing import Any, Callable, Mapping, Optional, Sequence

from sqlalchemy.orm import Session

from ..paging import PageQuery
from ..store.pages import fetch_page
from ..store.rows import set_body


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


def list_page(session: Session, model: Any, page: PageQuery, *where: Any,
              group: Optional[tuple[Any, Any]] = None,
              render: Callable[[Any], dict[str, Any]] = lambda row: row.body) -> dict[str, Any]:
    """A page, each row rendered by ``render``; ``group`` as in :func:`~openbeta.server.store.pages.fetch_page`."""
    result = fetch_page(session, model, page, where, group)
    return render_page(result.rows, result.has_more, render)


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
