"""Search indexes saved to disk: loaded after a restart instead of rebuilt, caught up with the
database when stale, rebuilt when damaged, and never half-written after a kill."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import httpx
import numpy as np
import pytest
from sqlalchemy import delete, inspect, select

from openbeta.server.retrieval import index_files
from openbeta.server.retrieval.store_index import ANN_EXPANSION, StoreIndexes
from openbeta.server.store import Database
from openbeta.server.store.tables import ChunkRow, FileRow

SRC = Path(__file__).resolve().parents[2] / "src"
DIM = 8


def _vector(i: int) -> bytes:
    v = np.zeros(DIM, dtype=np.float32)
    v[i % DIM] = 1.0
    v[(i + 3) % DIM] = 0.4
    return (v / np.linalg.norm(v)).tobytes()


def _add_file(db: Database, file_id: str, words: list[str], first: int = 0) -> None:
    with db.session() as s:
        s.add(FileRow(id=file_id, purpose="assistants", created_at=0, body={"filename": f"{file_id}.txt"}))
        s.flush()
        s.execute(ChunkRow.__table__.insert(), [
            {"vector_store_id": "vs_1", "file_id": file_id, "position": i, "text": f"about {word} here",
             "embedding": _vector(first + i)} for i, word in enumerate(words)])


def _indexes(tmp_path: Path, **kw) -> StoreIndexes:
    return StoreIndexes(ann_from=1, directory=tmp_path / "indexes", save_from=1, **kw)


def _search(db: Database, indexes: StoreIndexes, query: str, i: int) -> tuple[list[str], list[str]]:
    """Texts of the lexical hits for ``query`` and files of the 3 nearest chunks to vector ``i``."""
    with db.session() as s:
        index = indexes.get(s, "vs_1")
        lexical = [s.get(ChunkRow, seq).text for seq in index.lexical(query, 10)]
        dense = [s.get(ChunkRow, seq).file_id for seq, _ in index.dense(np.frombuffer(_vector(i), np.float32), 3)]
    return lexical, dense


def _built_and_saved(db: Database, tmp_path: Path) -> Path:
    _add_file(db, "file-a", [f"word{i}" for i in range(200)])
    first = _indexes(tmp_path)
    assert _search(db, first, "word7", 7) == (["about word7 here"], ["file-a"] * 3)
    first.flush()
    assert first.stats == {"built": 1, "loaded": 0, "saved": 1, "discarded": 0}
    [(version, path)] = index_files.saved(tmp_path / "indexes", "vs_1")
    assert (path / "dense.usearch").is_file() and (path / "lexical" / "meta.json").is_file()
    return path


def test_saved_index_is_loaded_not_rebuilt(db, tmp_path):
    _built_and_saved(db, tmp_path)
    again = _indexes(tmp_path)  # a restarted process
    assert _search(db, again, "word12", 12) == (["about word12 here"], ["file-a"] * 3)
    assert again.stats == {"built": 0, "loaded": 1, "saved": 0, "discarded": 0}
    with db.session() as s:  # searched as broadly as when built (usearch's load brings back its defaults)
        assert again.get(s, "vs_1")._ann.expansion_search == ANN_EXPANSION


def test_stale_saved_index_catches_up_with_the_database(db, tmp_path):
    _built_and_saved(db, tmp_path)
    _add_file(db, "file-b", ["plums", "cherries"], first=5)  # written after the save
    with db.session() as s:
        s.execute(delete(ChunkRow).where(ChunkRow.file_id == "file-a", ChunkRow.position < 100))
    again = _indexes(tmp_path)
    lexical, _ = _search(db, again, "plums word7 word150", 5)
    assert sorted(lexical) == ["about plums here", "about word150 here"]
    with db.session() as s:  # the dense side holds exactly the chunks the database has now
        index = again.get(s, "vs_1")
        present = set(s.scalars(select(ChunkRow.seq)))
        assert set(index.seqs.tolist()) == present == set(index.files)
        assert {seq for seq, _ in index.dense(np.frombuffer(_vector(5), np.float32), 50)} <= present
    assert again.stats["loaded"] == 1 and again.stats["built"] == 0
    again.flush()  # the caught-up index replaces the old save
    with db.session() as s:
        assert [v for v, _ in index_files.saved(tmp_path / "indexes", "vs_1")] == [again.version(s, "vs_1")]


@pytest.mark.parametrize("damage", ["truncate-vectors", "flip-dense", "drop-lexical", "manifest"])
def test_damaged_saved_index_is_rebuilt(db, tmp_path, damage):
    path = _built_and_saved(db, tmp_path)
    if damage == "truncate-vectors":
        with open(path / "vectors.npy", "r+b") as f:
            f.truncate(os.path.getsize(path / "vectors.npy") // 2)
    elif damage == "flip-dense":
        data = bytearray((path / "dense.usearch").read_bytes())
        data[len(data) // 2] ^= 0xFF
        (path / "dense.usearch").write_bytes(bytes(data))
    elif damage == "drop-lexical":
        next(p for p in (path / "lexical").iterdir() if p.suffix == ".idx").unlink()
    else:
        (path / "manifest.json").write_text("{")
    again = _indexes(tmp_path)
    assert _search(db, again, "word7", 7) == (["about word7 here"], ["file-a"] * 3)
    assert again.stats == {"built": 1, "loaded": 0, "saved": 0, "discarded": 1}


def test_saved_index_newer_than_the_database_is_not_used(db, tmp_path):
    path = _built_and_saved(db, tmp_path)
    path.rename(path.with_name("v999999"))  # e.g. the database was restored from an older backup
    (path.with_name("v999999") / "manifest.json").write_text(
        (path.with_name("v999999") / "manifest.json").read_text().replace('"version": ', '"version": 999999 + 0 * '))
    again = _indexes(tmp_path)
    assert _search(db, again, "word7", 7)[0] == ["about word7 here"]
    assert again.stats["loaded"] == 0 and again.stats["discarded"] == 1


SAVER = """
    import os, sys
    from pathlib import Path
    from openbeta.server.retrieval.store_index import ANN_EXPANSION, StoreIndexes
    from openbeta.server.store import Database
    db = Database(os.environ["URL"])
    print("building", flush=True)
    while True:  # build and save again and again, until killed
        indexes = StoreIndexes(ann_from=1, directory=Path(os.environ["DIR"]), save_from=1)
        with db.session() as s:
            indexes.get(s, "vs_1")
        for path in Path(os.environ["DIR"], "vs_1").glob("v*"):
            __import__("shutil").rmtree(path)
        indexes.flush()
"""


def test_kill_during_build_and_save_leaves_search_correct(db, tmp_path):
    _add_file(db, "file-a", [f"word{i}" for i in range(2000)])
    env = {**os.environ, "PYTHONPATH": str(SRC), "URL": db.engine.url.render_as_string(hide_password=False),
           "DIR": str(tmp_path / "indexes")}
    for delay in (0.5, 1.5, 3.0):
        child = subprocess.Popen([sys.executable, "-c", textwrap.dedent(SAVER)], env=env, stdout=subprocess.PIPE,
                                 text=True)
        assert child.stdout.readline().strip() == "building"
        time.sleep(delay)
        child.send_signal(signal.SIGKILL)
        child.wait(30)
        again = _indexes(tmp_path)
        assert _search(db, again, "word1234", 1234) == (["about word1234 here"], ["file-a"] * 3)
        assert again.stats["loaded"] + again.stats["built"] == 1
    again.flush()
    assert not list((tmp_path / "indexes" / "vs_1").glob(".tmp-*"))  # the killed saves' leftovers are gone


def test_full_text_tables_are_gone(db):
    """Migration ``search_indexes``: chunk inserts no longer write an FTS5 table or a tsvector."""
    inspector = inspect(db.engine)
    assert not {"chunks_fts", "chunks_fts_vocab"} & set(inspector.get_table_names())
    assert "tsv" not in {c["name"] for c in inspector.get_columns("chunks")}


def _post_search(server, store_id: str, query: str) -> list[str]:
    r = httpx.post(f"{server.base_url}/vector_stores/{store_id}/search", json={"query": query}, timeout=60)
    assert r.status_code == 200, r.text
    return [hit["content"][0]["text"] for hit in r.json()["data"]]


def test_restarted_server_searches_the_saved_index(start_server, tmp_path_factory, db_kind):
    """A real server builds and saves a store's indexes; after a restart the first search is
    served from the saved files (the log says loaded, not built); deleting the store removes them."""
    data_dir = tmp_path_factory.mktemp("saved-index")
    env = {"OPENBETA_PROVIDER": "scripted", "OPENBETA_SEARCH_INDEX_SAVE_FROM": "1", "OPENBETA_EMBEDDINGS": "none"}
    server = start_server(data_dir=data_dir, **env)
    base, env = server.base_url, {**env, "OPENBETA_DATABASE_URL": server.env.get("OPENBETA_DATABASE_URL", "")}
    text = "\n\n".join(f"Paragraph {i} is about the {word} harvest." for i, word in
                       enumerate(["apple", "pear", "plum", "quince", "cherry"]))
    file_id = httpx.post(f"{base}/files", files={"file": ("fruit.txt", text.encode())},
                         data={"purpose": "assistants"}).json()["id"]
    store = httpx.post(f"{base}/vector_stores", json={"file_ids": [file_id]}).json()
    deadline = time.monotonic() + 60
    while httpx.get(f"{base}/vector_stores/{store['id']}").json()["file_counts"]["completed"] < 1:
        assert time.monotonic() < deadline
        time.sleep(0.2)
    assert any("quince" in t for t in _post_search(server, store["id"], "quince"))
    deadline = time.monotonic() + 30
    while not index_files.saved(data_dir / "indexes", store["id"]):
        assert time.monotonic() < deadline, server.log()
        time.sleep(0.2)
    assert f"search index for {store['id']} built" in server.log()
    server.stop()
    if not env["OPENBETA_DATABASE_URL"]:
        del env["OPENBETA_DATABASE_URL"]
    restarted = start_server(data_dir=data_dir, **env)
    assert any("quince" in t for t in _post_search(restarted, store["id"], "quince harvest"))
    log = restarted.log()[len(server.log()):] if restarted.log_path == server.log_path else restarted.log()
    assert f"search index for {store['id']} loaded from" in log
    assert f"search index for {store['id']} built" not in log
    assert httpx.delete(f"{restarted.base_url}/vector_stores/{store['id']}").json()["deleted"]
    assert not index_files.saved(data_dir / "indexes", store["id"])
