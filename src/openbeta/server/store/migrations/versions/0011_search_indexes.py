"""File search reads its own per-store indexes (tantivy and usearch, ``retrieval/store_index.py``):
the database's full-text index, written on every chunk insert and read by nothing, is dropped.

SQLite: the ``chunks_fts`` FTS5 table, its ``chunks_fts_vocab`` view and the two triggers that
kept it in step with ``chunks``. PostgreSQL: the generated ``tsv`` column and its GIN index.

Revision ID: search_indexes
Revises: embedder_id
"""
from alembic import op

revision = "search_indexes"
down_revision = "embedder_id"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_chunks_tsv")
        op.execute("ALTER TABLE chunks DROP COLUMN IF EXISTS tsv")
    else:
        op.execute("DROP TRIGGER IF EXISTS chunks_fts_insert")
        op.execute("DROP TRIGGER IF EXISTS chunks_fts_delete")
        op.execute("DROP TABLE IF EXISTS chunks_fts_vocab")
        op.execute("DROP TABLE IF EXISTS chunks_fts")


def downgrade() -> None:
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
        op.execute("INSERT INTO chunks_fts(chunks_fts) VALUES ('rebuild')")
