"""Runs keep their own ``tool_resources``: the top-level ``tool_resources`` of create-thread-and-run,
which stand in for the assistant's for that run (the new thread keeps its own). ``NULL``: none given,
the assistant's apply.

Revision ID: run_tool_resources
Revises: search_indexes
"""
import sqlalchemy as sa
from alembic import op

revision = "run_tool_resources"
down_revision = "search_indexes"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("runs", sa.Column("tool_resources", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("runs") as batch:
        batch.drop_column("tool_resources")
