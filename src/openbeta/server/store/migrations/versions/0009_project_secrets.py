"""Realtime ephemeral keys and ChatKit sessions, threads and attachments carry their project.

Rows made before go to the default project ``proj_default``, where ChatKit worked until now.

Revision ID: project_secrets
Revises: projects
"""
import sqlalchemy as sa
from alembic import op

revision = "project_secrets"
down_revision = "projects"
branch_labels = None
depends_on = None

DEFAULT_PROJECT_ID = "proj_default"
#: (table, index on project_id + seq or None): what a minted secret or a ChatKit session makes.
OWNED = (("realtime_secrets", None), ("chatkit_sessions", None),
         ("chatkit_threads", "ix_chatkit_threads_project_user_seq"), ("chatkit_attachments", None))


def upgrade() -> None:
    for table, index in OWNED:
        # A server default backfills existing rows in one statement, on both databases.
        op.add_column(table, sa.Column("project_id", sa.String(64), nullable=False,
                                       server_default=DEFAULT_PROJECT_ID))
        if index:
            op.create_index(index, table, ["project_id", "user", "seq"])


def downgrade() -> None:
    for table, index in OWNED:
        if index:
            op.drop_index(index, table_name=table)
        with op.batch_alter_table(table) as batch:
            batch.drop_column("project_id")
