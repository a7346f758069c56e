"""Chunks record which embedder made their vector, so vectors of two embedders never share a store.

Rows made before have no record (``NULL``): the ingestion worker treats them as
made by another embedder and embeds their files again (see ``retrieval/ingest.py``).

Revision ID: embedder_id
Revises: project_secrets
"""
import sqlalchemy as sa
from alembic import op

revision = "embedder_id"
down_revision = "project_secrets"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("chunks", sa.Column("embedder", sa.String(200), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("chunks") as batch:
        batch.drop_column("embedder")
