"""Fixtures for files, vector stores and search: SDK clients on live servers, restarts."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

import openai
import pytest

from filekit import Kit
from sdk_clients import SDKS, client, errors, sdk_fixture  # noqa: F401 - fixtures


#: The client library under test: the official SDK, openbeta's, openbeta's async one.
sdk = sdk_fixture(list(SDKS))


@pytest.fixture(scope="session")
def kit(client) -> Kit:
    return Kit(client)


@pytest.fixture(scope="session")
def idle_server(start_server):
    """A server whose ingestion is switched off: queued files stay ``in_progress``."""
    return start_server(OPENBETA_PROVIDER="scripted", OPENBETA_INGESTION_WORKERS="0")


@pytest.fixture(scope="session")
def idle_kit(idle_server) -> Kit:
    return Kit(openai.OpenAI(base_url=idle_server.base_url, api_key="test", max_retries=0))


@pytest.fixture(scope="session")
def relaunch(request) -> Callable[..., Any]:
    """``relaunch(server, **env)``: start a new server on a stopped one's data directory and database."""
    root = Path(__file__).resolve().parent.parent / "conftest.py"
    shared = next(p for p in request.config.pluginmanager.get_plugins()
                  if getattr(p, "__file__", None) and Path(p.__file__).resolve() == root)
    started: list = []

    def start(server: Any, **env: str) -> Any:
        keep = {k: v for k, v in server.env.items() if k.startswith("OPENBETA_") and k != "OPENBETA_PORT"}
        new = shared.launch(server.data_dir, {**keep, **env})
        started.append(new)
        return new

    yield start
    for server in started:
        server.stop()
