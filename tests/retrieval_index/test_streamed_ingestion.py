"""Ingestion in bounded memory keeps what the whole-text pipeline promised: the same chunks, every character
of the text stored (in pieces) and read back, page counts, a text that stops being UTF-8 late parsed again,
and nothing half done visible: search answers only from completed files, and a file that fails or is
cancelled partway keeps no chunks. On SQLite and PostgreSQL (the ``db`` fixture)."""

from __future__ import annotations

import itertools

import pytest
from alembic import command
from alembic.config import Config
from sqlalchemy import select, text, update

from filekit import make_pdf
from ingest_support import Embedder, chunks, ingestor, queue_file, status
from openbeta.server.retrieval.chunk import split, stream_chunks
from openbeta.server.retrieval.ingest import BATCH_CHUNKS
from openbeta.server.retrieval.parse import Reencode, TextStream
from openbeta.server.retrieval.search import HybridSearcher
from openbeta.server.retrieval.store_index import StoreIndexes
from openbeta.server.retrieval.tokens import WordTokenizer
from openbeta.server.services.vector_stores import VectorStoreService
from openbeta.server.store import Database
from openbeta.server.store.db import MIGRATIONS
from openbeta.server.store.tables import (DEFAULT_PROJECT_ID, ChunkRow, FileRow, FileTextPieceRow,
                                          VectorStoreFileRow, VectorStoreRow)
from openbeta.server.store.texts import PIECE_CHARS, TextWriter, read_pieces, stored_text
from openbeta.types.vector_store import FileBatchCreateParams

SMALL = {"type": "static", "static": {"max_chunk_size_tokens": 40, "chunk_overlap_tokens": 10}}
#: Words enough for several batches of ``SMALL`` chunks (30 new tokens each).
MANY_WORDS = (BATCH_CHUNKS * 30) * 3


def _words(n: int, stem: str = "word") -> str:
    return " ".join(f"{stem}{i}" for i in range(n))


def _stored(db: Database, file_id: str) -> str:
    with db.session() as s:
        found = stored_text(s, file_id)
    assert found is not None, f"no text stored for {file_id}"
    return "".join(read_pieces(db, found))


def _blob(tmp_path, file_id: str, data: bytes) -> None:
    (tmp_path / "blobs").mkdir(exist_ok=True)
    (tmp_path / "blobs" / file_id).write_bytes(data)


@pytest.mark.parametrize("piece", [101, 1000, 100_000])
def test_streamed_chunks_are_the_whole_texts(piece):
    """Fed in pieces of any size, cut inside words too, the chunks are those of the whole text (a run
    without white space is cut only past four pieces' length, which no word here reaches)."""
    tok = WordTokenizer()
    whole = _words(5000) + " " + "x" * 400 + " tail, end."
    pieces = [whole[i:i + piece] for i in range(0, len(whole), piece)]
    streamed = [t for batch in stream_chunks(pieces, tok, 40, 10, batch=17) for t in batch.texts]
    assert streamed == split(whole, tok, 40, 10).texts


def test_a_large_text_is_stored_and_read_back_whole(db, tmp_path):
    """Parsed from its blob: the text is stored in pieces of at most ``PIECE_CHARS`` and reads back equal
    to the file's; the chunks are the whole text's."""
    body = _words(150_000)  # about 1.6 million characters: many pieces
    queue_file(db, "file-big", None, chunking=SMALL)
    _blob(tmp_path, "file-big", ("\n  " + body + "  \n\n").encode())
    [result] = ingestor(db, tmp_path, None).ingest_many([("vs_1", "file-big")])
    assert result.status == "completed"
    assert _stored(db, "file-big") == body  # leading and trailing white space dropped, as parse() does
    with db.session() as s:
        sizes = [len(t) for t in s.scalars(select(FileTextPieceRow.text).where(FileTextPieceRow.file_id == "file-big"))]
        assert stored_text(s, "file-big").chars == len(body) and stored_text(s, "file-big").pages == 1
    assert len(sizes) > 20 and max(sizes) <= PIECE_CHARS
    assert result.chunks == len(split(body, WordTokenizer(), 40, 10).texts) == len(chunks(db, "file-big"))


def test_pages_are_counted_whether_parsed_or_reused(db, tmp_path):
    with db.session() as s:
        s.add(VectorStoreRow(id="vs_2", created_at=0, body={}))
    queue_file(db, "file-pdf", None, filename="report.pdf")
    _blob(tmp_path, "file-pdf", make_pdf(["first page", "second page", "third page"]))
    work = ingestor(db, tmp_path, None)
    [parsed] = work.ingest_many([("vs_1", "file-pdf")])
    queue_file(db, "file-pdf", None, filename="report.pdf", store_id="vs_2")
    (tmp_path / "blobs" / "file-pdf").unlink()  # the second store reads the stored text, not the file
    [reused] = work.ingest_many([("vs_2", "file-pdf")])
    assert (parsed.status, parsed.pages) == (reused.status, reused.pages) == ("completed", 3)
    assert "second page" in _stored(db, "file-pdf")


def test_a_text_that_stops_being_utf8_is_parsed_again(db, tmp_path):
    """ASCII for more than a piece, then Latin-1: the first pieces went on as UTF-8; the file is parsed
    again in the encoding found, and neither its text nor its chunks keep anything of the first try."""
    head = _words(PIECE_CHARS // 4)
    tail = " café crème brûlée à la carte " * 2000
    data = (head + tail).encode("latin-1")
    with pytest.raises(Reencode):
        list(TextStream("menu.txt", lambda: iter([data[i:i + 65536] for i in range(0, len(data), 65536)])))
    queue_file(db, "file-latin", None, filename="menu.txt", chunking=SMALL)
    _blob(tmp_path, "file-latin", data)
    [result] = ingestor(db, tmp_path, None).ingest_many([("vs_1", "file-latin")])
    assert result.status == "completed"
    assert _stored(db, "file-latin") == (head + tail).strip()
    assert [t for t, _, _ in chunks(db, "file-latin")] == split((head + tail).strip(), WordTokenizer(), 40, 10).texts
    with db.session() as s:  # only the second try's pieces are left
        sources = set(s.scalars(select(FileTextPieceRow.source).where(FileTextPieceRow.file_id == "file-latin")))
        assert sources == {stored_text(s, "file-latin").source}


def test_two_ingestions_of_one_file_store_one_text(db):
    """Two ingestions parse one file at once (two stores): the first to finish stores the text, the
    other's pieces go, and so do those of an ingestion that never finished."""
    queue_file(db, "file-x", None)
    first, second = TextWriter(db, "file-x"), TextWriter(db, "file-x")
    pieces = ["alpha " * 1000, "beta " * 1000, "gamma"]
    for _ in itertools.zip_longest(first.through(pieces), second.through([p.upper() for p in pieces])):
        pass
    stale = TextWriter(db, "file-x")
    list(stale.through(["stale " * 100] * 20))  # 16 of its pieces are written, the rest wait
    with db.session() as s:
        assert len(s.scalars(select(FileTextPieceRow.position).where(FileTextPieceRow.source == stale.source)).all()) == 16
    assert second.commit(pages=1) is True
    assert first.commit(pages=1) is False
    assert _stored(db, "file-x") == "".join(pieces).upper()
    with db.session() as s:
        assert sorted(tuple(r) for r in s.execute(select(FileTextPieceRow.source, FileTextPieceRow.position))) == \
            [(second.source, 0), (second.source, 1), (second.source, 2)]


def test_search_answers_only_from_completed_files(db):
    """A file's chunks are written batch by batch while it is ingested: until it completes, search
    ignores them (lexical and dense), however many they are."""
    embedder = Embedder("s")
    with db.session() as s:
        for file_id, state in (("file-done", "completed"), ("file-half", "in_progress")):
            s.add(FileRow(id=file_id, purpose="assistants", created_at=0, body={"filename": f"{file_id}.txt"}))
            s.flush()
            s.add(VectorStoreFileRow(id=file_id, vector_store_id="vs_1", status=state, usage_bytes=0, created_at=0,
                                     body={"id": file_id}))
        texts = [("file-done", "widgets and the rest")] + [("file-half", "widgets widgets") for _ in range(300)]
        for position, (file_id, chunk) in enumerate(texts):  # the unfinished file's match better, and are many
            s.add(ChunkRow(vector_store_id="vs_1", file_id=file_id, position=position, text=chunk,
                           embedding=embedder.vector("widgets").tobytes(), embedder=embedder.id))
    for searcher in (None, embedder):  # lexical, and hybrid (every vector is the query's)
        dense = StoreIndexes()
        service = VectorStoreService(db, HybridSearcher(searcher, dense), dense)
        hits = service.search(DEFAULT_PROJECT_ID, ["vs_1"], "widgets", max_num_results=5)
        assert [hit.file_id for hit in hits] == ["file-done"]
    with db.session() as s:
        s.execute(update(VectorStoreFileRow).where(VectorStoreFileRow.id == "file-half").values(status="completed"))
    hits = service.search(DEFAULT_PROJECT_ID, ["vs_1"], "widgets", max_num_results=5)
    assert len(hits) == 5 and "file-half" in {hit.file_id for hit in hits}


def test_a_file_that_fails_partway_keeps_no_chunks(db, tmp_path):
    class FailsLater(Embedder):
        def embed_many(self, docs):
            if self.calls >= 1:
                raise RuntimeError("model fell over")
            return super().embed_many(docs)

    queue_file(db, "file-long", None, chunking=SMALL)
    _blob(tmp_path, "file-long", _words(MANY_WORDS).encode())
    [result] = ingestor(db, tmp_path, FailsLater("f")).ingest_many([("vs_1", "file-long")])
    assert result.status == "failed"
    assert status(db, "file-long") == ("failed", {"code": "server_error", "message": "model fell over"})
    assert chunks(db, "file-long") == []


def test_a_cancelled_file_keeps_no_chunks(db):
    with db.session() as s:
        s.add(FileRow(id="file-c", purpose="assistants", created_at=0, body={"filename": "c.txt"}))
    dense = StoreIndexes()
    service = VectorStoreService(db, HybridSearcher(None, dense), dense)
    batch = service.create_batch(DEFAULT_PROJECT_ID, "vs_1", FileBatchCreateParams(file_ids=["file-c"]))
    with db.session() as s:  # its first batch of chunks is written
        s.add(ChunkRow(vector_store_id="vs_1", file_id="file-c", position=0, text="half done"))
    assert service.cancel_batch(DEFAULT_PROJECT_ID, "vs_1", batch["id"])["status"] == "cancelled"
    assert chunks(db, "file-c") == []
    assert status(db, "file-c")[0] == "cancelled"


def test_texts_stored_before_are_moved_into_pieces(tmp_path, database_url):
    """A database whose texts were stored whole: after the upgrade, each reads back equal, in pieces; the
    downgrade puts them back whole."""
    db = Database(database_url or f"sqlite:///{tmp_path / 'old.db'}")
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    old = {"file-a": "short text", "file-b": "é" + _words(40_000) + " ✓"}
    with db.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "run_tool_resources")
    with db.engine.begin() as conn:
        for file_id, body in old.items():
            conn.execute(text("INSERT INTO files (id, purpose, created_at, body) VALUES (:id, 'assistants', 0, '{}')"),
                         {"id": file_id})
            conn.execute(text("INSERT INTO file_texts (file_id, text) VALUES (:id, :text)"), {"id": file_id, "text": body})
    db.migrate()
    for file_id, body in old.items():
        assert _stored(db, file_id) == body
    with db.session() as s:
        assert stored_text(s, "file-b").pieces == -(-len(old["file-b"]) // PIECE_CHARS) > 1
    with db.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "run_tool_resources")
    with db.engine.begin() as conn:
        back = dict(conn.execute(text("SELECT file_id, text FROM file_texts")).all())
    assert back == old
    db.dispose()
