"""A realtime server for the protocol tests: the scripted model, and API keys required (``KEY``).

Protocol tests share one SQLite server (realtime sessions live in memory; only ephemeral keys
touch the database, and those tests run on every database through ``start_server``).
"""

from __future__ import annotations

from typing import Any, Iterator

import pytest

from realtime_support import KEY
from server_process import launch


@pytest.fixture(scope="module")
def app(tmp_path_factory) -> Iterator[Any]:
    """The app in process (the scripted model) for tests that drive the audio hooks with the voice pipeline's
    double (``open_session`` in test_realtime_voice_hooks.py puts the double in place per session)."""
    from fastapi.testclient import TestClient

    from openbeta.server.app import create_app
    from openbeta.server.settings import Settings

    app = create_app(Settings(data_dir=tmp_path_factory.mktemp("voice"), provider="scripted"))
    with TestClient(app) as client:
        app.state.test_client = client
        yield app




@pytest.fixture(scope="session")
def rt_server(tmp_path_factory) -> Iterator[Any]:
    # Protocol tests: no voice models (the audio hooks are tested with a double, the models in tests/voice).
    server = launch(tmp_path_factory.mktemp("realtime"), {"OPENBETA_PROVIDER": "scripted", "OPENBETA_API_KEYS": KEY,
                                                          "OPENBETA_VOICE": "none"})
    yield server
    server.stop()


@pytest.fixture(scope="session")
def launch_server() -> Any:
    """``launch(data_dir, env)`` from tests/conftest.py: an ``openbeta serve`` process with these settings."""
    return launch
