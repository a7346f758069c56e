"""Threads and messages through an SDK: every endpoint, content parts, attachments, big and unicode content."""

from __future__ import annotations

import pytest


def test_thread_lifecycle(client):
    store = client.vector_stores.create(name="thread resources")
    thread = client.beta.threads.create(
        messages=[
            {"role": "user", "content": "Hello", "metadata": {"i": "0"}},
            {"role": "assistant", "content": "Hi there"},
        ],
        metadata={"topic": "greeting"},
        tool_resources={"file_search": {"vector_store_ids": [store.id]}},
    )
    assert thread.id.startswith("thread_") and thread.object == "thread"
    assert thread.metadata == {"topic": "greeting"}
    assert thread.tool_resources.file_search.vector_store_ids == [store.id]
    assert client.beta.threads.retrieve(thread.id).model_dump() == thread.model_dump()

    updated = client.beta.threads.update(thread.id, metadata={"topic": "changed"})
    assert updated.metadata == {"topic": "changed"} and updated.created_at == thread.created_at

    messages = client.beta.threads.messages.list(thread.id, order="asc").data
    assert [(m.role, m.content[0].text.value) for m in messages] == [("user", "Hello"), ("assistant", "Hi there")]
    assert messages[0].metadata == {"i": "0"}

    deleted = client.beta.threads.delete(thread.id)
    assert (deleted.id, deleted.object, deleted.deleted) == (thread.id, "thread.deleted", True)


def test_message_lifecycle(client):
    thread = client.beta.threads.create()
    doc = client.files.create(file=("sums.txt", b"2+2=4"), purpose="assistants")
    msg = client.beta.threads.messages.create(
        thread.id, role="user", content="What is 2+2?",
        attachments=[{"file_id": doc.id, "tools": [{"type": "file_search"}]}],
        metadata={"source": "test"},
    )
    assert msg.id.startswith("msg_") and msg.object == "thread.message"
    assert (msg.thread_id, msg.role, msg.status) == (thread.id, "user", "completed")
    assert msg.content[0].type == "text" and msg.content[0].text.value == "What is 2+2?"
    assert msg.content[0].text.annotations == []
    assert msg.attachments[0].file_id == doc.id and msg.attachments[0].tools[0].type == "file_search"
    assert msg.assistant_id is None and msg.run_id is None

    assert client.beta.threads.messages.retrieve(msg.id, thread_id=thread.id).model_dump() == msg.model_dump()
    updated = client.beta.threads.messages.update(msg.id, thread_id=thread.id, metadata={"source": "edited"})
    assert updated.metadata == {"source": "edited"} and updated.content == msg.content

    deleted = client.beta.threads.messages.delete(msg.id, thread_id=thread.id)
    assert (deleted.id, deleted.object, deleted.deleted) == (msg.id, "thread.message.deleted", True)
    assert client.beta.threads.messages.list(thread.id).data == []


def test_content_parts(client):
    thread = client.beta.threads.create()
    image = client.files.create(file=("a.png", b"not really a png"), purpose="vision")
    msg = client.beta.threads.messages.create(thread.id, role="user", content=[
        {"type": "text", "text": "Describe both"},
        {"type": "image_file", "image_file": {"file_id": image.id, "detail": "low"}},
        {"type": "image_url", "image_url": {"url": "https://example.com/a.png", "detail": "high"}},
    ])
    fetched = client.beta.threads.messages.retrieve(msg.id, thread_id=thread.id)
    assert [c.type for c in fetched.content] == ["text", "image_file", "image_url"]
    assert fetched.content[0].text.value == "Describe both"
    assert (fetched.content[1].image_file.file_id, fetched.content[1].image_file.detail) == (image.id, "low")
    assert (fetched.content[2].image_url.url, fetched.content[2].image_url.detail) == ("https://example.com/a.png",
                                                                                      "high")


@pytest.mark.parametrize("text", [
    "Grüße, Łódź, Ærø — “quotes” ‘and’ «guillemets»",
    "中文 日本語 한국어 ไทย हिन्दी العربية עברית",
    "🧗🏽‍♀️ 👩‍👩‍👧‍👦 🏳️‍🌈 \U0001F9EA",
    "control\tchars\r\nand \u200d zero width \ufeff",
])
def test_unicode_round_trip(client, text):
    thread = client.beta.threads.create(metadata={"label": text[:64]})
    msg = client.beta.threads.messages.create(thread.id, role="user", content=text)
    assert client.beta.threads.messages.retrieve(msg.id, thread_id=thread.id).content[0].text.value == text
    assert client.beta.threads.retrieve(thread.id).metadata == {"label": text[:64]}


def test_100kb_content_round_trip(client):
    text = ("openbeta ✓ " * 10_000)[:100_000]
    thread = client.beta.threads.create(messages=[{"role": "user", "content": text}])
    msg = client.beta.threads.messages.create(thread.id, role="assistant", content=text[::-1])
    values = [m.content[0].text.value for m in client.beta.threads.messages.list(thread.id, order="asc")]
    assert values == [text, text[::-1]]
    assert len(client.beta.threads.messages.retrieve(msg.id, thread_id=thread.id).content[0].text.value) == 100_000
    instructions = "x" * 100_000
    assistant = client.beta.assistants.create(model="m", instructions=instructions)
    assert client.beta.assistants.retrieve(assistant.id).instructions == instructions
