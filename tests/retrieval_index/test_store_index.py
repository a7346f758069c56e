"""Search indexes are derived data: they follow the database (several replicas on one database),
are rebuilt when missing or stale, and are consistent after a process is killed mid-write or mid-build."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import delete

from openbeta.server.retrieval.search import HybridSearcher
from openbeta.server.retrieval.store_index import StoreIndexes
from openbeta.server.store import Database
from openbeta.server.store.tables import ChunkRow, FileRow, VectorStoreRow

SRC = Path(__file__).resolve().parents[2] / "src"
DIM = 8


def _vector(i: int) -> bytes:
    v = np.zeros(DIM, dtype=np.float32)
    v[i % DIM] = 1.0
    v[(i + 1) % DIM] = 0.5
    return (v / np.linalg.norm(v)).tobytes()


class _Embedder:
    name = "test"

    def embed(self, texts):
        return np.stack([np.frombuffer(_vector(int(t.split()[-1])), dtype=np.float32) for t in texts])


def _add_file(db: Database, file_id: str, words: list[str], first: int = 0) -> None:
    with db.session() as s:
        s.add(FileRow(id=file_id, purpose="assistants", created_at=0, body={"filename": f"{file_id}.txt"}))
        s.flush()
        for i, word in enumerate(words):
            s.add(ChunkRow(vector_store_id="vs_1", file_id=file_id, position=i, text=f"about {word} here",
                           embedding=_vector(first + i)))


def _lexical(db: Database, indexes: StoreIndexes, query: str) -> list[str]:
    from openbeta.server.store.tables import ChunkRow as C

    with db.session() as s:
        seqs = indexes.get(s, "vs_1").lexical(query, 10)
        return [s.get(C, seq).text for seq in seqs]


def _dense_files(db: Database, indexes: StoreIndexes, i: int) -> list[str]:
    from openbeta.server.store.tables import ChunkRow as C

    with db.session() as s:
        hits = indexes.get(s, "vs_1").dense(np.frombuffer(_vector(i), dtype=np.float32), 3)
        return [s.get(C, seq).file_id for seq, _ in hits]


@pytest.mark.parametrize("ann_from", [1, 10_000], ids=["hnsw", "exact"])
def test_replicas_follow_the_database(db, ann_from):
    """Two replicas' indexes on one database: each sees every other's writes and deletes before searching."""
    one, two = StoreIndexes(ann_from), StoreIndexes(ann_from)
    _add_file(db, "file-a", ["apples", "pears"])
    assert _lexical(db, one, "apples") == ["about apples here"]
    assert _lexical(db, two, "pears") == ["about pears here"]
    _add_file(db, "file-b", ["plums", "cherries"], first=4)  # written "by another replica"
    assert _lexical(db, one, "plums") == ["about plums here"]
    assert _dense_files(db, one, 4)[0] == "file-b"
    with db.session() as s:
        s.execute(delete(ChunkRow).where(ChunkRow.file_id == "file-a"))
    for indexes in (one, two):
        assert _lexical(db, indexes, "apples pears") == []
        assert "file-a" not in _dense_files(db, indexes, 0)
        assert _lexical(db, indexes, "cherry") == ["about cherries here"]  # stemmed


def test_hybrid_scores_stay_in_unit_range(db):
    _add_file(db, "file-a", ["apples", "pears", "plums"])
    searcher = HybridSearcher(_Embedder(), StoreIndexes())
    with db.session() as s:
        hits = searcher.search(s, ["vs_1"], ["pears 1"], 10)
    assert hits[0][1] == pytest.approx(1.0)  # first in both lists
    assert all(0.0 <= score <= 1.0 for _, score in hits)


def _child(code: str, url: str) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(SRC), "URL": url}
    return subprocess.Popen([sys.executable, "-c", textwrap.dedent(code)], env=env, stdout=subprocess.PIPE, text=True)


WRITER = """
    import os, sys, time
    from openbeta.server.store import Database
    from openbeta.server.store.tables import ChunkRow, FileRow
    db = Database(os.environ["URL"])
    with db.session() as s:
        s.add(FileRow(id="file-half", purpose="assistants", created_at=0, body={"filename": "half.txt"}))
        s.flush()
        for i in range(50):
            s.add(ChunkRow(vector_store_id="vs_1", file_id="file-half", position=i, text="half written bananas",
                           embedding=None))
        s.flush()
        print("written", flush=True)
        time.sleep(60)
"""

BUILDER = """
    import os
    from openbeta.server.retrieval.store_index import StoreIndexes
    from openbeta.server.store import Database
    db = Database(os.environ["URL"])
    print("building", flush=True)
    with db.session() as s:
        while True:
            StoreIndexes(ann_from=1).get(s, "vs_1")
"""


def test_killed_ingestion_and_rebuild_leave_consistent_results(db):
    """A process killed in the middle of writing a file's chunks, and one killed while building
    indexes: a new index sees exactly the committed chunks."""
    _add_file(db, "file-a", [f"word{i}" for i in range(300)])
    url = db.engine.url.render_as_string(hide_password=False)
    for code, ready in ((WRITER, "written"), (BUILDER, "building")):
        child = _child(code, url)
        assert child.stdout.readline().strip() == ready
        child.send_signal(signal.SIGKILL)
        child.wait(30)
    fresh = StoreIndexes(ann_from=1)
    assert _lexical(db, fresh, "bananas") == []
    assert _lexical(db, fresh, "word7") == ["about word7 here"]
    assert _dense_files(db, fresh, 3) == ["file-a"] * 3
    _add_file(db, "file-half", ["bananas"])  # the file is ingested again, whole
    assert _lexical(db, fresh, "bananas") == ["about bananas here"]


def test_least_recently_searched_store_is_dropped_and_rebuilt(db):
    with db.session() as s:
        s.add(VectorStoreRow(id="vs_2", created_at=0, body={}))
    _add_file(db, "file-a", ["apples"])
    indexes = StoreIndexes(max_stores=1)
    with db.session() as s:
        first = indexes.get(s, "vs_1")
        indexes.get(s, "vs_2")
        again = indexes.get(s, "vs_1")
    assert again is not first
    assert _lexical(db, indexes, "apples") == ["about apples here"]
