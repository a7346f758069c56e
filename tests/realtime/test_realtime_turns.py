"""Turn-taking over the official SDK's GA client: the ``server_vad`` idle timeout, and out-of-band
responses running beside the conversation's one active response."""

from __future__ import annotations

import threading
import time
from typing import Any, Iterator

import pytest
from openai import OpenAI
from openai.types.realtime import InputAudioBufferTimeoutTriggered

from realtime_support import KEY, opening, script, until, user_item


@pytest.fixture
def conn(rt_server) -> Iterator[Any]:
    client = OpenAI(base_url=rt_server.base_url, api_key=KEY)
    with client.realtime.connect(model="gpt-realtime") as connection:
        opening(connection)
        yield connection


def _detection(idle_timeout_ms: int) -> dict[str, Any]:
    return {"type": "realtime", "audio": {"input": {"turn_detection": {"type": "server_vad",
                                                                        "idle_timeout_ms": idle_timeout_ms}}}}


def test_idle_timeout_commits_silence_and_answers_after_the_last_response(conn) -> None:
    for bad in (4999, 30001):
        conn.session.update(session=_detection(bad), event_id=f"bad{bad}")
        error = conn.recv()
        assert error.type == "error" and error.error.event_id == f"bad{bad}"
        assert error.error.param == "session.audio.input.turn_detection.idle_timeout_ms"
    conn.session.update(session={"type": "realtime", "audio": {"input": {"turn_detection": {
        "type": "semantic_vad", "idle_timeout_ms": 5000}}}})
    assert conn.recv().error.param == "session.audio.input.turn_detection"  # server_vad only
    conn.session.update(session=_detection(5000))
    updated = conn.recv()
    assert updated.type == "session.updated"
    assert updated.session.audio.input.turn_detection.idle_timeout_ms == 5000
    conn.conversation.item.create(item=user_item(script(text="Are you there?")))
    until(conn, "conversation.item.done")
    conn.response.create()
    until(conn)
    first_done = time.monotonic()
    time.sleep(1.0)
    conn.response.create()  # a new response disarms the timer; its response.done arms it again
    until(conn)
    second_done = time.monotonic()
    # Should the timeout never fire, this probe's error ends the wait.
    probe = threading.Timer(8.0, conn.send, ({"type": "conversation.item.retrieve", "item_id": "x"},))
    probe.start()
    triggered = conn.recv()
    fired = time.monotonic()
    probe.cancel()
    assert isinstance(triggered, InputAudioBufferTimeoutTriggered), triggered
    events = [triggered] + until(conn)
    assert triggered.audio_start_ms == triggered.audio_end_ms == 0  # no audio was appended (text-only server)
    # 5 s after the last response.done (it had no audio to play), not after the first.
    waited = fired - second_done
    assert 4.8 <= waited and fired - first_done >= 5.8, (waited, fired - first_done)
    kinds = [e.type for e in events]
    assert kinds[:5] == ["input_audio_buffer.timeout_triggered", "input_audio_buffer.committed",
                         "conversation.item.added", "conversation.item.done", "response.created"]
    committed, added = events[1], events[2]
    assert committed.item_id == triggered.item_id == added.item.id
    assert added.item.role == "user" and added.item.content[0].type == "input_audio"
    assert kinds[-2] == "response.done" and events[-2].response.status == "completed"


def test_out_of_band_responses_run_beside_the_active_one(conn) -> None:
    conn.conversation.item.create(item=user_item(script(text="one two three four five six seven", delay=0.3)))
    until(conn, "conversation.item.done")
    conn.response.create()
    main = conn.recv()
    assert main.type == "response.created"
    conn.response.create(response={"conversation": "none", "metadata": {"topic": "side"},
                                   "input": [user_item(script(text="Side answer."))]})
    conn.response.create(event_id="second")  # a second writer to the conversation is still refused
    side_id = None
    refused = None
    side_done = None
    while side_done is None or refused is None:
        event = conn.recv()
        if event.type == "response.created" and event.response.id != main.response.id:
            side_id = event.response.id
            assert event.response.conversation_id is None and event.response.metadata == {"topic": "side"}
        elif event.type == "error":
            refused = event.error
        elif event.type == "response.done":
            assert event.response.id == side_id, "the out-of-band response waited for the active one"
            side_done = event.response
    assert side_done.status == "completed"
    assert side_done.output[0].content[0].text == "Side answer."
    assert refused is not None and refused.code == "conversation_already_has_active_response"
    assert refused.event_id == "second"
    conn.response.cancel()  # without an id: the conversation's response
    done = until(conn)[-2]
    assert done.response.id == main.response.id and done.response.status == "cancelled"
