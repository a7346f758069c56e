"""Fixtures for ChatKit: a live server (scripted model), SDK clients on it, and a protocol client
that validates every streamed frame with the ``openai-chatkit`` types."""

from __future__ import annotations

import json
import uuid
from typing import Any, Iterator, Optional

import httpx
import openai
import pytest

from sdk_clients import SDKS, errors, sdk_fixture  # noqa: F401 - fixtures

chatkit_types = pytest.importorskip("chatkit.types")
from pydantic import TypeAdapter  # noqa: E402

EVENT: TypeAdapter[Any] = TypeAdapter(chatkit_types.ThreadStreamEvent)

#: The REST face runs under the official SDK and openbeta's (sync and async).
sdk = sdk_fixture(list(SDKS))


def script(**directive: Any) -> str:
    return "SCRIPT: " + json.dumps(directive)


def user_input(text: str, attachments: Optional[list[str]] = None, **options: Any) -> dict[str, Any]:
    return {"content": [{"type": "input_text", "text": text}], "attachments": attachments or [],
            "inference_options": options}


class Protocol:
    """``POST /v1/chatkit`` with one session's client secret (or other headers)."""

    def __init__(self, server: Any, headers: dict[str, str]) -> None:
        self.url = server.root_url + "/v1/chatkit"
        self.headers = headers
        self.http = httpx.Client(timeout=60)

    def post(self, kind: str, params: dict[str, Any]) -> httpx.Response:
        return self.http.post(self.url, json={"type": kind, "params": params}, headers=self.headers)

    def call(self, kind: str, params: dict[str, Any]) -> Any:
        response = self.post(kind, params)
        assert response.status_code == 200, response.text
        assert response.headers["content-type"].startswith("application/json")
        return response.json()

    def stream(self, kind: str, params: dict[str, Any]) -> list[Any]:
        """Every event of a streamed request, each validated as a ChatKit ``ThreadStreamEvent``."""
        events = []
        with self.http.stream("POST", self.url, json={"type": kind, "params": params}, headers=self.headers) as r:
            assert r.status_code == 200, r.read().decode()
            assert r.headers["content-type"].startswith("text/event-stream")
            for frame in self.frames(r):
                events.append(frame)
        return events

    @staticmethod
    def frames(response: httpx.Response) -> Iterator[Any]:
        for line in response.iter_lines():
            if not line:
                continue
            assert line.startswith("data: "), line
            yield EVENT.validate_json(line[len("data: "):])

    def close(self) -> None:
        self.http.close()


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
def user() -> str:
    return "user-" + uuid.uuid4().hex[:10]


@pytest.fixture(scope="session")
def open_protocol(ck_server, oai):
    """``open_protocol(assistant_id, user, **session_options)`` -> (session, :class:`Protocol`)."""
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


def backing_thread(db: Any, chatkit_thread_id: str) -> str:
    from sqlalchemy import select

    from openbeta.server.store.tables import ChatKitThreadRow

    with db.session() as s:
        return s.scalar(select(ChatKitThreadRow.thread_id).where(ChatKitThreadRow.id == chatkit_thread_id))


def new_thread(protocol: Protocol, text: str = "hello") -> tuple[str, list[Any]]:
    events = protocol.stream("threads.create", {"input": user_input(text)})
    assert events[0].type == "thread.created"
    return events[0].thread.id, events
