"""File search indexes: a per-vector-store version of its chunks, kept by the database.

Every insert, update or delete of a chunk bumps its store's version in the same
transaction (a trigger), so a process holding a search index in memory can tell
with one lookup whether the index still matches the database.

Revision ID: retrieval
Revises: chatkit
"""
import sqlalchemy as sa
from alembic import op

revision = "retrieval"
down_revision = "chatkit"
branch_labels = None
depends_on = None

_BUMP = ("INSERT INTO chunk_versions (vector_store_id, version) VALUES ({row}.vector_store_id, 1) "
         "ON CONFLICT (vector_store_id) DO UPDATE SET version = chunk_versions.version + 1")


def upgrade() -> None:
    op.create_table(
        "chunk_versions",
        sa.Column("vector_store_id", sa.String(64), primary_key=True),
        sa.Column("version", sa.BigInteger, nullable=False),
    )
    op.execute("INSERT INTO chunk_versions (vector_store_id, version) "
               "SELECT vector_store_id, 1 FROM chunks GROUP BY vector_store_id")
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE FUNCTION chunk_versions_bump() RETURNS trigger AS $$ BEGIN "
                   "IF TG_OP = 'DELETE' THEN " + _BUMP.format(row="OLD") + "; RETURN OLD; END IF; "
                   + _BUMP.format(row="NEW") + "; RETURN NEW; END $$ LANGUAGE plpgsql")
        op.execute("CREATE TRIGGER chunk_versions_bump AFTER INSERT OR UPDATE OR DELETE ON chunks "
                   "FOR EACH ROW EXECUTE FUNCTION chunk_versions_bump()")
    else:
        for event, row in (("INSERT", "NEW"), ("UPDATE", "NEW"), ("DELETE", "OLD")):
            op.execute(f"CREATE TRIGGER chunk_versions_{event.lower()} AFTER {event} ON chunks BEGIN "
                       + _BUMP.format(row=row) + "; END")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS chunk_versions_bump ON chunks")
        op.execute("DROP FUNCTION IF EXISTS chunk_versions_bump()")
    else:
        for event in ("insert", "update", "delete"):
            op.execute(f"DROP TRIGGER IF EXISTS chunk_versions_{event}")
    op.drop_table("chunk_versions")
