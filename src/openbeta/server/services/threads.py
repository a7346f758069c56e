"""Threads, created empty or with initial messages."""

from __future__ import annotations

from typing import Any, Optional

from sqlalchemy import delete
from sqlalchemy.orm import Session

from ...types.thread import ThreadCreateParams, ThreadUpdateParams
from ..hooks import Hook, ThreadDeleted
from ..ids import new_id, now
from ..paging import PageQuery
from ..store import Database
from ..store.rows import load, owned
from ..store.tables import MessageRow, ThreadRow
from .base import apply_update, list_page
from .messages import insert_message, message_body
from .resources import check_tool_resources


def create_thread(session: Session, project: str, params: ThreadCreateParams, param: str = "") -> dict[str, Any]:
    """Insert a thread and its initial messages in the caller's unit of work."""
    given = params.given()
    prefix = f"{param}." if param else ""
    body = {
        "id": new_id("thread_"),
        "object": "thread",
        "created_at": now(),
        "tool_resources": check_tool_resources(session, project, given.get("tool_resources") or {},
                                               f"{prefix}tool_resources"),
        "metadata": given.get("metadata") or {},
    }
    session.add(ThreadRow(id=body["id"], project_id=project, created_at=body["created_at"], body=body))
    session.flush()
    for i, message in enumerate(params.messages or []):
        insert_message(session, project, message_body(body["id"], message, created_at=body["created_at"]),
                       f"{prefix}messages[{i}].attachments")
    return load(session, ThreadRow, body["id"], "thread").body


class ThreadService:
    def __init__(self, db: Database, deleted: Optional[Hook[ThreadDeleted]] = None) -> None:
        self.db = db
        #: Fired before a thread is deleted, in its unit of work, so that other parts (runs, steps,
        #: sandboxes, ChatKit) delete what hangs off it.
        self.deleted: Hook[ThreadDeleted] = deleted or Hook()

    def create(self, project: str, params: ThreadCreateParams) -> dict[str, Any]:
        with self.db.session() as s:
            return create_thread(s, project, params)

    def get(self, project: str, thread_id: str) -> dict[str, Any]:
        with self.db.session() as s:
            return load(s, ThreadRow, thread_id, "thread", owned(ThreadRow, project)).body

    def update(self, project: str, thread_id: str, params: ThreadUpdateParams) -> dict[str, Any]:
        given = params.given()
        with self.db.session() as s:
            row = load(s, ThreadRow, thread_id, "thread", owned(ThreadRow, project), for_update=True)
            return apply_update(row, given, {
                "tool_resources": lambda value: check_tool_resources(s, project, value or {}, "tool_resources")})

    def delete(self, project: str, thread_id: str) -> dict[str, Any]:
        with self.db.session() as s:
            row = load(s, ThreadRow, thread_id, "thread", owned(ThreadRow, project))
            self.deleted.fire(ThreadDeleted(s, thread_id))
            s.execute(delete(MessageRow).where(MessageRow.thread_id == thread_id))
            s.delete(row)
        return {"id": thread_id, "object": "thread.deleted", "deleted": True}

    def list(self, project: str, page: PageQuery) -> dict[str, Any]:
        """The openbeta thread list (an extension: OpenAI's API cannot list threads), of ``project``."""
        with self.db.session() as s:
            # the hidden threads of previous_response_id chains are nobody's to list
            return list_page(s, ThreadRow, page, ThreadRow.kind != "chain", group=(ThreadRow.project_id, project))
