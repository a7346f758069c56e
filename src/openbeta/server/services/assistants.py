"""Assistants: create, read, update, delete, list."""

from __future__ import annotations

from typing import Any

from ...types.assistant import AssistantCreateParams, AssistantUpdateParams
from ..ids import new_id, now
from ..paging import PageQuery
from ..store import Database
from ..store.rows import load, owned
from ..store.tables import AssistantRow
from .base import apply_update, list_page
from .resources import check_tool_resources, normalize_tools


class AssistantService:
    def __init__(self, db: Database) -> None:
        self.db = db

    def create(self, project: str, params: AssistantCreateParams) -> dict[str, Any]:
        given = params.given()
        body = {
            "id": new_id("asst_"),
            "object": "assistant",
            "created_at": now(),
            "name": given.get("name"),
            "description": given.get("description"),
            "model": params.model,
            "instructions": given.get("instructions"),
            "tools": normalize_tools(given.get("tools") or []),
            "tool_resources": given.get("tool_resources") or {},
            "metadata": given.get("metadata") or {},
            "temperature": given.get("temperature", 1.0),
            "top_p": given.get("top_p", 1.0),
            "response_format": given.get("response_format", "auto"),
            "reasoning_effort": given.get("reasoning_effort"),
        }
        with self.db.session() as s:
            body["tool_resources"] = check_tool_resources(s, project, body["tool_resources"], "tool_resources")
            s.add(AssistantRow(id=body["id"], project_id=project, created_at=body["created_at"], body=body))
        return body

    def get(self, project: str, assistant_id: str) -> dict[str, Any]:
        with self.db.session() as s:
            return load(s, AssistantRow, assistant_id, "assistant", owned(AssistantRow, project)).body

    def update(self, project: str, assistant_id: str, params: AssistantUpdateParams) -> dict[str, Any]:
        given = params.given()
        with self.db.session() as s:
            row = load(s, AssistantRow, assistant_id, "assistant", owned(AssistantRow, project), for_update=True)
            return apply_update(row, given, {
                "tools": lambda value: normalize_tools(value or []),
                "tool_resources": lambda value: check_tool_resources(s, project, value or {}, "tool_resources")})

    def delete(self, project: str, assistant_id: str) -> dict[str, Any]:
        with self.db.session() as s:
            row = load(s, AssistantRow, assistant_id, "assistant", owned(AssistantRow, project))
            s.delete(row)
        return {"id": assistant_id, "object": "assistant.deleted", "deleted": True}

    def list(self, project: str, page: PageQuery) -> dict[str, Any]:
        with self.db.session() as s:
            return list_page(s, AssistantRow, page, group=(AssistantRow.project_id, project))
