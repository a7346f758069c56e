"""Files, vector stores and their chunks.

Revision ID: 0003
Revises: 0002
"""
import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

#: Plain JSON bodies: PostgreSQL JSONB would reject U+0000 and reorder keys.
DocumentType = sa.JSON()
SeqType = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _seq() -> sa.Column:
    return sa.Column("seq", SeqType, primary_key=True, autoincrement=True)


def _store_fk() -> sa.Column:
    return sa.Column("vector_store_id", sa.String(64), sa.ForeignKey("vector_stores.id", ondelete="CASCADE"),
                     nullable=False)


def upgrade() -> None:
    op.create_table(
        "files", _seq(),
        sa.Column("id", sa.String(64), nullable=False, unique=True),
        sa.Column("purpose", sa.String(32), nullable=False),
        sa.Column("created_at", sa.BigInteger, nullable=False),
        sa.Column("expires_at", sa.BigInteger, nullable=True),
        sa.Column("body", DocumentType, nullable=False),
    )
    op.create_index("ix_files_purpose_seq", "files", ["purpose", "seq"])
    op.create_table(
        "file_texts",
        sa.Column("file_id", sa.String(64), sa.ForeignKey("files.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("text", sa.Text, nullable=False),
    )
    op.create_table(
        "vector_stores", _seq(),
        sa.Column("id", sa.String(64), nullable=False, unique=True),
        sa.Column("created_at", sa.BigInteger, nullable=False),
        sa.Column("body", DocumentType, nullable=False),
    )
    op.create_table(
        "vector_store_file_batches", _seq(),
        sa.Column("id", sa.String(64), nullable=False, unique=True),
        _store_fk(),
        sa.Column("created_at", sa.BigInteger, nullable=False),
        sa.Column("body", DocumentType, nullable=False),
    )
    op.create_table(
        "vector_store_files", _seq(),
        sa.Column("id", sa.String(64), sa.ForeignKey("files.id", ondelete="CASCADE"), nullable=False),
        _store_fk(),
        sa.Column("batch_id", sa.String(64), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("usage_bytes", sa.BigInteger, nullable=False, server_default="0"),
        sa.Column("created_at", sa.BigInteger, nullable=False),
        sa.Column("body", DocumentType, nullable=False),
        sa.UniqueConstraint("vector_store_id", "id", name="uq_vector_store_files_store_file"),
    )
    op.create_index("ix_vector_store_files_store_seq", "vector_store_files", ["vector_store_id", "seq"])
    op.create_index("ix_vector_store_files_status", "vector_store_files", ["status"])
    op.create_index("ix_vector_store_files_batch", "vector_store_files", ["batch_id"])
    op.create_index("ix_vector_store_files_file", "vector_store_files", ["id"])
    op.create_table(
        "chunks", _seq(),
        _store_fk(),
        sa.Column("file_id", sa.String(64), sa.ForeignKey("files.id", ondelete="CASCADE"), nullable=False),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("embedding", sa.LargeBinary, nullable=True),
    )
    op.create_index("ix_chunks_store_file", "chunks", ["vector_store_id", "file_id"])
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE chunks ADD COLUMN tsv tsvector "
                   "GENERATED ALWAYS AS (to_tsvector('english', text)) STORED")
        op.execute("CREATE INDEX ix_chunks_tsv ON chunks USING GIN (tsv)")
    else:
        op.execute("CREATE VIRTUAL TABLE chunks_fts USING fts5("
                   "text, vector_store_id UNINDEXED, file_id UNINDEXED, content='chunks', content_rowid='seq')")
        op.execute("CREATE VIRTUAL TABLE chunks_fts_vocab USING fts5vocab(chunks_fts, 'row')")
        op.execute("CREATE TRIGGER chunks_fts_insert AFTER INSERT ON chunks BEGIN "
                   "INSERT INTO chunks_fts(rowid, text, vector_store_id, file_id) "
                   "VALUES (new.seq, new.text, new.vector_store_id, new.file_id); END")
        op.execute("CREATE TRIGGER chunks_fts_delete AFTER DELETE ON chunks BEGIN "
                   "INSERT INTO chunks_fts(chunks_fts, rowid, text, vector_store_id, file_id) "
                   "VALUES ('delete', old.seq, old.text, old.vector_store_id, old.file_id); END")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        op.execute("DROP TABLE IF EXISTS chunks_fts_vocab")
        op.execute("DROP TABLE IF EXISTS chunks_fts")
    for table in ("chunks", "vector_store_files", "vector_store_file_batches", "vector_stores", "file_texts",
                  "files"):
        op.drop_table(table)
