"""Bad frames and load: each bad event gets an ``error`` event and the session goes on; many sessions at once."""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

import pytest
from websockets.asyncio.client import connect as aconnect
from websockets.sync.client import connect

from realtime_support import KEY, opening_json, script, user_item, ws_base

HEADERS = {"Authorization": f"Bearer {KEY}", "OpenAI-Beta": "realtime=v1"}


def _url(server: Any) -> str:
    return ws_base(server) + "/realtime?model=gpt-realtime"


def _next(ws: Any) -> dict[str, Any]:
    return json.loads(ws.recv(timeout=10))


def test_bad_frames_answer_errors_and_the_session_goes_on(rt_server) -> None:
    with connect(_url(rt_server), additional_headers=HEADERS, max_size=None) as ws:
        opening_json([ws.recv(timeout=10), ws.recv(timeout=10)])
        deep = '{"type": "session.update", "session": {"tools": [{"type": "function", "name": "f", "parameters": ' \
            + '{"a": ' * 200 + "1" + "}" * 200 + "}]}}"
        for frame in ("not json", "[1, 2]", "{\"event_id\": \"x\"}", b"\x00\x01binary", deep, "[" * 100_000):
            ws.send(frame)
            error = _next(ws)
            assert error["type"] == "error" and error["error"]["type"] == "invalid_request_error", frame
        ws.send(json.dumps({"type": "input_audio_buffer.append", "event_id": "big",
                            "audio": "A" * (15 * 1024 * 1024 + 4)}))
        big = _next(ws)["error"]
        assert big["code"] == "string_above_max_length" and big["param"] == "audio" and big["event_id"] == "big"
        ws.send(json.dumps({"type": "conversation.item.create", "event_id": "bad-item",
                            "item": {"type": "message", "role": "robot", "content": []}}))
        assert _next(ws)["error"]["param"] == "item.role"
        ws.send(json.dumps({"type": "conversation.item.create", "event_id": "bad-part",
                            "item": {"type": "message", "role": "system",
                                     "content": [{"type": "input_audio", "audio": "AAAA"}]}}))
        assert _next(ws)["error"]["param"] == "item.content[0].type"
        ws.send(json.dumps({"type": "response.create", "response": {"conversation": "other"}}))
        assert _next(ws)["error"]["param"] == "response.conversation"
        ws.send(json.dumps({"type": "conversation.item.create", "item": user_item(script(text="fine"))}))
        assert _next(ws)["type"] == "conversation.item.created"
        ws.send(json.dumps({"type": "response.create"}))
        events = [_next(ws) for _ in range(9)]
        assert events[-1]["type"] == "response.done" and events[-1]["response"]["status"] == "completed"


async def _one_session(url: str, n: int) -> str:
    async with aconnect(url, additional_headers=HEADERS) as ws:
        opening_json([await ws.recv(), await ws.recv()])
        await ws.send(json.dumps({"type": "conversation.item.create", "item": user_item(script(text=f"answer {n}"))}))
        await ws.send(json.dumps({"type": "response.create"}))
        while True:
            event = json.loads(await ws.recv())
            assert event["type"] != "error", event
            if event["type"] == "response.done":
                return event["response"]["output"][0]["content"][0]["text"]


def test_fifty_sessions_at_once(rt_server) -> None:
    async def run() -> list[str]:
        return await asyncio.wait_for(
            asyncio.gather(*(_one_session(_url(rt_server), n) for n in range(50))), timeout=60)

    assert asyncio.run(run()) == [f"answer {n}" for n in range(50)]


def test_a_session_ends_at_its_maximum_duration(tmp_path) -> None:
    from fastapi.testclient import TestClient
    from starlette.websockets import WebSocketDisconnect

    from openbeta.server.app import create_app
    from openbeta.server.settings import Settings

    app = create_app(Settings(data_dir=tmp_path, provider="scripted", realtime_session_seconds=1))
    with TestClient(app) as client, client.websocket_connect("/v1/realtime?model=m") as ws:
        created = opening_json([ws.receive_text(), ws.receive_text()])
        assert created["session"]["expires_at"] - time.time() <= 2
        error = ws.receive_json()
        assert error["type"] == "error" and error["error"]["code"] == "session_expired"
        with pytest.raises(WebSocketDisconnect):
            ws.receive_json()
