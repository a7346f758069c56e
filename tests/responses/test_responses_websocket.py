"""The WebSocket mode of ``/v1/responses`` through the official SDK's ``responses.connect()`` (sync and async)
against a live server (scripted model provider), on SQLite and PostgreSQL: a response streamed over the socket
with the same events as SSE, responses on named lanes (``stream_id``) at once, a function-call loop on one
socket, ``error`` events for bad client events (the socket goes on), the handshake's key check, a client that
stops reading let go at the send timeout, and a closed socket cancelling what still runs on it."""

from __future__ import annotations

import asyncio
import json
import re
import socket
import time
from typing import Any
from urllib.parse import urlsplit

import httpx
import openai
import pytest
from websockets.exceptions import ConnectionClosedOK, InvalidStatus
from websockets.sync.client import connect

from responses_support import SCRIPTED, script

WEATHER = {"type": "function", "name": "get_weather", "description": "Weather in a city",
           "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}
KEY = "sk-socket-test-key"
FINAL = {"response.completed", "response.failed", "response.incomplete"}


def _official(server, key: str = "test-key") -> openai.OpenAI:
    return openai.OpenAI(base_url=server.base_url, api_key=key, max_retries=0)


def _until_final(connection) -> list[Any]:
    events = []
    for event in connection:
        events.append(event)
        if event.type in FINAL or event.type == "error":
            return events
    raise AssertionError("the socket closed before the response ended")


def _ws_url(server) -> str:
    return server.base_url.replace("http://", "ws://") + "/responses"


def test_a_response_streams_over_the_socket_as_over_sse(live_server):
    client = _official(live_server)
    with client.responses.connect() as connection:
        connection.response.create(model=SCRIPTED, input=script(text="One two three"))
        events = _until_final(connection)
    kinds = [e.type for e in events]
    assert kinds[:4] == ["response.created", "response.in_progress", "response.output_item.added",
                         "response.content_part.added"]
    assert kinds.count("response.output_text.delta") == 3 and kinds[-1] == "response.completed"
    assert [e.sequence_number for e in events] == list(range(len(events)))
    assert all(getattr(e, "stream_id", None) is None for e in events)
    final = events[-1].response
    assert final.output_text == "One two three" and final.status == "completed"
    # the same response, stored, as HTTP reads it; its replayed SSE stream has the same events
    assert client.responses.retrieve(final.id).output_text == "One two three"
    replay = [e.type for e in client.responses.retrieve(final.id, stream=True)]
    assert replay == kinds


def test_one_socket_runs_responses_one_after_another_and_on_lanes_at_once(live_server):
    async def scenario() -> dict[str, list[Any]]:
        client = openai.AsyncOpenAI(base_url=live_server.base_url, api_key="test-key", max_retries=0)
        lanes: dict[str, list[Any]] = {"a": [], "b": []}
        async with client.responses.connect() as connection:
            await connection.response.create(model=SCRIPTED, input=script(text="first lane answer", delay=0.02),
                                              stream_id="a")
            await connection.response.create(model=SCRIPTED, input=script(text="second lane", delay=0.02),
                                              stream_id="b")
            ended = set()
            async for event in connection:
                lanes[event.stream_id].append(event)
                if event.type == "response.completed":
                    ended.add(event.stream_id)
                    if ended == {"a", "b"}:
                        break
            # the same socket, once both ended: one more response, without a lane
            await connection.response.create(model=SCRIPTED, input="echo me")
            async for event in connection:
                if event.type == "response.completed":
                    lanes["-"] = [event]
                    break
        return lanes

    lanes = asyncio.run(scenario())
    a, b = lanes["a"], lanes["b"]
    assert a[-1].response.output_text == "first lane answer" and b[-1].response.output_text == "second lane"
    assert a[-1].response.id != b[-1].response.id
    for events in (a, b):  # each lane is one response's whole stream, numbered from 0
        assert events[0].type == "response.created"
        assert [e.sequence_number for e in events] == list(range(len(events)))
        assert len({e.response.id for e in events if hasattr(e, "response")}) == 1
    assert lanes["-"][0].response.output_text == "echo me" and lanes["-"][0].stream_id is None


def test_a_function_call_loop_on_one_socket(live_server):
    client = _official(live_server)
    with client.responses.connect() as connection:
        connection.response.create(model=SCRIPTED, tools=[WEATHER], input=script(
            tool_calls=[{"name": "get_weather", "arguments": {"city": "Paris"}}]))
        first = _until_final(connection)[-1].response
        call = first.output[-1]
        assert first.status == "completed" and call.type == "function_call" and call.name == "get_weather"
        assert json.loads(call.arguments) == {"city": "Paris"}
        connection.response.create(model=SCRIPTED, tools=[WEATHER], previous_response_id=first.id, input=[
            {"type": "function_call_output", "call_id": call.call_id, "output": "22 C and sunny"}])
        second = _until_final(connection)[-1].response
    assert second.status == "completed" and second.previous_response_id == first.id
    assert "22 C and sunny" in second.output_text


def test_bad_client_events_answer_error_events_and_the_socket_goes_on(live_server):
    with connect(_ws_url(live_server), additional_headers={"Authorization": "Bearer test-key"},
                 open_timeout=30) as ws:
        def error_for(frame: str) -> dict:
            ws.send(frame)
            event = json.loads(ws.recv(timeout=30))
            assert event["type"] == "error", event
            assert set(event["error"]) >= {"type", "code", "message", "param"}
            return event

        missing = error_for(json.dumps({"type": "response.create", "input": "hi", "stream_id": "lane-1"}))
        assert missing["status"] == 400 and missing["error"]["param"] == "model"
        assert missing["stream_id"] == "lane-1"
        assert error_for("{not json")["error"]["code"] == "invalid_json"
        assert error_for(json.dumps({"type": "response.cancel"}))["error"]["param"] == "type"
        steer = error_for(json.dumps({"type": "response.steer", "previous_response_id": "resp_x", "input": "x"}))
        assert steer["error"]["code"] == "unsupported_event"
        background = error_for(json.dumps({"type": "response.create", "model": SCRIPTED, "background": True}))
        assert background["error"]["param"] == "background"
        unknown = error_for(json.dumps({"type": "response.create", "model": SCRIPTED, "input": "x", "colour": 1}))
        assert unknown["status"] == 400 and unknown["error"]["param"] == "colour"
        gone = error_for(json.dumps({"type": "response.create", "model": SCRIPTED, "input": "x",
                                     "previous_response_id": "resp_missing"}))
        assert gone["status"] == 404 and gone["error"]["param"] == "previous_response_id"
        # after all of that, the socket still serves a response
        ws.send(json.dumps({"type": "response.create", "model": SCRIPTED, "input": "still here"}))
        while True:
            event = json.loads(ws.recv(timeout=30))
            if event["type"] == "response.completed":
                break
        assert event["response"]["output"][0]["content"][0]["text"] == "still here"


def test_the_sdk_raises_an_error_event_it_has_no_handler_for(live_server):
    client = _official(live_server)
    with client.responses.connect() as connection:
        connection.response.create(input="no model")  # type: ignore[call-arg]
        with pytest.raises(openai.OpenAIError, match="model"):
            connection.dispatch_events()


# ---------------------------------------------------------------- keys, slow readers, closing

@pytest.fixture(scope="module")
def keyed(start_server):
    """A server that needs a key, whose sends to a client that does not read wait 5 s at most."""
    return start_server(OPENBETA_PROVIDER="scripted", OPENBETA_API_KEYS=KEY,
                        OPENBETA_REALTIME_SEND_TIMEOUT_SECONDS="5")


def test_the_handshake_checks_the_key_as_http_does(keyed):
    with pytest.raises(InvalidStatus) as refused:
        with _official(keyed, key="sk-wrong").responses.connect() as connection:
            connection.response.create(model=SCRIPTED, input="x")
    assert refused.value.response.status_code == 401
    assert json.loads(refused.value.response.body)["error"]["code"] == "invalid_api_key"
    with _official(keyed, key=KEY).responses.connect() as connection:
        connection.response.create(model=SCRIPTED, input="with the right key")
        assert _until_final(connection)[-1].response.output_text == "with the right key"


def _status(server, response_id: str) -> str:
    r = httpx.get(f"{server.base_url}/responses/{response_id}", headers={"Authorization": f"Bearer {KEY}"}, timeout=30)
    return r.json()["status"]


def _eventually(server, response_ids: list[str], status: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while True:
        statuses = [_status(server, rid) for rid in response_ids]
        if all(s == status for s in statuses):
            return
        assert time.monotonic() < deadline, statuses
        time.sleep(0.2)


def test_closing_the_socket_cancels_what_runs_on_it(keyed):
    client = _official(keyed, key=KEY)
    created = None
    with client.responses.connect() as connection:
        connection.response.create(model=SCRIPTED, input=script(text=" ".join(["slow"] * 400), delay=0.05))
        for event in connection:
            if event.type == "response.created":
                created = event.response.id
            if event.type == "response.output_text.delta":
                break
    assert created is not None
    _eventually(keyed, [created], "cancelled")


def test_a_client_that_stops_reading_is_let_go_and_its_responses_stop(keyed):
    """Some 45 MB of events for a client that reads none (a small receive buffer): the socket's buffers fill, the
    outbox fills and the streams wait; the server lets the connection go, and the slow response still running on it
    is cancelled."""
    logged = len(keyed.log())
    sock = socket.create_connection((urlsplit(keyed.root_url).hostname, urlsplit(keyed.root_url).port))
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    ws = connect(_ws_url(keyed), sock=sock, additional_headers={"Authorization": f"Bearer {KEY}"}, max_queue=1,
                 ping_interval=None, open_timeout=30, max_size=None)
    answer = " ".join(f"{i:06d}" + "w" * 1000 for i in range(3_000))  # 3 MB a response, in 3000 deltas
    try:
        ws.send(json.dumps({"type": "response.create", "model": SCRIPTED, "stream_id": "slow",
                            "input": script(text=" ".join(["slow"] * 600), delay=0.2)}))
        first = json.loads(ws.recv(timeout=30))  # the one event read: the slow response's response.created
        assert first["type"] == "response.created" and first["stream_id"] == "slow"
        for lane in range(15):
            ws.send(json.dumps({"type": "response.create", "model": SCRIPTED, "input": script(text=answer),
                                "stream_id": f"lane{lane}"}))
        # the server lets the client go: at the send timeout once the socket's buffers are full, or at the
        # server's WebSocket ping timeout (about 40 s: a client that reads nothing answers no ping), whichever
        # comes first on a loaded machine; then nothing of the connection runs any more
        deadline = time.monotonic() + 120
        while not re.search(r"responses socket=\S+ project=\S+ events=16", keyed.log()[logged:]):
            assert time.monotonic() < deadline, keyed.log()[logged:][-2000:]
            time.sleep(0.2)
        _eventually(keyed, [first["response"]["id"]], "cancelled")
    finally:
        ws.socket.close()


def test_a_connection_ends_at_its_time_limit(start_server):
    """``OPENBETA_RESPONSES_SOCKET_SECONDS``: the last event says why, the socket closes, what runs is cancelled."""
    server = start_server(OPENBETA_PROVIDER="scripted", OPENBETA_RESPONSES_SOCKET_SECONDS="3")
    with connect(_ws_url(server), additional_headers={"Authorization": "Bearer test-key"}, open_timeout=30) as ws:
        ws.send(json.dumps({"type": "response.create", "model": SCRIPTED,
                            "input": script(text=" ".join(["slow"] * 400), delay=0.1)}))
        events = []
        with pytest.raises(ConnectionClosedOK):
            while True:
                events.append(json.loads(ws.recv(timeout=30)))
    assert events[0]["type"] == "response.created"
    assert events[-1]["type"] == "error" and events[-1]["error"]["code"] == "connection_expired"
    r = httpx.get(f"{server.base_url}/responses/{events[0]['response']['id']}",
                  headers={"Authorization": "Bearer test-key"}, timeout=30)
    assert r.json()["status"] in ("cancelling", "cancelled")


# ---------------------------------------------------------------- openbeta's SDK

def test_openbeta_sdk_connects_sync_and_async(live_server):
    from openbeta import AsyncOpenBeta, OpenBeta

    with OpenBeta(base_url=live_server.base_url, api_key="test-key").responses.connect() as connection:
        connection.response.create(model=SCRIPTED, input=script(text="sync socket"), stream_id="s")
        events = []
        for event in connection:
            events.append(event)
            if event.type == "response.completed":
                break
    assert events[0].type == "response.created" and events[-1].response.output_text == "sync socket"
    assert [e.sequence_number for e in events] == list(range(len(events)))
    assert {e.stream_id for e in events} == {"s"}

    async def scenario():
        client = AsyncOpenBeta(base_url=live_server.base_url, api_key="test-key")
        async with client.responses.connect() as connection:
            await connection.response.create(input="no model")
            error = await connection.recv()
            await connection.response.create(model=SCRIPTED, input="async socket")
            async for event in connection:
                if event.type == "response.completed":
                    return error, event

    error, done = asyncio.run(scenario())
    assert type(error).__name__ == "SocketErrorEvent" and error.status == 400 and error.error["param"] == "model"
    assert done.response.output_text == "async socket"
