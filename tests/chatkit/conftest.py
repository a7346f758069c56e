"""Fixtures for ChatKit: a live server (scripted model), SDK clients on it, and protocol clients."""

from __future__ import annotations

import uuid
from typing import Any

import openai
import pytest

from sdk_clients import SDKS, errors, sdk_fixture  # noqa: F401 - fixtures

#: The REST face runs under the official SDK and openbeta's (its async twin shares the same requests and
#: is covered against a stand-in in tests/sdk).
sdk = sdk_fixture([name for name in SDKS if name != "openbeta-async"])


@pytest.fixture(scope="session")
def ck_server(start_server):
    """The server the ChatKit tests share (scripted model, lexical file search only)."""
    return start_server(OPENBETA_PROVIDER="scripted", OPENBETA_EMBEDDINGS="none")


@pytest.fixture(scope="session")
def oai(ck_server) -> openai.OpenAI:
    return openai.OpenAI(base_url=ck_server.base_url, api_key="test", max_retries=0)


@pytest.fixture(scope="session")
def assistant(oai) -> str:
    weather = {"type": "function", "function": {"name": "get_weather", "parameters": {
        "type": "object", "properties": {"city": {"type": "string"}}}}}
    return oai.beta.assistants.create(model="scripted", instructions="You help.", tools=[weather]).id


@pytest.fixture
def sqlite_only(db_kind) -> None:
    """For tests whose subject does not touch the database's own behaviour: run them once, on SQLite."""
    if db_kind != "sqlite":
        pytest.skip("independent of the database: runs on SQLite only")


@pytest.fixture
def user() -> str:
    return "user-" + uuid.uuid4().hex[:10]


@pytest.fixture(scope="session")
def open_protocol(ck_server, oai):
    """``open_protocol(assistant_id, user, **session_options)`` -> (session, :class:`Protocol`)."""
    from chatkit_helpers import Protocol

    opened: list[Protocol] = []

    def start(assistant_id: str, user: str, **options: Any) -> tuple[Any, Protocol]:
        session = oai.beta.chatkit.sessions.create(user=user, workflow={"id": assistant_id}, **options)
        protocol = Protocol(ck_server, {"Authorization": f"Bearer {session.client_secret}"})
        opened.append(protocol)
        return session, protocol

    yield start
    for protocol in opened:
        protocol.close()


@pytest.fixture(scope="session")
def ck_db(ck_server):
    """The server's database, for looking behind a ChatKit thread (its backing assistants thread)."""
    from openbeta.server.settings import Settings
    from openbeta.server.store import Database

    url = Settings(data_dir=ck_server.data_dir,
                   database_url=ck_server.env.get("OPENBETA_DATABASE_URL")).resolved_database_url()
    db = Database(url)
    yield db
    db.dispose()
