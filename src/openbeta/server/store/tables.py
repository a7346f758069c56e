"""The tables.

Each object table keeps a monotonic ``seq`` primary key (cursor pages order by
it, so objects sharing a ``created_at`` second never reorder), the public ``id``,
the columns that queries filter on, and ``body``: the object's wire fields as
one JSON document (``DocumentType``). Migrations in ``migrations/versions`` create exactly these.
"""

from __future__ import annotations

from typing import Any, Optional

from sqlalchemy import JSON, BigInteger, ForeignKey, Index, Integer, String
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

JSONType = JSON().with_variant(JSONB(), "postgresql")
#: An object's wire body. Plain JSON on every database: it is stored and read
#: back whole, never queried inside, and PostgreSQL's JSONB would reject U+0000
#: in strings and reorder keys.
DocumentType = JSON()
SeqType = BigInteger().with_variant(Integer(), "sqlite")


class Base(DeclarativeBase):
    pass


class AssistantRow(Base):
    __tablename__ = "assistants"
    seq: Mapped[int] = mapped_column(SeqType, primary_key=True, autoincrement=True)
    id: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    created_at: Mapped[int] = mapped_column(BigInteger, nullable=False)
    body: Mapped[dict[str, Any]] = mapped_column(DocumentType, nullable=False)


class ThreadRow(Base):
    __tablename__ = "threads"
    seq: Mapped[int] = mapped_column(SeqType, primary_key=True, autoincrement=True)
    id: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    created_at: Mapped[int] = mapped_column(BigInteger, nullable=False)
    body: Mapped[dict[str, Any]] = mapped_column(DocumentType, nullable=False)


class MessageRow(Base):
    __tablename__ = "messages"
    seq: Mapped[int] = mapped_column(SeqType, primary_key=True, autoincrement=True)
    id: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    thread_id: Mapped[str] = mapped_column(
        String(64), ForeignKey("threads.id", ondelete="CASCADE"), nullable=False
    )
    run_id: Mapped[Optional[str]] = mapped_column(String(64), nullable=True)
    created_at: Mapped[int] = mapped_column(BigInteger, nullable=False)
    body: Mapped[dict[str, Any]] = mapped_column(DocumentType, nullable=False)

    __table_args__ = (
        Index("ix_messages_thread_seq", "thread_id", "seq"),
        Index("ix_messages_thread_run_seq", "thread_id", "run_id", "seq"),
    )


class RunRow(Base):
    __tablename__ = "runs"
    seq: Mapped[int] = mapped_column(SeqType, primary_key=True, autoincrement=True)
    id: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    thread_id: Mapped[str] = mapped_column(
        String(64), ForeignKey("threads.id", ondelete="CASCADE"), nullable=False
    )
    status: Mapped[str] = mapped_column(String(32), nullable=False)
    created_at: Mapped[int] = mapped_column(BigInteger, nullable=False)
    body: Mapped[dict[str, Any]] = mapped_column(JSONType, nullable=False)

    __table_args__ = (
        Index("ix_runs_thread_seq", "thread_id", "seq"),
        Index("ix_runs_status", "status"),
    )


class RunStepRow(Base):
    __tablename__ = "run_steps"
    seq: Mapped[int] = mapped_column(SeqType, primary_key=True, autoincrement=True)
    id: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    run_id: Mapped[str] = mapped_column(
        String(64), ForeignKey("runs.id", ondelete="CASCADE"), nullable=False
    )
    thread_id: Mapped[str] = mapped_column(String(64), nullable=False)
    created_at: Mapped[int] = mapped_column(BigInteger, nullable=False)
    body: Mapped[dict[str, Any]] = mapped_column(JSONType, nullable=False)

    __table_args__ = (Index("ix_run_steps_run_seq", "run_id", "seq"),)
