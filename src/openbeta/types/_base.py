"""Base classes for wire objects.

Every object that crosses the wire is defined once, here in ``openbeta.types``.
The server renders responses from these models; the SDK parses responses into
them. Response objects tolerate fields they do not know (a newer server may
send more); request bodies forbid them (the server answers 400
``unknown_parameter``).
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict


class WireModel(BaseModel):
    """An object the server sends: lenient on input, complete on output."""

    model_config = ConfigDict(extra="allow", populate_by_name=True, protected_namespaces=())

    def to_dict(self) -> dict[str, Any]:
        """The JSON-ready dict, with every declared field present (nulls included)."""
        return self.model_dump(mode="json", by_alias=True)

    def to_json(self) -> str:
        return self.model_dump_json(by_alias=True)


class RequestModel(BaseModel):
    """A request body the server accepts: unknown fields are an error."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True, protected_namespaces=())

    def given(self) -> dict[str, Any]:
        """Only the fields the caller sent (omitted is not the same as null)."""
        return self.model_dump(mode="json", exclude_unset=True, by_alias=True)
