"""Realtime: ephemeral client secrets (stored hashed, with the session they were minted for).

Revision ID: realtime
Revises: 0003
"""
import sqlalchemy as sa
from alembic import op

revision = "realtime"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "realtime_secrets",
        sa.Column("seq", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True, autoincrement=True),
        sa.Column("secret_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("created_at", sa.BigInteger, nullable=False),
        sa.Column("expires_at", sa.BigInteger, nullable=False),
        sa.Column("body", sa.JSON(), nullable=False),
    )
    op.create_index("ix_realtime_secrets_expires_at", "realtime_secrets", ["expires_at"])


def downgrade() -> None:
    op.drop_table("realtime_secrets")
