"""The NOT_GIVEN sentinel and the small request-option types shared by every resource."""

from __future__ import annotations

from typing import Any, Mapping, Optional, Union

import httpx

Headers = Mapping[str, Union[str, "Omit"]]
Query = Mapping[str, object]
Body = object
Timeout = Union[float, httpx.Timeout, None]


class NotGiven:
    """An argument the caller left out: it is not sent at all (``None`` is sent as ``null``)."""

    _instance: Optional["NotGiven"] = None

    def __new__(cls) -> "NotGiven":
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __bool__(self) -> bool:
        return False

    def __repr__(self) -> str:
        return "NOT_GIVEN"


NOT_GIVEN = NotGiven()
not_given = NOT_GIVEN


class Omit:
    """In ``extra_headers``: remove a header the client would otherwise send."""

    def __bool__(self) -> bool:
        return False


omit = Omit()


def given(**fields: Any) -> dict[str, Any]:
    """The fields whose value is not NOT_GIVEN, with pydantic models dumped to JSON-ready dicts."""
    return {key: _jsonable(value) for key, value in fields.items() if not isinstance(value, NotGiven)}


def _jsonable(value: Any) -> Any:
    from pydantic import BaseModel

    if isinstance(value, BaseModel):
        return value.model_dump(mode="json", by_alias=True, exclude_unset=True)
    if isinstance(value, Mapping):
        return {k: _jsonable(v) for k, v in value.items() if not isinstance(v, NotGiven)}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    return value
