"""A file's parsed text is stored in pieces (``file_text_pieces``), written as the file is parsed and read
back piece by piece, so no text is held whole in memory (nor cut short) whatever the file's size.

``file_texts`` keeps one row per file, written once all its pieces are: which ingestion's pieces
count (``source``), how many there are, the text's length and the file's pages. Texts stored before
move into pieces (``source`` ``migrated``); their page counts were not recorded.

Revision ID: file_text_pieces
Revises: run_tool_resources
"""
import sqlalchemy as sa
from alembic import op

revision = "file_text_pieces"
down_revision = "run_tool_resources"
branch_labels = None
depends_on = None

#: Characters a piece holds (``store/texts.py``'s ``PIECE_CHARS`` when this revision was written).
PIECE_CHARS = 64 * 1024
MIGRATED = "migrated"


def upgrade() -> None:
    op.create_table(
        "file_text_pieces",
        sa.Column("file_id", sa.String(64), sa.ForeignKey("files.id", ondelete="CASCADE"), nullable=False),
        sa.Column("source", sa.String(64), nullable=False),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.PrimaryKeyConstraint("file_id", "source", "position"),
    )
    with op.batch_alter_table("file_texts") as batch:
        batch.add_column(sa.Column("source", sa.String(64), nullable=True))
        batch.add_column(sa.Column("pieces", sa.Integer, nullable=True))
        batch.add_column(sa.Column("chars", sa.BigInteger, nullable=True))
        batch.add_column(sa.Column("pages", sa.Integer, nullable=True))
    bind = op.get_bind()
    pieces = sa.table("file_text_pieces", sa.column("file_id"), sa.column("source"), sa.column("position"),
                      sa.column("text"))
    texts = sa.table("file_texts", sa.column("file_id"), sa.column("text"), sa.column("source"),
                     sa.column("pieces"), sa.column("chars"))
    for (file_id,) in bind.execute(sa.select(texts.c.file_id)).all():  # one text in memory at a time
        text = bind.execute(sa.select(texts.c.text).where(texts.c.file_id == file_id)).scalar_one()
        parts = [text[start:start + PIECE_CHARS] for start in range(0, len(text), PIECE_CHARS)]
        if parts:
            bind.execute(pieces.insert(), [{"file_id": file_id, "source": MIGRATED, "position": i, "text": part}
                                           for i, part in enumerate(parts)])
        bind.execute(texts.update().where(texts.c.file_id == file_id)
                     .values(source=MIGRATED, pieces=len(parts), chars=len(text)))
    with op.batch_alter_table("file_texts") as batch:
        batch.drop_column("text")
        batch.alter_column("source", existing_type=sa.String(64), nullable=False)
        batch.alter_column("pieces", existing_type=sa.Integer, nullable=False)
        batch.alter_column("chars", existing_type=sa.BigInteger, nullable=False)


def downgrade() -> None:
    with op.batch_alter_table("file_texts") as batch:
        batch.add_column(sa.Column("text", sa.Text, nullable=True))
    bind = op.get_bind()
    pieces = sa.table("file_text_pieces", sa.column("file_id"), sa.column("source"), sa.column("position"),
                      sa.column("text"))
    texts = sa.table("file_texts", sa.column("file_id"), sa.column("text"), sa.column("source"))
    for file_id, source in bind.execute(sa.select(texts.c.file_id, texts.c.source)).all():
        parts = bind.execute(sa.select(pieces.c.text).where(pieces.c.file_id == file_id, pieces.c.source == source)
                             .order_by(pieces.c.position)).scalars()
        bind.execute(texts.update().where(texts.c.file_id == file_id).values(text="".join(parts)))
    bind.execute(texts.update().where(texts.c.text.is_(None)).values(text=""))
    with op.batch_alter_table("file_texts") as batch:
        batch.drop_column("source")
        batch.drop_column("pieces")
        batch.drop_column("chars")
        batch.drop_column("pages")
        batch.alter_column("text", existing_type=sa.Text, nullable=False)
    op.drop_table("file_text_pieces")
