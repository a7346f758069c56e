"""Containers: the code interpreter's stores, and their files.

``containers``: one row per container (``status`` ``running`` or ``expired``; ``expires_at`` is
``last_active_at`` plus the container's ``expires_after.minutes``; ``thread_id`` names the thread an
``auto`` container was made for, so a response continuing that thread finds it again).
``container_files``: each file's path under ``/mnt/data``, its size and the stored file it was copied
from (``origin``, if it was); the bytes are in the blob store,
under the file's id.

Revision ID: containers
Revises: responses
"""
import sqlalchemy as sa
from alembic import op

revision = "containers"
down_revision = "responses"
branch_labels = None
depends_on = None

SEQ = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "containers",
        sa.Column("seq", SEQ, primary_key=True, autoincrement=True),
        sa.Column("id", sa.String(64), nullable=False, unique=True),
        sa.Column("project_id", sa.String(64), nullable=False, server_default="proj_default"),
        sa.Column("thread_id", sa.String(64), nullable=True),
        sa.Column("name", sa.String(256), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.Column("expires_at", sa.BigInteger(), nullable=False),
        sa.Column("body", sa.JSON(), nullable=False),
    )
    op.create_index("ix_containers_project_seq", "containers", ["project_id", "seq"])
    op.create_index("ix_containers_status_expires", "containers", ["status", "expires_at"])
    op.create_index("ix_containers_thread", "containers", ["thread_id"])
    op.create_table(
        "container_files",
        sa.Column("seq", SEQ, primary_key=True, autoincrement=True),
        sa.Column("id", sa.String(64), nullable=False, unique=True),
        sa.Column("container_id", sa.String(64), sa.ForeignKey("containers.id", ondelete="CASCADE"), nullable=False),
        sa.Column("path", sa.String(1024), nullable=False),
        sa.Column("bytes", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.Column("origin", sa.String(64), nullable=True),
        sa.Column("body", sa.JSON(), nullable=False),
        sa.UniqueConstraint("container_id", "path", name="uq_container_files_path"),
    )
    op.create_index("ix_container_files_container_seq", "container_files", ["container_id", "seq"])


def downgrade() -> None:
    op.drop_index("ix_container_files_container_seq", table_name="container_files")
    op.drop_table("container_files")
    op.drop_index("ix_containers_thread", table_name="containers")
    op.drop_index("ix_containers_status_expires", table_name="containers")
    op.drop_index("ix_containers_project_seq", table_name="containers")
    op.drop_table("containers")
