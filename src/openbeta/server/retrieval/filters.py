"""Attribute filters on vector store files: comparison (``eq`` ... ``nin``) and compound (``and``/``or``)."""

from __future__ import annotations

from typing import Any, Mapping, Optional

_ORDER = {"gt": lambda a, b: a > b, "gte": lambda a, b: a >= b, "lt": lambda a, b: a < b, "lte": lambda a, b: a <= b}


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    return a == b


def matches(flt: Optional[Mapping[str, Any]], attributes: Optional[Mapping[str, Any]]) -> bool:
    """Whether a file's ``attributes`` pass ``flt`` (no filter passes everything)."""
    if not flt:
        return True
    kind = flt["type"]
    if kind == "and":
        return all(matches(f, attributes) for f in flt["filters"])
    if kind == "or":
        return any(matches(f, attributes) for f in flt["filters"])
    attributes = attributes or {}
    value = flt["value"]
    if flt["key"] not in attributes:
        return kind in ("ne", "nin")
    actual = attributes[flt["key"]]
    if kind == "eq":
        return _same(actual, value)
    if kind == "ne":
        return not _same(actual, value)
    if kind in ("in", "nin"):
        found = any(_same(actual, v) for v in (value if isinstance(value, list) else [value]))
        return found if kind == "in" else not found
    numeric = (int, float)
    comparable = (isinstance(actual, numeric) and isinstance(value, numeric)
                  and not isinstance(actual, bool) and not isinstance(value, bool)) or (
                  isinstance(actual, str) and isinstance(value, str))
    return comparable and _ORDER[kind](actual, value)
