"""A realtime server for the protocol tests: the scripted model, and API keys required (``KEY``).

Protocol tests share one SQLite server (realtime sessions live in memory; only ephemeral keys
touch the database, and those tests run on every database through ``start_server``).
"""

from __future__ import annotations

from typing import Any, Iterator

import pytest

from realtime_support import KEY
from server_process import launch




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
