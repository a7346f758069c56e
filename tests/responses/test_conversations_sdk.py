"""Conversations through each Python SDK (the official one, openbeta's and openbeta's async one) against a live
server (scripted model provider), on SQLite and PostgreSQL: the object, its items, responses in a conversation,
and an Assistants thread continued as a conversation (the same rows, nothing copied)."""

from __future__ import annotations

import json

import pytest

from responses_support import SCRIPTED, script


def test_conversation_crud(client, errors):
    conversation = client.conversations.create(metadata={"topic": "demo"},
                                               items=[{"role": "user", "content": "Hello"}])
    assert conversation.id.startswith("conv_") and conversation.object == "conversation"
    assert client.conversations.retrieve(conversation.id).metadata == {"topic": "demo"}
    updated = client.conversations.update(conversation.id, metadata={"topic": "changed"})
    assert updated.metadata == {"topic": "changed"}
    deleted = client.conversations.delete(conversation.id)
    assert deleted.deleted and deleted.id == conversation.id and deleted.object == "conversation.deleted"
    with pytest.raises(errors.NotFoundError):
        client.conversations.retrieve(conversation.id)


def test_items_are_added_listed_read_and_deleted(client, errors):
    conversation = client.conversations.create(items=[{"role": "developer", "content": "Be terse."}])
    added = client.conversations.items.create(conversation.id, items=[
        {"type": "message", "role": "user", "content": [{"type": "input_text", "text": "one"}]},
        {"role": "assistant", "content": "two"}])
    assert [i.type for i in added.data] == ["message", "message"]
    newest_first = list(client.conversations.items.list(conversation.id))
    assert [i.content[0].text for i in newest_first] == ["two", "one", "Be terse."]
    oldest_first = list(client.conversations.items.list(conversation.id, order="asc", limit=1))  # pages on
    assert [i.role for i in oldest_first] == ["developer", "user", "assistant"]
    item = client.conversations.items.retrieve(added.data[0].id, conversation_id=conversation.id)
    assert item.content[0].text == "one" and item.role == "user"
    after = client.conversations.items.delete(added.data[0].id, conversation_id=conversation.id)
    assert after.id == conversation.id and after.object == "conversation"
    assert [i.content[0].text for i in client.conversations.items.list(conversation.id)] == ["two", "Be terse."]
    with pytest.raises(errors.NotFoundError):
        client.conversations.items.retrieve(added.data[0].id, conversation_id=conversation.id)


def test_a_response_in_a_conversation_reads_and_appends_to_it(client):
    conversation = client.conversations.create(items=[{"role": "user", "content": "My name is Ada."},
                                                      {"role": "assistant", "content": "Hello Ada."}])
    first = client.responses.create(model=SCRIPTED, conversation=conversation.id, input=script(reveal=True))
    assert first.conversation.id == conversation.id
    assert [(m["role"], m["content"]) for m in json.loads(first.output_text)["messages"]] == [
        ("user", "My name is Ada."), ("assistant", "Hello Ada."), ("user", script(reveal=True))]
    client.responses.create(model=SCRIPTED, conversation={"id": conversation.id}, input="and again")
    items = list(client.conversations.items.list(conversation.id, order="asc"))
    assert [(i.role, i.content[0].text[:20]) for i in items][-2:] == [("user", "and again"), ("assistant", "and again")]
    assert len(items) == 6
    assert items[3].id == first.output[0].id  # the answer is the conversation's item, by id


def test_function_calls_in_a_conversation(client, errors):
    weather = {"type": "function", "name": "get_weather", "parameters": {"type": "object", "properties": {}}}
    conversation = client.conversations.create()
    asked = client.responses.create(model=SCRIPTED, conversation=conversation.id, tools=[weather],
                                    input=script(tool_calls=[{"name": "get_weather", "arguments": {}}]))
    call = asked.output[-1]
    answered = client.responses.create(model=SCRIPTED, conversation=conversation.id, tools=[weather],
                                       input=[{"type": "function_call_output", "call_id": call.call_id,
                                               "output": "rain"}])
    assert answered.output_text == "Tool outputs: rain"
    kinds = [i.type for i in client.conversations.items.list(conversation.id, order="asc")]
    assert kinds == ["message", "function_call", "function_call_output", "message"]
    with pytest.raises(errors.BadRequestError):  # a response's own call is part of its output
        client.conversations.items.delete(call.id, conversation_id=conversation.id)


def test_an_assistants_thread_continues_as_a_conversation(client):
    thread = client.beta.threads.create(messages=[{"role": "user", "content": "Remember: the code is 1234."}])
    assistant = client.beta.assistants.create(model=SCRIPTED, instructions="Answer.")
    run = client.beta.threads.runs.create_and_poll(thread_id=thread.id, assistant_id=assistant.id)
    assert run.status == "completed"
    response = client.responses.create(model=SCRIPTED, conversation=thread.id, input=script(reveal=True))
    assert [(m["role"], m["content"]) for m in json.loads(response.output_text)["messages"]] == [
        ("user", "Remember: the code is 1234."), ("assistant", "Remember: the code is 1234."),
        ("user", script(reveal=True))]
    messages = list(client.beta.threads.messages.list(thread.id, order="asc"))
    assert [m.role for m in messages] == ["user", "assistant", "user", "assistant"]
    assert messages[3].id == response.output[0].id
    items = list(client.conversations.items.list(thread.id, order="asc"))
    assert [i.id for i in items] == [m.id for m in messages]
    runs = list(client.beta.threads.runs.list(thread.id))
    assert [r.id for r in runs] == [run.id]  # a response is no Assistants run


def test_a_busy_conversation_takes_no_second_response(client, errors):
    conversation = client.conversations.create()
    running = client.responses.create(model=SCRIPTED, conversation=conversation.id, background=True,
                                      input=script(text="slow " * 100, delay=0.05))
    with pytest.raises(errors.BadRequestError) as caught:
        client.responses.create(model=SCRIPTED, conversation=conversation.id, input="x")
    assert caught.value.body["code"] == "conversation_in_use"
    client.responses.cancel(running.id)


def test_unknown_conversations_and_items_are_404(client, errors):
    with pytest.raises(errors.NotFoundError):
        client.conversations.retrieve("conv_nope")
    with pytest.raises(errors.NotFoundError) as caught:
        client.responses.create(model=SCRIPTED, conversation="conv_nope", input="x")
    assert caught.value.body["param"] == "conversation"
    conversation = client.conversations.create()
    with pytest.raises(errors.NotFoundError):
        client.conversations.items.retrieve("msg_nope", conversation_id=conversation.id)
