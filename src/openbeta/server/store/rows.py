"""Rows as every writer shares them: a row loaded or 404, a body replaced, a project's rows, a message's
stored body (built here, whoever writes it: a caller, a run, ChatKit) and its row, and the tool resources
a run reads. Services, the run engine and the tools all write through these; nothing here checks a
request (that is the services')."""

from __future__ import annotations

from typing import Any, Optional

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from ..errors import NotFound
from ..ids import new_id, now
from .tables import AssistantRow, MessageRow, RunRow, ThreadRow


def owned(model: Any, project: str) -> Any:
    """The clause that keeps a query on top-level rows (assistants, threads, files, vector
    stores) inside the caller's ``project``: pass it to :func:`load` and ``list_page``."""
    return model.project_id == project


def load(session: Session, model: Any, object_id: str, kind: str, *where: Any, param: str | None = None,
         for_update: bool = False) -> Any:
    stmt = select(model).where(model.id == object_id, *where)
    if for_update:
        # FOR NO KEY UPDATE on PostgreSQL: a body change never touches a key, so rows whose foreign keys
        # point here (chunks of a vector store being ingested) are not blocked, and cannot deadlock with it.
        stmt = stmt.with_for_update(key_share=True)
        if session.get_bind().dialect.name == "sqlite":
            # SQLite ignores FOR UPDATE and its reads take no lock: a no-op write
            # takes the database's write lock now, so read-modify-write is not lost.
            session.execute(update(model).where(model.id == object_id).values(id=model.id))
    row = session.scalar(stmt)
    if row is None:
        raise NotFound.of(kind, object_id, param=param)
    return row


def set_body(row: Any, body: dict[str, Any]) -> None:
    """Replace a row's JSON body (a new dict, so the ORM sees the change)."""
    row.body = dict(body)


def message_body(thread_id: str, role: str, *, content: Optional[list[dict[str, Any]]] = None,
                 status: str = "completed", created_at: Optional[int] = None, run_id: Optional[str] = None,
                 assistant_id: Optional[str] = None, attachments: Optional[list[dict[str, Any]]] = None,
                 metadata: Optional[dict[str, Any]] = None) -> dict[str, Any]:
    """A new message as it is stored (and answered): a caller's, or one a run writes."""
    return {
        "id": new_id("msg_"),
        "object": "thread.message",
        "created_at": created_at or now(),
        "thread_id": thread_id,
        "status": status,
        "incomplete_details": None,
        "completed_at": None,
        "incomplete_at": None,
        "role": role,
        "content": content or [],
        "assistant_id": assistant_id,
        "run_id": run_id,
        "attachments": attachments or [],
        "metadata": metadata or {},
    }


def add_message(session: Session, body: dict[str, Any]) -> MessageRow:
    """The message's row, added in the caller's unit of work (its files are the caller's to check)."""
    row = MessageRow(id=body["id"], thread_id=body["thread_id"], run_id=body.get("run_id"),
                     created_at=body["created_at"], body=body, role=body.get("role"))
    session.add(row)
    return row


def run_tool_resources(session: Any, run: dict[str, Any], project: Optional[str] = None) -> list[dict[str, Any]]:
    """The ``tool_resources`` a run's tools use, in order: the assistant's, each tool's overridden by the
    run's own where it has them (create-thread-and-run's top-level ``tool_resources``: "override the
    assistant's" as ``tools`` does, tool by tool), then the thread's. With ``project``, an assistant or
    thread of another project (or deleted) gives nothing."""
    def body(model: Any, object_id: str) -> dict[str, Any]:
        query = select(model.body).where(model.id == object_id)
        if project is not None:
            query = query.where(model.project_id == project)
        found = session.scalar(query)
        return (found or {}).get("tool_resources") or {}

    own = session.scalar(select(RunRow.tool_resources).where(RunRow.id == run["id"])) or {}
    if "_response" in run:  # a response names its vector stores in its tools: no one else's apply
        return [own]
    return [{**body(AssistantRow, run["assistant_id"]), **own}, body(ThreadRow, run["thread_id"])]


__all__ = ["add_message", "load", "message_body", "owned", "run_tool_resources", "set_body"]
