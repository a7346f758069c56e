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
    return Settings(data_dir=tmp_path, database_url=database_url, provider="scripted")


@pytest.fixture
def api(settings) -> Iterator[TestClient]:
    """A TestClient on a fresh app; server errors answer 500 instead of raising in the test."""
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        yield client
