"""Fixtures for files, vector stores and search: SDK clients on live servers, restarts."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable, Iterator

import openai
import pytest

from filekit import Kit
from sdk_clients import SDK, SDKS, load_sdk


@pytest.fixture(scope="session", params=list(SDKS))
def sdk(request) -> Iterator[SDK]:
    """The client library under test: the official SDK, openbeta's, openbeta's async one."""
    loaded = load_sdk(request.param)
    yield loaded
    loaded.close()


@pytest.fixture(scope="session")
def client(sdk, live_server) -> Any:
    return sdk.client(live_server)


@pytest.fixture(scope="session")
def errors(sdk) -> Any:
    """The module holding the client library's error classes (``errors.NotFoundError``, ...)."""
    return sdk.module


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
