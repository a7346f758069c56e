"""The store itself: what goes into a body column comes back unchanged, on every database."""

from __future__ import annotations

from typing import Any, Iterator

import pytest

from openbeta.server.store import Database
from openbeta.server.store.tables import (FileRow, VectorStoreFileBatchRow, VectorStoreFileRow,
                                          VectorStoreRow)

#: Keys out of alphabetical order, a NUL character, nesting: JSONB would refuse or reorder these.
BODY = {"zeta": "nul\u0000inside", "alpha": {"y": 1, "b": [3, "\u0000"]}, "mid": None}


@pytest.fixture
def db(tmp_path, database_url) -> Iterator[Database]:
    database = Database(database_url or f"sqlite:///{tmp_path / 'store.db'}")
    database.migrate()
    yield database
    database.dispose()


def _rows() -> list[Any]:
    return [
        FileRow(id="file-1", purpose="assistants", created_at=1, body=dict(BODY)),
        VectorStoreRow(id="vs_1", created_at=1, body=dict(BODY)),
        VectorStoreFileBatchRow(id="vsfb_1", vector_store_id="vs_1", created_at=1, body=dict(BODY)),
        VectorStoreFileRow(id="file-1", vector_store_id="vs_1", status="completed", usage_bytes=0, created_at=1,
                           body=dict(BODY)),
    ]


def test_bodies_round_trip_exactly(db):
    with db.session() as s:
        for row in _rows():
            s.add(row)
            s.flush()
    with db.session() as s:
        for model in (FileRow, VectorStoreRow, VectorStoreFileBatchRow, VectorStoreFileRow):
            body = s.query(model).one().body
            assert body == BODY, model.__tablename__
            assert list(body) == list(BODY) and list(body["alpha"]) == ["y", "b"], model.__tablename__


def test_sqlite_commits_are_durable(tmp_path):
    """WAL with ``synchronous=FULL``: an answered commit survives power loss."""
    database = Database(f"sqlite:///{tmp_path / 'sync.db'}")
    with database.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL
    database.dispose()


def test_derived_vector_store_values_are_stored_once(api):
    """Counts, usage and status are computed from columns on read; bodies never hold a second copy."""
    import time

    from openbeta.server.store.tables import VectorStoreFileBatchRow, VectorStoreFileRow, VectorStoreRow

    file_id = api.post("/v1/files", data={"purpose": "assistants"},
                       files={"file": ("a.txt", b"Widgets are small. " * 50, "text/plain")}).json()["id"]
    store = api.post("/v1/vector_stores", json={"name": "s"}).json()
    batch = api.post(f"/v1/vector_stores/{store['id']}/file_batches", json={"file_ids": [file_id]}).json()
    deadline = time.monotonic() + 60
    while api.get(f"/v1/vector_stores/{store['id']}").json()["status"] != "completed":
        assert time.monotonic() < deadline
        time.sleep(0.1)
    store = api.get(f"/v1/vector_stores/{store['id']}").json()
    vs_file = api.get(f"/v1/vector_stores/{store['id']}/files/{file_id}").json()
    listed = api.get(f"/v1/vector_stores/{store['id']}/files").json()["data"]
    assert vs_file["status"] == "completed" and vs_file["usage_bytes"] > 0 and listed == [vs_file]
    assert store["usage_bytes"] == vs_file["usage_bytes"] and store["file_counts"]["completed"] == 1
    assert list(vs_file)[:6] == ["id", "object", "usage_bytes", "created_at", "vector_store_id", "status"]
    with api.app.state.services.db.session() as s:
        store_body = s.get(VectorStoreRow, 1).body
        file_row = s.query(VectorStoreFileRow).one()
        batch_body = s.query(VectorStoreFileBatchRow).one().body
    assert not {"file_counts", "usage_bytes", "status", "expires_at"} & set(store_body)
    assert not {"status", "usage_bytes"} & set(file_row.body)
    assert (file_row.status, file_row.usage_bytes) == ("completed", vs_file["usage_bytes"])
    assert "file_counts" not in batch_body and batch["id"] == batch_body["id"]


def test_every_body_column_is_plain_json_on_postgresql():
    from sqlalchemy.dialects import postgresql

    from openbeta.server.store.tables import Base

    bodies = [table.c.body for table in Base.metadata.sorted_tables if "body" in table.c]
    assert len(bodies) >= 8
    for column in bodies:
        assert column.type.compile(dialect=postgresql.dialect()) == "JSON", column.table.name
