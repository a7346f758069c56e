"""Messages in a thread."""

from __future__ import annotations

from typing import Any, Optional

from sqlalchemy import select
from sqlalchemy.orm import Session

from ...types.message import MessageCreateParams, MessageUpdateParams, content_blocks
from ..ids import new_id, now
from ..store import Database
from ..paging import PageQuery
from ..store.tables import MessageRow, ThreadRow
from .base import apply_update, list_page, load, owned
from .resources import check_message_files, index_attachments


def message_body(thread_id: str, params: MessageCreateParams, *, created_at: Optional[int] = None,
                 run_id: Optional[str] = None, assistant_id: Optional[str] = None) -> dict[str, Any]:
    """A stored message, built from what a caller sent."""
    given = params.given()
    return {
        "id": new_id("msg_"),
        "object": "thread.message",
        "created_at": created_at or now(),
        "thread_id": thread_id,
        "status": "completed",
        "incomplete_details": None,
        "completed_at": None,
        "incomplete_at": None,
        "role": params.role,
        "content": content_blocks(params.content),
        "assistant_id": assistant_id,
        "run_id": run_id,
        "attachments": given.get("attachments") or [],
        "metadata": given.get("metadata") or {},
    }


def insert_message(session: Session, project: str, body: dict[str, Any], param: str = "attachments") -> MessageRow:
    """Add a message; files it attaches for ``file_search`` go to the thread's vector store."""
    check_message_files(session, project, body, param[:-len("attachments")])
    if body.get("attachments"):
        thread = session.scalar(select(ThreadRow).where(ThreadRow.id == body["thread_id"], owned(ThreadRow, project)))
        if thread is not None:
            index_attachments(session, project, thread, body["attachments"], param)
    row = MessageRow(id=body["id"], thread_id=body["thread_id"], run_id=body.get("run_id"),
                     created_at=body["created_at"], body=body)
    session.add(row)
    return row


class MessageService:
    def __init__(self, db: Database) -> None:
        self.db = db
        #: Called with (session, thread_id) before a message is added; the run
        #: engine uses it to refuse messages while a run is active.
        self.guards: list = []

    def create(self, project: str, thread_id: str, params: MessageCreateParams) -> dict[str, Any]:
        with self.db.session() as s:
            load(s, ThreadRow, thread_id, "thread", owned(ThreadRow, project))
            for guard in self.guards:
                guard(s, thread_id)
            body = message_body(thread_id, params)
            insert_message(s, project, body)
            return body

    def get(self, project: str, thread_id: str, message_id: str) -> dict[str, Any]:
        with self.db.session() as s:
            load(s, ThreadRow, thread_id, "thread", owned(ThreadRow, project))
            return load(s, MessageRow, message_id, "message", MessageRow.thread_id == thread_id).body

    def update(self, project: str, thread_id: str, message_id: str, params: MessageUpdateParams) -> dict[str, Any]:
        given = params.given()
        with self.db.session() as s:
            load(s, ThreadRow, thread_id, "thread", owned(ThreadRow, project))
            row = load(s, MessageRow, message_id, "message", MessageRow.thread_id == thread_id,
                       for_update=True)
            return apply_update(row, given)

    def delete(self, project: str, thread_id: str, message_id: str) -> dict[str, Any]:
        with self.db.session() as s:
            load(s, ThreadRow, thread_id, "thread", owned(ThreadRow, project))
            row = load(s, MessageRow, message_id, "message", MessageRow.thread_id == thread_id)
            s.delete(row)
        return {"id": message_id, "object": "thread.message.deleted", "deleted": True}

    def list(self, project: str, thread_id: str, page: PageQuery, run_id: Optional[str] = None) -> dict[str, Any]:
        with self.db.session() as s:
            load(s, ThreadRow, thread_id, "thread", owned(ThreadRow, project))
            if run_id is None:
                return list_page(s, MessageRow, page, group=(MessageRow.thread_id, thread_id))
            return list_page(s, MessageRow, page, MessageRow.thread_id == thread_id,
                             group=(MessageRow.run_id, run_id))
