"""Assistants, threads and messages.

Revision ID: 0001
Revises:
"""
import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

SeqType = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _object_table(name: str, *extra: sa.Column) -> None:
    op.create_table(
        name,
        sa.Column("seq", SeqType, primary_key=True, autoincrement=True),
        sa.Column("id", sa.String(64), nullable=False, unique=True),
        *extra,
        sa.Column("created_at", sa.BigInteger, nullable=False),
        sa.Column("body", sa.JSON(), nullable=False),
    )


def upgrade() -> None:
    _object_table("assistants")
    _object_table("threads")
    _object_table(
        "messages",
        sa.Column("thread_id", sa.String(64), sa.ForeignKey("threads.id", ondelete="CASCADE"), nullable=False),
        sa.Column("run_id", sa.String(64), nullable=True),
    )
    op.create_index("ix_messages_thread_seq", "messages", ["thread_id", "seq"])
    op.create_index("ix_messages_thread_run_seq", "messages", ["thread_id", "run_id", "seq"])


def downgrade() -> None:
    op.drop_table("messages")
    op.drop_table("threads")
    op.drop_table("assistants")
