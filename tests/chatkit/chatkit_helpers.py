"""Helpers for the ChatKit tests: scripted-model directives, user input, and a protocol client that
validates every streamed frame with the ``openai-chatkit`` types."""

from __future__ import annotations

import json
from typing import Any, Iterator, Optional

import httpx
from chatkit.types import ThreadStreamEvent
from pydantic import TypeAdapter

EVENT: TypeAdapter[Any] = TypeAdapter(ThreadStreamEvent)


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


def backing_thread(db: Any, chatkit_thread_id: str) -> str:
    from sqlalchemy import select

    from openbeta.server.store.tables import ChatKitThreadRow

    with db.session() as s:
        return s.scalar(select(ChatKitThreadRow.thread_id).where(ChatKitThreadRow.id == chatkit_thread_id))


def new_thread(protocol: Protocol, text: str = "hello") -> tuple[str, list[Any]]:
    events = protocol.stream("threads.create", {"input": user_input(text)})
    assert events[0].type == "thread.created"
    return events[0].thread.id, events
