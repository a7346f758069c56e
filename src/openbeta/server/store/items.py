"""Item rows: a thread's ``messages`` rows are its items (see :mod:`openbeta.server.runs.items` for how
they are read as a thread's item list).

A fork (a chain thread continued from an earlier response than its last) sees its parent's rows up to
``fork_seq``, and its parent's parent's up to the smaller of the two bounds, and so on: nothing is copied.
"""

from __future__ import annotations

from typing import Any, Optional

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from .tables import MessageRow, ThreadRow

#: Longest chain of forks a thread may hang from (a deeper one is refused when it would be made).
MAX_FORK_DEPTH = 64


def assistants_visible() -> Any:
    """The rows the Assistants API shows as a thread's messages: messages of role user or assistant
    (``NULL``: written before items existed, always one of them)."""
    return (MessageRow.type == "message") & or_(MessageRow.role.is_(None), MessageRow.role.in_(("user", "assistant")))


def insert_item(session: Session, thread_id: str, body: dict[str, Any], *, run_id: Optional[str] = None,
                input_of: Optional[str] = None) -> MessageRow:
    kind = body.get("type", "message")
    row = MessageRow(id=body["id"], thread_id=thread_id, run_id=run_id, created_at=body.get("created_at") or 0,
                     body=body, type=kind, role=body.get("role") if kind == "message" else None, input_of=input_of)
    session.add(row)
    return row


def lineage(session: Session, thread_id: str) -> list[tuple[str, Optional[int]]]:
    """``(thread id, last seq it shows or None)`` for the thread and every thread it forks from."""
    out: list[tuple[str, Optional[int]]] = []
    bound: Optional[int] = None
    current: Optional[str] = thread_id
    while current is not None and len(out) <= MAX_FORK_DEPTH:
        out.append((current, bound))
        found = session.execute(select(ThreadRow.parent_id, ThreadRow.fork_seq).where(ThreadRow.id == current)).first()
        if found is None or found.parent_id is None:
            break
        current = found.parent_id
        bound = found.fork_seq if bound is None else min(bound, found.fork_seq)
    return out


def depth(session: Session, thread_id: str) -> int:
    return len(lineage(session, thread_id)) - 1


def last_seq(session: Session, thread_id: str) -> int:
    """The greatest row ``seq`` the thread shows (its ancestors' included); 0 when it shows none."""
    best = 0
    for tid, bound in lineage(session, thread_id):
        stmt = select(func.max(MessageRow.seq)).where(MessageRow.thread_id == tid)
        if bound is not None:
            stmt = stmt.where(MessageRow.seq <= bound)
        best = max(best, session.scalar(stmt) or 0)
    return best
