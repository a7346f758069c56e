"""Projects and their API keys; every top-level object gets a ``project_id``.

Rows made before projects existed go to the default project ``proj_default``,
so what existing keys saw stays visible to them.

Revision ID: projects
Revises: scaleout
"""
import time

import sqlalchemy as sa
from alembic import op

revision = "projects"
down_revision = "scaleout"
branch_labels = None
depends_on = None

DEFAULT_PROJECT_ID = "proj_default"
DEFAULT_PROJECT_NAME = "Default project"
SeqType = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
#: Tables whose rows carry their project; everything else hangs off one of these.
OWNED = ("assistants", "threads", "files", "vector_stores")


def upgrade() -> None:
    projects = op.create_table(
        "projects",
        sa.Column("seq", SeqType, primary_key=True, autoincrement=True),
        sa.Column("id", sa.String(64), nullable=False, unique=True),
        sa.Column("name", sa.String(256), nullable=False, unique=True),
        sa.Column("created_at", sa.BigInteger, nullable=False),
        sa.Column("archived_at", sa.BigInteger, nullable=True),
    )
    op.bulk_insert(projects, [{"id": DEFAULT_PROJECT_ID, "name": DEFAULT_PROJECT_NAME,
                               "created_at": int(time.time()), "archived_at": None}])
    op.create_table(
        "api_keys",
        sa.Column("seq", SeqType, primary_key=True, autoincrement=True),
        sa.Column("id", sa.String(64), nullable=False, unique=True),
        sa.Column("project_id", sa.String(64), sa.ForeignKey("projects.id"), nullable=False),
        sa.Column("name", sa.String(256), nullable=False),
        sa.Column("key_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("redacted_value", sa.String(64), nullable=False),
        sa.Column("created_at", sa.BigInteger, nullable=False),
        sa.Column("last_used_at", sa.BigInteger, nullable=True),
        sa.Column("revoked_at", sa.BigInteger, nullable=True),
    )
    op.create_index("ix_api_keys_project_seq", "api_keys", ["project_id", "seq"])
    for table in OWNED:
        # A server default backfills existing rows in one statement, on both databases.
        op.add_column(table, sa.Column("project_id", sa.String(64), nullable=False,
                                       server_default=DEFAULT_PROJECT_ID))
        op.create_index(f"ix_{table}_project_seq", table, ["project_id", "seq"])


def downgrade() -> None:
    for table in OWNED:
        op.drop_index(f"ix_{table}_project_seq", table_name=table)
        with op.batch_alter_table(table) as batch:
            batch.drop_column("project_id")
    op.drop_index("ix_api_keys_project_seq", table_name="api_keys")
    op.drop_table("api_keys")
    op.drop_table("projects")
