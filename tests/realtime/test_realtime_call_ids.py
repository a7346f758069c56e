"""Tool call ids are openbeta's own, never the model provider's: an upstream that numbers its calls per response
(``call_0`` every time, as some servers do) must not make two calls of a session share a ``call_id``.

Driven by the official SDK's GA client and by the OpenAI Agents SDK's realtime runner (which ends a session
whose model "reused a tool call ID for a different invocation"), against a server whose upstream is the
loopback's ``reused-ids`` mode.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any, Iterator

import pytest
from openai import OpenAI

from realtime_support import KEY, opening, until, user_item, ws_base

LOOKUP = {"type": "function", "name": "lookup", "description": "Look a word up",
          "parameters": {"type": "object", "properties": {"q": {"type": "string"}}, "required": ["q"]}}


@pytest.fixture(scope="module")
def reusing_server(tmp_path_factory, launch_server, loopback) -> Iterator[Any]:
    server = launch_server(tmp_path_factory.mktemp("reused-ids"), {
        "OPENBETA_PROVIDER": "upstream", "OPENBETA_UPSTREAM_BASE_URL": loopback.url("reused-ids"),
        "OPENBETA_API_KEYS": KEY, "OPENBETA_VOICE": "none"})
    yield server
    server.stop()


def test_two_calls_of_a_session_get_distinct_call_ids(reusing_server, loopback) -> None:
    client = OpenAI(base_url=reusing_server.base_url, api_key=KEY)
    seen: list[str] = []
    with client.realtime.connect(model="gpt-realtime") as conn:
        opening(conn)
        conn.session.update(session={"type": "realtime", "output_modalities": ["text"], "tools": [LOOKUP]})
        assert conn.recv().type == "session.updated"
        for word in ("first", "second"):
            conn.conversation.item.create(item=user_item(word))
            until(conn, "conversation.item.done")
            conn.response.create()
            events = until(conn, "response.done")
            added = next(e for e in events if e.type == "response.output_item.added")
            done_args = next(e for e in events if e.type == "response.function_call_arguments.done")
            item_done = next(e for e in events if e.type == "conversation.item.done")
            assert added.item.type == "function_call" and added.item.call_id.startswith("call_")
            assert {done_args.call_id, item_done.item.call_id, events[-1].response.output[0].call_id} == \
                {added.item.call_id}
            assert json.loads(done_args.arguments)["q"] == word
            seen.append(added.item.call_id)
            conn.conversation.item.create(item={"type": "function_call_output", "call_id": added.item.call_id,
                                                "output": f"{word} found"})
            until(conn, "conversation.item.done")
            conn.response.create()
            answer = until(conn, "response.done")
            assert "".join(e.delta for e in answer if e.type == "response.output_text.delta") == \
                f"done: {word} found"
    assert len(set(seen)) == 2 and "call_0" not in seen
    # what went upstream pairs each tool result with its call, by openbeta's ids
    last = loopback.requests[-1]["body"]["messages"]
    calls = [c["id"] for m in last if m.get("role") == "assistant" for c in m.get("tool_calls") or []]
    results = [m["tool_call_id"] for m in last if m.get("role") == "tool"]
    assert calls == results == seen


def _lookup_tool(asked: list[str]) -> Any:
    """An Agents SDK function tool ``lookup`` that records what it was asked."""
    agents = pytest.importorskip("agents")

    @agents.function_tool
    def lookup(q: str) -> str:
        """Look a word up."""
        asked.append(q)
        return f"{q} means {len(q)}"

    return lookup


def test_agents_sdk_realtime_runner_completes_two_tool_calls(reusing_server) -> None:
    asked: list[str] = []
    lookup = _lookup_tool(asked)  # skips without the Agents SDK
    from agents.realtime import RealtimeAgent, RealtimeRunner

    agent = RealtimeAgent(name="Helper", instructions="Use lookup.", tools=[lookup])
    runner = RealtimeRunner(agent, config={"model_settings": {"model_name": "gpt-realtime",
                                                              "output_modalities": ["text"]}})
    url = ws_base(reusing_server) + "/realtime?model=gpt-realtime"

    async def run() -> tuple[list[str], list[str], list[str]]:
        tool_ends: list[str] = []
        errors: list[str] = []
        texts: list[str] = []
        session = await runner.run(model_config={"url": url, "api_key": KEY})
        async with session:
            for word in ("alpha", "beta"):
                await session.send_message(word)
                async for event in session:
                    if event.type == "error":
                        errors.append(str(event.error))
                        break
                    if event.type == "tool_end":
                        tool_ends.append(str(event.output))
                    if event.type == "history_updated":
                        texts = [c.text or "" for item in event.history if getattr(item, "role", "") == "assistant"
                                 for c in getattr(item, "content", []) if getattr(c, "type", "") == "text"]
                    if event.type == "agent_end" and len(tool_ends) == len(asked) and \
                            any(t.startswith(f"done: {word}") for t in texts):
                        break
        return tool_ends, errors, texts

    tool_ends, errors, texts = asyncio.run(asyncio.wait_for(run(), 60))
    assert errors == []
    assert asked == ["alpha", "beta"]
    assert tool_ends == ["alpha means 5", "beta means 4"]
    assert any(t.startswith("done: beta means 4") for t in texts)


def test_agents_sdk_realtime_handoff_then_a_tool_call_of_the_new_agent(reusing_server) -> None:
    """A handoff is a function call too: the triage agent hands off (its upstream call is ``call_0``), the
    runner moves the session to the specialist (session.update with its instructions and tools), and the
    specialist's own tool call (``call_0`` upstream again) still gets an id of its own."""
    asked: list[str] = []
    lookup = _lookup_tool(asked)  # skips without the Agents SDK
    from agents.realtime import RealtimeAgent, RealtimeRunner

    specialist = RealtimeAgent(name="Specialist", instructions="Use lookup.", tools=[lookup])
    triage = RealtimeAgent(name="Triage", instructions="Hand off.", handoffs=[specialist])
    runner = RealtimeRunner(triage, config={"model_settings": {"model_name": "gpt-realtime",
                                                               "output_modalities": ["text"]}})
    url = ws_base(reusing_server) + "/realtime?model=gpt-realtime"

    async def run() -> tuple[list[tuple[str, str]], list[str], list[str]]:
        handoffs: list[tuple[str, str]] = []
        errors: list[str] = []
        tool_ends: list[str] = []
        session = await runner.run(model_config={"url": url, "api_key": KEY})
        async with session:
            await session.send_message("help me")
            async for event in session:
                if event.type == "error":
                    errors.append(str(event.error))
                    break
                if event.type == "handoff":
                    handoffs.append((event.from_agent.name, event.to_agent.name))
                if event.type == "agent_end" and handoffs:
                    break
            await session.send_message("gamma")
            async for event in session:
                if event.type == "error":
                    errors.append(str(event.error))
                    break
                if event.type == "tool_end":
                    tool_ends.append(str(event.output))
                if event.type == "agent_end" and tool_ends:
                    break
        return handoffs, errors, tool_ends

    handoffs, errors, tool_ends = asyncio.run(asyncio.wait_for(run(), 60))
    assert errors == []
    assert handoffs == [("Triage", "Specialist")]
    assert asked == ["gamma"] and tool_ends == ["gamma means 5"]
