"""Scale-out: leases on runs and ingestion jobs, and file contents kept in the database.

Revision ID: scaleout
Revises: retrieval
"""
import sqlalchemy as sa
from alembic import op

revision = "scaleout"
down_revision = "retrieval"
branch_labels = None
depends_on = None


def upgrade() -> None:
    for table in ("runs", "vector_store_files"):
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("owner", sa.String(128), nullable=True))
            batch.add_column(sa.Column("lease_expires_at", sa.Double(), nullable=True))
        op.create_index(f"ix_{table}_owner", table, ["owner"])
    op.create_table(
        "blobs",
        sa.Column("key", sa.String(128), primary_key=True),
        sa.Column("size", sa.BigInteger, nullable=False),
        sa.Column("data", sa.LargeBinary, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("blobs")
    for table in ("runs", "vector_store_files"):
        op.drop_index(f"ix_{table}_owner", table_name=table)
        with op.batch_alter_table(table) as batch:
            batch.drop_column("lease_expires_at")
            batch.drop_column("owner")
