"""In-process app fixtures: FastAPI's TestClient on a fresh database per test.

Parametrized like the live server over SQLite and, when configured, PostgreSQL.
"""

from __future__ import annotations

import json
from typing import Any, Iterator

import pytest
from fastapi.testclient import TestClient

from openbeta.server.app import create_app
from openbeta.server.settings import Settings
from server_process import SPEC_DIR

SPEC = SPEC_DIR / "openapi-beta.json"


@pytest.fixture
def settings(tmp_path, database_url) -> Settings:
    return Settings(data_dir=tmp_path, database_url=database_url, provider="scripted")


@pytest.fixture
def api(settings) -> Iterator[TestClient]:
    """A TestClient on a fresh app; requests go to ``/v1/...`` paths."""
    with TestClient(create_app(settings)) as client:
        yield client


@pytest.fixture(scope="session")
def spec_schemas() -> dict[str, Any]:
    """The schemas of the trimmed OpenAI spec (skips when the spec is not present)."""
    if not SPEC.is_file():
        pytest.skip("OpenAI spec not available")
    return json.loads(SPEC.read_text())["components"]["schemas"]
