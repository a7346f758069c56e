"""A list's page, as OpenAI's list endpoints take it: ``limit`` (1-100, default 20), ``order`` (``desc`` by
default), ``after`` and ``before`` (object ids). :func:`page_query` reads and checks it from a query
string; ``store/pages.py`` fetches it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Optional, Protocol

from .errors import InvalidRequest


@dataclass
class PageQuery:
    limit: int = 20
    order: Literal["asc", "desc"] = "desc"
    after: Optional[str] = None
    before: Optional[str] = None


class QueryParams(Protocol):
    def getlist(self, key: str) -> list[str]: ...


def _one(params: QueryParams, name: str) -> Optional[str]:
    values = params.getlist(name)
    return values[-1] if values else None


def page_query(params: QueryParams, maximum: int = 100) -> PageQuery:
    """The page a query string asks for (its last value of each parameter); 400 naming the parameter
    for a ``limit`` outside 1..``maximum`` or an ``order`` other than ``asc``/``desc``."""
    limit_raw = _one(params, "limit")
    limit = 20
    if limit_raw is not None:
        try:
            limit = int(limit_raw)
        except ValueError:
            raise InvalidRequest(
                f"Invalid type for 'limit': expected an integer, but got a string instead.",
                param="limit", code="invalid_type") from None
        if not 1 <= limit <= maximum:
            raise InvalidRequest(
                f"Invalid 'limit': integer {'below minimum value' if limit < 1 else 'above maximum value'}. "
                f"Expected a value {'>= 1' if limit < 1 else f'<= {maximum}'}, but got {limit} instead.",
                param="limit", code="integer_below_min_value" if limit < 1 else "integer_above_max_value")
    order = _one(params, "order")
    order = "desc" if order is None else order  # an empty order= is not one of the two
    if order not in ("asc", "desc"):
        raise InvalidRequest(f"Invalid value: '{order}'. Supported values are: 'asc' and 'desc'.",
                             param="order", code="invalid_value")
    return PageQuery(limit=limit, order=order,  # type: ignore[arg-type]
                     after=_one(params, "after") or None, before=_one(params, "before") or None)


__all__ = ["PageQuery", "page_query"]
