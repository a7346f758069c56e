"""``POST /v1/responses/compact`` through the official SDK (``client.responses.compact``) against a live server
(scripted model provider), on SQLite and PostgreSQL: the compacted object (every user message, then one
compaction item), what the model is asked, the compaction item as the input of a next response (the model
reads its summary instead of the items it replaces), and the errors."""

from __future__ import annotations

import json
from typing import Any

import pytest

from responses_support import SCRIPTED, script

PROMPT_START = "Write a summary of the conversation above"


def as_input(compacted: Any) -> list[dict[str, Any]]:
    """A compacted object's output, as the next request's input items (its wire JSON)."""
    return [item.model_dump(mode="json", exclude_none=True, warnings=False) for item in compacted.output]


def test_compact_answers_the_user_messages_and_one_compaction_item(client, errors):
    first = client.responses.create(model=SCRIPTED, input="My name is Ada and I like tea.")
    second = client.responses.create(model=SCRIPTED, previous_response_id=first.id, input="I live in Paris.")
    compacted = client.responses.compact(model=SCRIPTED, previous_response_id=second.id, input="Remember me.",
                                         instructions=script(text="Ada, tea, Paris."))
    assert compacted.object == "response.compaction" and compacted.id.startswith("resp_")
    kinds = [item.type for item in compacted.output]
    assert kinds == ["message", "message", "message", "compaction"]
    assert [item.content[0].text for item in compacted.output[:3]] == [
        "My name is Ada and I like tea.", "I live in Paris.", "Remember me."]
    assert all(item.role == "user" for item in compacted.output[:3])
    item = compacted.output[-1]
    assert item.id.startswith("cmp_") and item.encrypted_content
    assert compacted.usage.output_tokens == 3 and compacted.usage.input_tokens > 0
    # nothing of the compaction pass is kept
    with pytest.raises(errors.NotFoundError):
        client.responses.retrieve(compacted.id)


def test_the_model_is_asked_to_summarise_the_whole_context(client):
    first = client.responses.create(model=SCRIPTED, input="alpha")
    compacted = client.responses.compact(model=SCRIPTED, previous_response_id=first.id, input="beta",
                                         instructions=script(reveal=True))
    following = client.responses.create(model=SCRIPTED, input=as_input(compacted) + [
        {"role": "user", "content": script(reveal=True)}])
    asked = json.loads(following.output_text)["messages"]
    # the next response reads the user messages and the summary (here: the compaction request, revealed)
    assert [m["role"] for m in asked] == ["user", "user", "assistant", "user"]
    assert asked[2]["content"].startswith("Summary of the conversation so far:\n")
    summarised = json.loads(asked[2]["content"].split("\n", 1)[1])["messages"]
    assert [(m["role"], m["content"][:12]) for m in summarised] == [
        ("system", "SCRIPT: {\"re"), ("user", "alpha"), ("assistant", "alpha"), ("user", "beta"),
        ("user", PROMPT_START[:12])]


def test_the_compacted_context_is_smaller(client):
    long_turns = [{"role": "user" if i % 2 == 0 else "assistant", "content": f"turn {i} " + "word " * 200}
                  for i in range(6)]
    before = client.responses.input_tokens.count(model=SCRIPTED, input=long_turns + [
        {"role": "user", "content": "and now?"}])
    compacted = client.responses.compact(model=SCRIPTED, input=long_turns, instructions=script(
        text="Six long turns about words."))
    assert [item.type for item in compacted.output] == ["message"] * 3 + ["compaction"]
    whole = client.responses.input_tokens.count(model=SCRIPTED, input=as_input(compacted) + [
        {"role": "user", "content": "and now?"}])
    assert whole.input_tokens < before.input_tokens * 0.6  # the assistant turns are gone, the summary is short
    # the summary stands for the user turns too: keeping only it is the caller's choice
    summary_only = [compacted.output[-1].model_dump(mode="json", exclude_none=True)]
    after = client.responses.input_tokens.count(model=SCRIPTED, input=summary_only + [
        {"role": "user", "content": "and now?"}])
    assert after.input_tokens * 10 < before.input_tokens
    answer = client.responses.create(model=SCRIPTED, input=summary_only + [
        {"role": "user", "content": script(reveal=True)}])
    assert json.loads(answer.output_text)["messages"][0] == {
        "role": "assistant", "content": "Summary of the conversation so far:\nSix long turns about words."}


def test_a_compaction_item_is_kept_in_a_conversation(client):
    compacted = client.responses.compact(model=SCRIPTED, input="The code is 7421.",
                                         instructions=script(text="The code is 7421."))
    conversation = client.conversations.create(items=[compacted.output[-1].model_dump(mode="json",
                                                                                       exclude_none=True)])
    items = client.conversations.items.list(conversation.id).data
    assert [i.type for i in items] == ["compaction"] and items[0].encrypted_content == compacted.output[-1].encrypted_content
    answer = client.responses.create(model=SCRIPTED, conversation=conversation.id, input=script(reveal=True))
    assert json.loads(answer.output_text)["messages"][0]["content"].endswith("The code is 7421.")


def test_a_compaction_not_made_here_is_refused(http):
    answer = http.post("/v1/responses", json={"model": SCRIPTED, "input": [
        {"role": "user", "content": "hi"}, {"type": "compaction", "encrypted_content": "gAAAAABpM0Yj-forged"}]})
    assert answer.status_code == 400
    assert answer.json()["error"]["param"] == "input[1].encrypted_content"


def test_compact_errors(client, errors, http):
    with pytest.raises(errors.BadRequestError) as caught:
        client.responses.compact(model=SCRIPTED, input="x", extra_body={"image": {"context_compression": "enabled"}})
    assert caught.value.body["param"] == "image" and caught.value.body["code"] == "unsupported_parameter"
    assert http.post("/v1/responses/compact", json={"input": "x"}).json()["error"]["param"] == "model"
    missing = http.post("/v1/responses/compact", json={"model": SCRIPTED, "previous_response_id": "resp_nope"})
    assert missing.status_code == 404 and missing.json()["error"]["param"] == "previous_response_id"
    bad = http.post("/v1/responses/compact", json={"model": SCRIPTED, "input": [{"type": "nope"}]})
    assert bad.status_code == 400 and bad.json()["error"]["param"] == "input[0].type"
    failed = http.post("/v1/responses/compact", json={
        "model": SCRIPTED, "input": "x", "instructions": script(error={"message": "model down"})})
    assert failed.status_code == 500 and "model down" in failed.json()["error"]["message"]
