"""Base classes for wire objects.

Every object that crosses the wire is defined once, here in ``openbeta.types``.
The server renders responses from these models; the SDK parses responses into
them. Response objects tolerate fields they do not know (a newer server may
send more); request bodies forbid them (the server answers 400
``unknown_parameter``).
"""

from __future__ import annotations

from typing import Any, Literal, Optional, get_args, get_origin

from pydantic import BaseModel, ConfigDict, GetCoreSchemaHandler
from pydantic_core import core_schema


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


_OTHER = "\x00other"


class ByType:
    """``Annotated[Union[A, B, Other], ByType()]``: a union discriminated on ``type``.

    Each member whose ``type`` is a ``Literal`` claims those values; a member whose
    ``type`` is a plain ``str`` takes every other value, so unknown types still parse.
    """

    def __get_pydantic_core_schema__(self, source: Any, handler: GetCoreSchemaHandler) -> core_schema.CoreSchema:
        choices: dict[str, core_schema.CoreSchema] = {}
        for member in get_args(source):
            annotation = member.model_fields["type"].annotation
            schema = handler.generate_schema(member)
            tags = get_args(annotation) if get_origin(annotation) is Literal else (_OTHER,)
            choices.update({tag: schema for tag in tags})

        def tag_of(value: Any) -> Optional[str]:
            kind = value.get("type") if isinstance(value, dict) else getattr(value, "type", None)
            return kind if kind in choices else (_OTHER if _OTHER in choices else None)

        return core_schema.tagged_union_schema(choices, discriminator=tag_of)  # type: ignore[arg-type]
