"""In-process app fixtures for the hardening tests: a fresh app and database per test,
over SQLite and, when configured, PostgreSQL (``db_kind``)."""

from __future__ import annotations

from typing import Iterator

import pytest
from fastapi.testclient import TestClient

from openbeta.server.app import create_app
from openbeta.server.settings import Settings


@pytest.fixture
def settings(tmp_path, database_url) -> Settings:
    return Settings(data_dir=tmp_path, database_url=database_url, provider="scripted", embeddings="none")


@pytest.fixture
def api(settings) -> Iterator[TestClient]:
    """A TestClient on a fresh app; server errors answer 500 instead of raising in the test."""
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        yield client


@pytest.fixture(scope="module")
def module_api(request, tmp_path_factory, db_kind) -> Iterator[TestClient]:
    """One app (and database) shared by a module's tests that do not need a fresh one."""
    import uuid

    from openbeta.server.store.db import create_postgres_database, drop_postgres_database

    admin = request.getfixturevalue("postgres_url") if db_kind == "postgresql" else None
    name = "ob_" + uuid.uuid4().hex[:12]
    url = create_postgres_database(admin, name) if db_kind == "postgresql" and admin else None
    settings = Settings(data_dir=tmp_path_factory.mktemp("app"), database_url=url, provider="scripted",
                        embeddings="none")
    try:
        with TestClient(create_app(settings), raise_server_exceptions=False) as client:
            yield client
    finally:
        if url:
            drop_postgres_database(admin, name)
