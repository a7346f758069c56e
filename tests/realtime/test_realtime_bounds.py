"""Realtime events past the bounds answer an ``error`` event and the session goes on: an append larger
than the WebSocket library's 16 MiB default, and non-finite numbers (``NaN``) in any client event."""

from __future__ import annotations

import base64
import json

import pytest
from websockets.sync.client import connect

from realtime_support import KEY, ws_base


def _session(server, **extra):
    return connect(ws_base(server) + "/realtime?model=gpt-realtime", additional_headers={
        "Authorization": f"Bearer {KEY}", "OpenAI-Beta": "realtime=v1"}, max_size=None, open_timeout=30, **extra)


def _next(ws, kind: str) -> dict:
    while True:
        event = json.loads(ws.recv(timeout=30))
        if event["type"] == kind:
            return event


def test_an_append_over_16_mib_answers_an_error_event(rt_server):
    audio = base64.b64encode(b"\x00" * (17 * 1024 * 1024)).decode()  # a 23 MiB frame
    with _session(rt_server) as ws:
        _next(ws, "session.created")
        ws.send(json.dumps({"type": "input_audio_buffer.append", "audio": audio, "event_id": "big"}))
        error = _next(ws, "error")["error"]
        assert error["event_id"] == "big"
        ws.send(json.dumps({"type": "session.update", "session": {"instructions": "still here"}}))
        assert _next(ws, "session.updated")["session"]["instructions"] == "still here"


@pytest.mark.parametrize("body", [
    '{"type": "session.update", "session": {"temperature": NaN}, "event_id": "e1"}',
    '{"type": "session.update", "session": {"temperature": Infinity}, "event_id": "e1"}',
    '{"type": "response.create", "response": {"temperature": -Infinity}, "event_id": "e1"}',
    '{"type": "session.update", "session": {"temperature": 1e400}, "event_id": "e1"}',
])
def test_non_finite_numbers_are_refused(rt_server, body):
    with _session(rt_server) as ws:
        _next(ws, "session.created")
        ws.send(body)
        error = _next(ws, "error")["error"]
        assert error["code"] == "invalid_value" and error["type"] == "invalid_request_error"
        ws.send(json.dumps({"type": "session.update", "session": {"temperature": 0.7}}))
        assert _next(ws, "session.updated")["session"]["temperature"] == 0.7
