"""Fixtures of the search index tests."""

from __future__ import annotations

import pytest

from openbeta.server.store import Database
from openbeta.server.store.tables import VectorStoreRow


@pytest.fixture
def db(tmp_path, database_url):
    """A migrated database (SQLite in ``tmp_path``, or a fresh PostgreSQL one) holding vector store ``vs_1``."""
    database = Database(database_url or f"sqlite:///{tmp_path / 'x.db'}")
    database.migrate()
    with database.session() as s:
        s.add(VectorStoreRow(id="vs_1", created_at=0, body={}))
    yield database
    database.dispose()
