"""Conversations and their items. A conversation is a thread (``threads.kind = 'conversation'``, id
``conv_...``); an Assistants thread is read and written as one too (its id is accepted wherever a
conversation id is, and its messages are its items), so code moves from threads to conversations
without copying anything. The hidden threads of ``previous_response_id`` chains are not conversations.

A conversation's items are its rows and the calls its responses made (see
:func:`~openbeta.server.runs.items.thread_items`). Items are listed from that whole list, paged in
memory: a conversation's context is read whole for each response anyway.
"""

from __future__ import annotations

from typing import Any, Iterable

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from ...types.conversations import ConversationCreateParams, ConversationUpdateParams, ItemCreateParams
from ..errors import InvalidRequest, NotFound
from ..ids import new_id, now
from ..paging import PageQuery
from ..runs.items import thread_items
from ..runs.records import active_run_id
from ..store import Database
from ..store.items import insert_item
from ..store.rows import owned, set_body
from ..store.tables import MessageRow, ThreadRow
from .base import render_page
from .file_texts import FileTexts
from .items import normalize_input, stored_from_input, wire_item
from .threads import ThreadService

KINDS = ("thread", "conversation")


def conversation_object(row: ThreadRow) -> dict[str, Any]:
    return {"id": row.id, "object": "conversation", "created_at": row.created_at,
            "metadata": row.body.get("metadata") or {}}


class ConversationService:
    def __init__(self, db: Database, threads: ThreadService, file_texts: FileTexts) -> None:
        self.db = db
        self.threads = threads
        self.file_texts = file_texts

    @staticmethod
    def load(s: Session, project: str, conversation_id: str) -> ThreadRow:
        row = s.scalar(select(ThreadRow).where(ThreadRow.id == conversation_id, owned(ThreadRow, project),
                                               ThreadRow.kind.in_(KINDS)))
        if row is None:
            raise NotFound(f"Conversation with id '{conversation_id}' not found.")
        return row

    def create(self, project: str, params: ConversationCreateParams) -> dict[str, Any]:
        items = normalize_input(params.items or [], "items")
        self.file_texts.attach(project, items, "items")
        body = {"id": new_id("conv_"), "object": "thread", "created_at": now(), "tool_resources": {},
                "metadata": params.metadata or {}}
        with self.db.session() as s:
            row = ThreadRow(id=body["id"], project_id=project, created_at=body["created_at"], body=body,
                            kind="conversation")
            s.add(row)
            s.flush()
            self._add(s, row.id, items)
            return conversation_object(row)

    def get(self, project: str, conversation_id: str) -> dict[str, Any]:
        with self.db.session() as s:
            return conversation_object(self.load(s, project, conversation_id))

    def update(self, project: str, conversation_id: str, params: ConversationUpdateParams) -> dict[str, Any]:
        with self.db.session() as s:
            row = self.load(s, project, conversation_id)
            set_body(row, dict(row.body, metadata=params.metadata or {}))
            return conversation_object(row)

    def delete(self, project: str, conversation_id: str) -> dict[str, Any]:
        with self.db.session() as s:
            self.load(s, project, conversation_id)
        self.threads.delete(project, conversation_id)
        return {"id": conversation_id, "object": "conversation.deleted", "deleted": True}

    # ------------------------------------------------------------ items

    @staticmethod
    def _add(s: Session, thread_id: str, items: list[dict[str, Any]]) -> list[dict[str, Any]]:
        out = []
        for i, item in enumerate(items):
            if item["type"] == "item_reference":
                raise InvalidRequest("An item_reference cannot be added to a conversation; add the item itself.",
                                     param=f"items[{i}].type", code="invalid_value")
            body = stored_from_input(item, thread_id)
            insert_item(s, thread_id, body)
            out.append(body)
        return out

    def add_items(self, project: str, conversation_id: str, params: ItemCreateParams,
                  include: Iterable[str] = ()) -> dict[str, Any]:
        items = normalize_input(params.items, "items")
        self.file_texts.attach(project, items, "items")
        with self.db.session() as s:
            row = self.load(s, project, conversation_id)
            busy = active_run_id(s, row.id)
            if busy:
                raise InvalidRequest(f"Conversation {conversation_id} has an active response or run {busy}; add "
                                     "items once it ends.", code="conversation_in_use")
            return render_page(self._add(s, row.id, items), False, lambda body: wire_item(body, include))

    def list_items(self, project: str, conversation_id: str, page: PageQuery,
                   include: Iterable[str] = ()) -> dict[str, Any]:
        with self.db.session() as s:
            items = thread_items(s, self.load(s, project, conversation_id).id)
        if page.order == "desc":
            items.reverse()
        if page.after:
            found = next((i for i, item in enumerate(items) if item["id"] == page.after), None)
            if found is None:
                raise InvalidRequest(f"Invalid 'after': no item with id '{page.after}' in this list.", param="after",
                                     code="invalid_value")
            items = items[found + 1:]
        return render_page(items[:page.limit], len(items) > page.limit, lambda item: wire_item(item, include))

    def get_item(self, project: str, conversation_id: str, item_id: str, include: Iterable[str] = ()) -> dict[str, Any]:
        with self.db.session() as s:
            items = thread_items(s, self.load(s, project, conversation_id).id)
        for item in items:
            if item["id"] == item_id:
                return wire_item(item, include)
        raise NotFound(f"Item with id '{item_id}' not found.")

    def delete_item(self, project: str, conversation_id: str, item_id: str) -> dict[str, Any]:
        with self.db.session() as s:
            row = self.load(s, project, conversation_id)
            stored = s.scalar(select(MessageRow.id).where(MessageRow.thread_id == row.id, MessageRow.id == item_id))
            if stored is None:
                if any(item["id"] == item_id for item in thread_items(s, row.id)):
                    raise InvalidRequest("The tool calls a response made are part of its output and cannot be "
                                         "deleted from the conversation on this server (delete the response, or "
                                         "start a new conversation).", param="item_id", code="unsupported_value")
                raise NotFound(f"Item with id '{item_id}' not found.")
            if active_run_id(s, row.id):
                raise InvalidRequest(f"Conversation {conversation_id} has an active response; delete items once "
                                     "it ends.", code="conversation_in_use")
            s.execute(delete(MessageRow).where(MessageRow.id == item_id))
            return conversation_object(row)
