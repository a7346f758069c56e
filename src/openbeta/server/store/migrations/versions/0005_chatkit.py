"""ChatKit sessions, threads (each backed by an assistants thread), items and attachments.

Revision ID: chatkit
Revises: realtime
"""
import sqlalchemy as sa
from alembic import op

revision = "chatkit"
down_revision = "realtime"
branch_labels = None
depends_on = None

#: Plain JSON bodies: PostgreSQL JSONB would reject U+0000 and reorder keys.
DocumentType = sa.JSON()
SeqType = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _seq() -> sa.Column:
    return sa.Column("seq", SeqType, primary_key=True, autoincrement=True)


def upgrade() -> None:
    op.create_table(
        "chatkit_sessions", _seq(),
        sa.Column("id", sa.String(64), nullable=False, unique=True),
        sa.Column("secret_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("user", sa.String(512), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("created_at", sa.BigInteger, nullable=False),
        sa.Column("expires_at", sa.BigInteger, nullable=False),
        sa.Column("window_start", sa.BigInteger, nullable=False, server_default="0"),
        sa.Column("window_count", sa.Integer, nullable=False, server_default="0"),
        sa.Column("body", DocumentType, nullable=False),
    )
    op.create_table(
        "chatkit_threads", _seq(),
        sa.Column("id", sa.String(64), nullable=False, unique=True),
        sa.Column("thread_id", sa.String(64), sa.ForeignKey("threads.id", ondelete="CASCADE"), nullable=False),
        sa.Column("user", sa.String(512), nullable=False),
        sa.Column("created_at", sa.BigInteger, nullable=False),
        sa.Column("body", DocumentType, nullable=False),
    )
    op.create_index("ix_chatkit_threads_user_seq", "chatkit_threads", ["user", "seq"])
    op.create_table(
        "chatkit_items", _seq(),
        sa.Column("id", sa.String(64), nullable=False, unique=True),
        sa.Column("chatkit_thread_id", sa.String(64), sa.ForeignKey("chatkit_threads.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("type", sa.String(64), nullable=False),
        sa.Column("message_id", sa.String(64), nullable=True),
        sa.Column("run_id", sa.String(64), nullable=True),
        sa.Column("created_at", sa.BigInteger, nullable=False),
        sa.Column("body", DocumentType, nullable=False),
    )
    op.create_index("ix_chatkit_items_thread_seq", "chatkit_items", ["chatkit_thread_id", "seq"])
    op.create_table(
        "chatkit_attachments", _seq(),
        sa.Column("id", sa.String(64), nullable=False, unique=True),
        sa.Column("user", sa.String(512), nullable=False),
        sa.Column("session_id", sa.String(64), nullable=True),
        sa.Column("file_id", sa.String(64), nullable=True),
        sa.Column("upload_token_hash", sa.String(64), nullable=True),
        sa.Column("created_at", sa.BigInteger, nullable=False),
        sa.Column("body", DocumentType, nullable=False),
    )
    op.create_index("ix_chatkit_attachments_session", "chatkit_attachments", ["session_id"])


def downgrade() -> None:
    for table in ("chatkit_attachments", "chatkit_items", "chatkit_threads", "chatkit_sessions"):
        op.drop_table(table)
