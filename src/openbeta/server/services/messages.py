"""Messages in a thread."""

from __future__ import annotations

from typing import Any, Optional

from sqlalchemy import select
from sqlalchemy.orm import Session

from ...types.message import MessageCreateParams, MessageUpdateParams, content_blocks
from ..hooks import Hook, MessageAdding
from ..paging import PageQuery
from ..store import Database
from ..store.rows import add_message, load, message_body as stored_message, owned
from ..store.items import assistants_visible
from ..store.tables import MessageRow, ThreadRow
from .base import apply_update, list_page
from .resources import check_message_files, index_attachments


def message_body(thread_id: str, params: MessageCreateParams, *, created_at: Optional[int] = None,
                 run_id: Optional[str] = None, assistant_id: Optional[str] = None) -> dict[str, Any]:
    """A stored message, built from what a caller sent (by :func:`~..store.rows.message_body`)."""
    given = params.given()
    return stored_message(thread_id, params.role, content=content_blocks(params.content), created_at=created_at,
                          run_id=run_id, assistant_id=assistant_id, attachments=given.get("attachments"),
                          metadata=given.get("metadata"))


def insert_message(session: Session, project: str, body: dict[str, Any], param: str = "attachments") -> MessageRow:
    """Add a message whose files (``image_file`` parts, attachments) must be ``project``'s; files it
    attaches for ``file_search`` go to the thread's vector store."""
    check_message_files(session, project, body, param[:-len("attachments")])
    if body.get("attachments"):
        thread = session.scalar(select(ThreadRow).where(ThreadRow.id == body["thread_id"], owned(ThreadRow, project)))
        if thread is not None:
            index_attachments(session, project, thread, body["attachments"], param)
    return add_message(session, body)


def remove_message(session: Session, thread_id: str, message_id: str) -> None:
    """Delete a thread's message in ``session`` (nothing when it is gone already)."""
    row = session.scalar(select(MessageRow).where(MessageRow.id == message_id, MessageRow.thread_id == thread_id))
    if row is not None:
        session.delete(row)


class MessageService:
    def __init__(self, db: Database, adding: Optional[Hook[MessageAdding]] = None) -> None:
        self.db = db
        #: Fired before a message is added, in its unit of work; runs refuse messages while a run is active.
        self.adding: Hook[MessageAdding] = adding or Hook()

    def create(self, project: str, thread_id: str, params: MessageCreateParams) -> dict[str, Any]:
        with self.db.session() as s:
            load(s, ThreadRow, thread_id, "thread", owned(ThreadRow, project))
            self.adding.fire(MessageAdding(s, thread_id))
            body = message_body(thread_id, params)
            insert_message(s, project, body)
            return body

    def get(self, project: str, thread_id: str, message_id: str) -> dict[str, Any]:
        with self.db.session() as s:
            load(s, ThreadRow, thread_id, "thread", owned(ThreadRow, project))
            return load(s, MessageRow, message_id, "message", MessageRow.thread_id == thread_id, assistants_visible()).body

    def update(self, project: str, thread_id: str, message_id: str, params: MessageUpdateParams) -> dict[str, Any]:
        given = params.given()
        with self.db.session() as s:
            load(s, ThreadRow, thread_id, "thread", owned(ThreadRow, project))
            row = load(s, MessageRow, message_id, "message", MessageRow.thread_id == thread_id, assistants_visible(),
                       for_update=True)
            return apply_update(row, given)

    def delete(self, project: str, thread_id: str, message_id: str) -> dict[str, Any]:
        with self.db.session() as s:
            load(s, ThreadRow, thread_id, "thread", owned(ThreadRow, project))
            load(s, MessageRow, message_id, "message", MessageRow.thread_id == thread_id, assistants_visible())
            remove_message(s, thread_id, message_id)
        return {"id": message_id, "object": "thread.message.deleted", "deleted": True}

    def list(self, project: str, thread_id: str, page: PageQuery, run_id: Optional[str] = None) -> dict[str, Any]:
        with self.db.session() as s:
            load(s, ThreadRow, thread_id, "thread", owned(ThreadRow, project))
            if run_id is None:
                return list_page(s, MessageRow, page, assistants_visible(), group=(MessageRow.thread_id, thread_id))
            return list_page(s, MessageRow, page, MessageRow.thread_id == thread_id, assistants_visible(),
                             group=(MessageRow.run_id, run_id))
