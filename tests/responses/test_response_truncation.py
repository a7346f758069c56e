"""``truncation: auto`` drops the oldest items until the prompt leaves room for the reply in the model's
context (the scripted provider's is 8,192 tokens, counted as words); ``disabled`` (the default) sends
everything; an input that does not fit even alone fails the response. Every SDK, SQLite and PostgreSQL."""

from __future__ import annotations

import json
from typing import Any

from responses_support import SCRIPTED, script

WORDS = 2500  # five such messages need more than the 7,168 tokens left beside a 1,024-token reply


def revealed(response: Any) -> list[dict[str, Any]]:
    return json.loads(response.output_text)["messages"]


def long_conversation(client: Any) -> str:
    items = [{"role": "user", "content": f"message{n} " + "word " * WORDS} for n in range(5)]
    return client.conversations.create(items=items).id


def test_auto_drops_the_oldest_items_and_disabled_keeps_them(client):
    conversation = long_conversation(client)
    kept = client.responses.create(model=SCRIPTED, conversation=conversation, truncation="auto",
                                   input=script(reveal=True))
    assert kept.status == "completed" and kept.truncation == "auto"
    firsts = [m["content"].split(" ", 1)[0] for m in revealed(kept)]
    assert firsts[-1] == "SCRIPT:" and firsts[:-1] == ["message3", "message4"]  # the newest that fit
    # the conversation itself keeps every item: only what the model reads is cut
    assert len(client.conversations.items.list(conversation, limit=100).data) == 7
    everything = client.responses.create(model=SCRIPTED, conversation=conversation, input=script(reveal=True))
    assert everything.truncation == "disabled"
    assert [m["content"].split(" ", 1)[0] for m in revealed(everything)][:5] == [f"message{n}" for n in range(5)]


def test_the_reply_room_follows_max_output_tokens(client):
    conversation = long_conversation(client)
    roomy = client.responses.create(model=SCRIPTED, conversation=conversation, truncation="auto",
                                    max_output_tokens=4000, input=script(reveal=True))
    assert roomy.status in ("completed", "incomplete")
    assert [m["content"].split(" ", 1)[0] for m in revealed(roomy)] == ["message4", "SCRIPT:"]


def test_an_input_too_long_even_alone_fails_the_response(client):
    response = client.responses.create(model=SCRIPTED, truncation="auto", input="word " * 9000)
    assert response.status == "failed"
    assert response.error.code == "invalid_prompt" and "truncation: auto" in response.error.message
