"""openbeta's own SDK (``OpenBeta.beta.realtime``) drives the real server; its events parse into typed classes."""

from __future__ import annotations

import asyncio
import json

from openbeta import AsyncOpenBeta, OpenBeta
from openbeta.types import realtime_events as ev
from realtime_support import KEY, script, user_item


def test_sync_sdk_sessions_and_a_function_round_trip(rt_server) -> None:
    client = OpenBeta(base_url=rt_server.base_url, api_key=KEY)
    session = client.beta.realtime.sessions.create(model="gpt-realtime", instructions="Typed.")
    assert session.client_secret.value.startswith("ek_") and session.instructions == "Typed."
    transcription = client.beta.realtime.transcription_sessions.create(input_audio_format="g711_ulaw")
    assert transcription.input_audio_format == "g711_ulaw" and transcription.client_secret.value.startswith("ek_")
    with client.beta.realtime.connect(model="gpt-realtime") as conn:
        created = conn.recv()
        assert isinstance(created, ev.SessionCreatedEvent) and created.session.model == "gpt-realtime"
        assert isinstance(conn.recv(), ev.ConversationCreatedEvent)
        conn.session.update(session={"tools": [{"type": "function", "name": "lookup", "parameters": {}}]})
        assert isinstance(conn.recv(), ev.SessionUpdatedEvent)
        conn.conversation.item.create(item=user_item(script(tool_calls=[{"name": "lookup", "arguments": {"q": 1}}],
                                                            after_tools="Found it.")))
        assert isinstance(conn.recv(), ev.ConversationItemCreatedEvent)
        conn.response.create()
        events = []
        while not events or not isinstance(events[-1], ev.RateLimitsUpdatedEvent):
            events.append(conn.recv())
        done_args = next(e for e in events if isinstance(e, ev.ResponseFunctionCallArgumentsDoneEvent))
        assert json.loads(done_args.arguments) == {"q": 1}
        assert all(type(e) is not ev.RealtimeServerEvent for e in events)  # every event has its class
        conn.conversation.item.create(item={"type": "function_call_output", "call_id": done_args.call_id,
                                            "output": "42"})
        conn.recv()
        conn.response.create()
        text = ""
        while True:
            event = conn.recv()
            if isinstance(event, ev.ResponseTextDeltaEvent):
                text += event.delta
            if isinstance(event, ev.RateLimitsUpdatedEvent):
                break
        assert text == "Found it."
        conn.response.cancel()
        error = conn.recv()
        assert isinstance(error, ev.ErrorEvent) and error.error.code == "response_cancel_not_active"


def test_async_sdk_streams_a_text_response(rt_server) -> None:
    async def run() -> list[str]:
        client = AsyncOpenBeta(base_url=rt_server.base_url, api_key=KEY)
        async with client.beta.realtime.connect(model="gpt-realtime") as conn:
            assert isinstance(await conn.recv(), ev.SessionCreatedEvent)
            assert isinstance(await conn.recv(), ev.ConversationCreatedEvent)
            await conn.conversation.item.create(item=user_item(script(text="async words")))
            await conn.response.create()
            kinds = []
            async for event in conn:
                kinds.append(event.type)
                if isinstance(event, ev.ResponseDoneEvent):
                    assert event.response.status == "completed"
                    return kinds
        return kinds

    kinds = asyncio.run(run())
    assert kinds[0] == "conversation.item.created" and kinds.count("response.text.delta") == 2
