"""ChatKit threads, items and attachments over the store: what both faces read and write.

The REST face (``/v1/chatkit/threads``) lists, reads and deletes; the protocol
store (:mod:`.protocol`) also creates and changes. Each ChatKit thread is backed by
an assistants thread: deleting either deletes the other, with the messages, runs
and the files its attachments uploaded. Threads and attachments belong to a project (the
caller's, as everywhere): every method takes it first, and another project's ids are 404.
"""

from __future__ import annotations

from typing import Any, Callable, Optional

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from ...types.thread import ThreadCreateParams
from ..errors import NotFound
from ..hooks import ThreadDeleted
from ..ids import now
from ..paging import PageQuery
from ..services.base import list_page
from ..services.files import FileService
from ..services.messages import insert_message, remove_message
from ..services.threads import ThreadService, create_thread
from ..store import Database
from ..store.pages import Page, fetch_page
from ..store.rows import load, owned, set_body
from ..store.tables import ChatKitAttachmentRow, ChatKitItemRow, ChatKitThreadRow
from .shapes import REST_TYPES, render_thread, rest_item


#: The ``file_id`` of an attachment whose bytes are being stored (by the upload that claimed it).
PENDING = "pending:"


def uploaded(row: ChatKitAttachmentRow) -> Optional[str]:
    """The file holding an attachment's bytes, once its upload is done (``None`` before, or while it runs)."""
    return None if row.file_id is None or row.file_id.startswith(PENDING) else row.file_id


class ChatKitThreads:
    def __init__(self, db: Database, threads: ThreadService, files: FileService) -> None:
        self.db = db
        self.threads = threads
        self.files = files

    # ------------------------------------------------------------ REST face

    def list(self, project: str, page: PageQuery, user: Optional[str] = None) -> dict[str, Any]:
        with self.db.session() as s:
            mine = owned(ChatKitThreadRow, project)
            if user is None:
                return list_page(s, ChatKitThreadRow, page, mine, render=render_thread)
            return list_page(s, ChatKitThreadRow, page, mine, group=(ChatKitThreadRow.user, user),
                             render=render_thread)

    def get(self, project: str, thread_id: str) -> dict[str, Any]:
        with self.db.session() as s:
            return render_thread(self._thread(s, project, thread_id))

    def list_items(self, project: str, thread_id: str, page: PageQuery) -> dict[str, Any]:
        with self.db.session() as s:
            self._thread(s, project, thread_id)
            return list_page(s, ChatKitItemRow, page, ChatKitItemRow.type.in_(REST_TYPES),
                             group=(ChatKitItemRow.chatkit_thread_id, thread_id), render=rest_item)

    def delete(self, project: str, thread_id: str, user: Optional[str] = None) -> dict[str, Any]:
        """Delete a ChatKit thread with its backing thread, messages, runs, items and uploaded files."""
        with self.db.session() as s:
            row = self._thread(s, project, thread_id, user)
            backing = row.thread_id
            attachments = [a["id"] for item in s.scalars(select(ChatKitItemRow.body).where(
                ChatKitItemRow.chatkit_thread_id == thread_id, ChatKitItemRow.type == "user_message"))
                for a in item.get("attachments") or []]
        self.threads.delete(project, backing)
        for attachment_id in attachments:
            self.delete_attachment(project, attachment_id, user)
        return {"id": thread_id, "object": "chatkit.thread.deleted", "deleted": True}

    # ------------------------------------------------------------ records the protocol store keeps

    @staticmethod
    def _thread(s: Session, project: str, thread_id: str, user: Optional[str] = None) -> ChatKitThreadRow:
        where = [ChatKitThreadRow.user == user] if user is not None else []
        return load(s, ChatKitThreadRow, thread_id, "thread", owned(ChatKitThreadRow, project), *where)

    def thread(self, project: str, thread_id: str, user: Optional[str] = None) -> ChatKitThreadRow:
        """A thread of ``project`` (and of ``user``, when given), or 404."""
        with self.db.session() as s:
            return self._thread(s, project, thread_id, user)

    def save_thread(self, project: str, thread_id: str, user: str, created_at: int,
                    fields: dict[str, Any]) -> ChatKitThreadRow:
        """Create the thread (and its backing assistants thread) or update its fields (title, status ...)."""
        with self.db.session() as s:
            row = s.scalar(select(ChatKitThreadRow).where(ChatKitThreadRow.id == thread_id))
            if row is None:
                backing = create_thread(s, project, ThreadCreateParams(metadata={"chatkit_thread_id": thread_id}))
                row = ChatKitThreadRow(id=thread_id, project_id=project, thread_id=backing["id"], user=user,
                                       created_at=created_at, body=fields)
                s.add(row)
                return row
            if row.user != user or row.project_id != project:
                raise NotFound.of("thread", thread_id)
            set_body(row, {**row.body, **fields})
            return row

    def page_threads(self, project: str, user: str, page: PageQuery, recent: Optional[int] = None) -> Page:
        """``user``'s threads in ``project``; with ``recent``, only the newest ``recent`` of them."""
        with self.db.session() as s:
            where = [owned(ChatKitThreadRow, project)]
            if recent is not None:
                newest = list(s.scalars(select(ChatKitThreadRow.seq).where(ChatKitThreadRow.user == user, *where)
                                        .order_by(ChatKitThreadRow.seq.desc()).limit(recent)))
                if newest:
                    where.append(ChatKitThreadRow.seq >= newest[-1])
            return fetch_page(s, ChatKitThreadRow, page, where, group=(ChatKitThreadRow.user, user))

    def page_items(self, project: str, thread_id: str, user: str, page: PageQuery) -> Page:
        with self.db.session() as s:
            self._thread(s, project, thread_id, user)
            return fetch_page(s, ChatKitItemRow, page, group=(ChatKitItemRow.chatkit_thread_id, thread_id))

    def item(self, project: str, thread_id: str, item_id: str, user: str) -> ChatKitItemRow:
        with self.db.session() as s:
            self._thread(s, project, thread_id, user)
            return load(s, ChatKitItemRow, item_id, "item", ChatKitItemRow.chatkit_thread_id == thread_id)

    def save_item(self, project: str, thread_id: str, user: str, body: dict[str, Any], *,
                  message_id: Optional[str] = None, run_id: Optional[str] = None) -> None:
        """Insert or replace an item (links to its backing message and run are kept once set)."""
        with self.db.session() as s:
            self._thread(s, project, thread_id, user)
            row = s.scalar(select(ChatKitItemRow).where(ChatKitItemRow.id == body["id"]))
            if row is None:
                s.add(ChatKitItemRow(id=body["id"], chatkit_thread_id=thread_id, type=body["type"],
                                     message_id=message_id, run_id=run_id, created_at=now(), body=body))
                return
            if row.chatkit_thread_id != thread_id:
                raise NotFound.of("item", body["id"])
            row.type = body["type"]
            row.message_id = message_id or row.message_id
            row.run_id = run_id or row.run_id
            set_body(row, body)

    @staticmethod
    def write_message(session: Session, project: str, item_id: str, message: dict[str, Any]) -> None:
        """In the caller's unit of work: add the backing message of a user item, unless it has one."""
        row = load(session, ChatKitItemRow, item_id, "item")
        if row.message_id is None:
            insert_message(session, project, message)
            row.message_id = message["id"]

    def delete_item(self, project: str, thread_id: str, item_id: str, user: str) -> None:
        """Delete an item and the backing message it stands for."""
        with self.db.session() as s:
            row = self._thread(s, project, thread_id, user)
            item = load(s, ChatKitItemRow, item_id, "item", ChatKitItemRow.chatkit_thread_id == thread_id)
            if item.message_id:
                remove_message(s, row.thread_id, item.message_id)
            s.delete(item)

    def backing_thread_deleted(self, event: ThreadDeleted) -> None:
        """On :class:`~openbeta.server.hooks.ThreadDeleted`: the ChatKit thread over an assistants thread goes
        with it."""
        session, thread_id = event.session, event.thread_id
        for row in session.scalars(select(ChatKitThreadRow).where(ChatKitThreadRow.thread_id == thread_id)):
            session.execute(delete(ChatKitItemRow).where(ChatKitItemRow.chatkit_thread_id == row.id))
            session.delete(row)

    # ------------------------------------------------------------ attachments

    def save_attachment(self, project: str, attachment_id: str, user: str, body: dict[str, Any],
                        edit: Optional[Callable[[ChatKitAttachmentRow], None]] = None) -> dict[str, Any]:
        with self.db.session() as s:
            row = s.scalar(select(ChatKitAttachmentRow).where(ChatKitAttachmentRow.id == attachment_id))
            if row is None:
                row = ChatKitAttachmentRow(id=attachment_id, project_id=project, user=user, created_at=now(),
                                           body=body)
                s.add(row)
            elif row.user != user or row.project_id != project:
                raise NotFound.of("attachment", attachment_id)
            else:
                set_body(row, {**row.body, **body})
            if edit is not None:
                edit(row)
            return row.body

    def attachment(self, project: Optional[str], attachment_id: str,
                   user: Optional[str] = None) -> ChatKitAttachmentRow:
        """An attachment of ``project`` (any, for ``None``: upload URLs carry their own token) and
        ``user`` (when given), or 404."""
        with self.db.session() as s:
            where = [ChatKitAttachmentRow.user == user] if user is not None else []
            if project is not None:
                where.append(owned(ChatKitAttachmentRow, project))
            return load(s, ChatKitAttachmentRow, attachment_id, "attachment", *where)

    def claim_upload(self, attachment_id: str, marker: str) -> bool:
        """Take the attachment's one upload (its ``file_id`` becomes ``marker``, a :data:`PENDING` mark,
        while the bytes are stored); False when it is uploaded, or being uploaded, already."""
        with self.db.session() as s:
            done = s.execute(update(ChatKitAttachmentRow)
                             .where(ChatKitAttachmentRow.id == attachment_id, ChatKitAttachmentRow.file_id.is_(None))
                             .values(file_id=marker).execution_options(synchronize_session=False))
            return done.rowcount == 1

    def finish_upload(self, attachment_id: str, marker: str, file_id: Optional[str]) -> bool:
        """Record the stored file of a claimed upload (``None``: the upload failed; it may be tried
        again). False when the attachment was deleted meanwhile."""
        with self.db.session() as s:
            done = s.execute(update(ChatKitAttachmentRow)
                             .where(ChatKitAttachmentRow.id == attachment_id, ChatKitAttachmentRow.file_id == marker)
                             .values(file_id=file_id).execution_options(synchronize_session=False))
            return done.rowcount == 1

    def count_attachments(self, session_id: str) -> int:
        with self.db.session() as s:
            return s.scalar(select(func.count()).select_from(ChatKitAttachmentRow)
                            .where(ChatKitAttachmentRow.session_id == session_id)) or 0

    def delete_attachment(self, project: str, attachment_id: str, user: Optional[str] = None) -> None:
        """Delete an attachment and the openbeta file holding its bytes (gone already: nothing to do)."""
        with self.db.session() as s:
            where = [ChatKitAttachmentRow.user == user] if user is not None else []
            row = s.scalar(select(ChatKitAttachmentRow).where(ChatKitAttachmentRow.id == attachment_id,
                                                              owned(ChatKitAttachmentRow, project), *where))
            if row is None:
                return
            file_id = uploaded(row)
            s.delete(row)
        if file_id:
            try:
                self.files.delete(project, file_id)
            except NotFound:
                pass
