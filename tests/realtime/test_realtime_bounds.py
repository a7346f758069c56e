"""Realtime events past the bounds answer an ``error`` event and the session goes on: an append larger
than the WebSocket library's 16 MiB default, and non-finite numbers (``NaN``) in any client event. A
client that stops reading ends its session: at the send timeout, or at once when what waits for it
passes the outbox's bound; either way every response of the session stops.

(The memory these bounds keep, under the reported scenarios with the real voice models, is
tests/voice/test_realtime_memory.py's.)"""

from __future__ import annotations

import base64
import json
import time

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families
from websockets.sync.client import connect

from realtime_support import KEY, script, user_item, ws_base


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


def _server(launch_server, tmp_path_factory, **settings: str):
    return launch_server(tmp_path_factory.mktemp("bounded"), {
        "OPENBETA_PROVIDER": "scripted", "OPENBETA_API_KEYS": KEY, "OPENBETA_VOICE": "none",
        "OPENBETA_PUBLIC_METRICS": "true", **settings})


@pytest.fixture(scope="module")
def small_outbox(launch_server, tmp_path_factory):
    """The smallest outbox (64 KiB), the default send timeout (30 s)."""
    server = _server(launch_server, tmp_path_factory, OPENBETA_REALTIME_OUTBOX_BYTES="65536")
    yield server
    server.stop()


@pytest.fixture(scope="module")
def short_send(launch_server, tmp_path_factory):
    """The default outbox (8 MiB), a 5 s send timeout."""
    server = _server(launch_server, tmp_path_factory, OPENBETA_REALTIME_SEND_TIMEOUT_SECONDS="5")
    yield server
    server.stop()


def _gauges(server) -> dict[str, float]:
    text = httpx.get(server.root_url + "/metrics", timeout=30).text
    return {sample.name: sample.value for family in text_string_to_metric_families(text)
            for sample in family.samples if sample.name in ("openbeta_realtime_sessions", "openbeta_realtime_responses")}


def _flood(ws, words: int) -> None:
    """16 text responses of ``words`` words each (a delta event a word)."""
    answer = " ".join(f"word{i}" for i in range(words))
    for index in range(16):
        ws.send(json.dumps({"type": "response.create", "event_id": f"r{index}", "response": {
            "conversation": "none", "modalities": ["text"], "input": [user_item(script(text=answer))]}}))


def _ended(server, logged: int, reason: str, seconds: float = 30) -> None:
    """The session ends for ``reason`` (the server's log), and nothing of it runs any more (``/metrics``)."""
    deadline = time.monotonic() + seconds
    while reason not in server.log()[logged:] or _gauges(server) != {"openbeta_realtime_sessions": 0,
                                                                      "openbeta_realtime_responses": 0}:
        assert time.monotonic() < deadline, (server.log()[logged:][-2000:], _gauges(server))
        time.sleep(0.2)


def test_a_client_that_stops_reading_is_let_go_at_the_send_timeout(short_send):
    """Some 40 MB of events for a client that reads none: the socket's buffers fill, the outbox fills to half
    and the responses wait; the send that waits 5 s ends the session, and its responses stop."""
    logged = len(short_send.log())
    ws = _session(short_send, max_queue=1, ping_interval=None)
    try:
        _flood(ws, 10_000)
        _ended(short_send, logged, "ends: send timeout")
        assert "ends: outbox full" not in short_send.log()[logged:]
    finally:
        ws.socket.close()


def test_events_past_the_outbox_end_the_session(small_outbox):
    """Responses wait while the outbox is half full; events that do not wait (items created) fill it
    past its bound while the client does not read: the session ends then, not at the send timeout."""
    logged = len(small_outbox.log())
    ws = _session(small_outbox, max_queue=1, ping_interval=None)
    try:
        _flood(ws, 1000)
        began = time.monotonic()
        item = json.dumps({"type": "conversation.item.create", "item": user_item("x" * 200)})
        while "ends: outbox full" not in small_outbox.log()[logged:] and time.monotonic() - began < 20:
            for _ in range(200):
                ws.send(item)
            time.sleep(0.05)
        _ended(small_outbox, logged, "ends: outbox full")
        assert "ends: send timeout" not in small_outbox.log()[logged:]
    finally:
        ws.socket.close()
