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
