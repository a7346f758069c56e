"""Responses and conversations on the run engine's tables.

``runs.kind``: ``run`` (the Assistants API's) or ``response``. ``threads.kind``: ``thread``,
``conversation``, or ``chain`` (the hidden thread of responses linked by ``previous_response_id``);
a chain continued from an earlier response than its last is a fork: ``parent_id`` names the thread it
branches from and ``fork_seq`` the last of that thread's rows it sees (nothing is copied).
``messages`` holds every item of a thread: ``type`` (``message``, ``function_call_output`` ...), ``role``
(of a message; ``NULL`` on rows written before this migration, all Assistants messages of role
``user`` or ``assistant``) and ``input_of`` (the response whose input the item was).
``response_events``: each response's stream events, for replaying and resuming its stream.

Revision ID: responses
Revises: file_text_pieces
"""
import sqlalchemy as sa
from alembic import op

revision = "responses"
down_revision = "file_text_pieces"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("runs", sa.Column("kind", sa.String(16), nullable=False, server_default="run"))
    op.add_column("threads", sa.Column("kind", sa.String(16), nullable=False, server_default="thread"))
    op.add_column("threads", sa.Column("parent_id", sa.String(64), nullable=True))
    op.add_column("threads", sa.Column("fork_seq", sa.BigInteger(), nullable=True))
    op.create_index("ix_threads_parent", "threads", ["parent_id"])
    op.add_column("messages", sa.Column("type", sa.String(32), nullable=False, server_default="message"))
    op.add_column("messages", sa.Column("role", sa.String(16), nullable=True))
    op.add_column("messages", sa.Column("input_of", sa.String(64), nullable=True))
    op.create_index("ix_messages_input_of_seq", "messages", ["input_of", "seq"])
    op.create_table(
        "response_events",
        sa.Column("response_id", sa.String(64), sa.ForeignKey("runs.id", ondelete="CASCADE"), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("type", sa.String(64), nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("response_id", "seq"),
    )


def downgrade() -> None:
    op.drop_table("response_events")
    op.drop_index("ix_messages_input_of_seq", table_name="messages")
    with op.batch_alter_table("messages") as batch:
        batch.drop_column("input_of")
        batch.drop_column("role")
        batch.drop_column("type")
    op.drop_index("ix_threads_parent", table_name="threads")
    with op.batch_alter_table("threads") as batch:
        batch.drop_column("fork_seq")
        batch.drop_column("parent_id")
        batch.drop_column("kind")
    with op.batch_alter_table("runs") as batch:
        batch.drop_column("kind")
