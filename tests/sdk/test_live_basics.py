"""The SDK against a live openbeta server: CRUD, NOT_GIVEN vs None, raw and streaming responses."""

from __future__ import annotations

import json

import pytest

from openbeta import NotFoundError, OpenBeta
from openbeta.types.beta import Assistant, AssistantDeleted
from openbeta.types.beta.threads import Message


def test_assistant_crud(openbeta_client: OpenBeta) -> None:
    created = openbeta_client.beta.assistants.create(model="m", name="Math tutor", instructions="Be brief.",
                                            tools=[{"type": "code_interpreter"}], metadata={"k": "v"})
    assert isinstance(created, Assistant) and created.id.startswith("asst_")
    assert created.tools[0].type == "code_interpreter"
    got = openbeta_client.beta.assistants.retrieve(created.id)
    assert got.name == "Math tutor" and got.metadata == {"k": "v"}
    updated = openbeta_client.beta.assistants.update(created.id, name="Renamed")
    assert updated.name == "Renamed" and updated.instructions == "Be brief."
    deleted = openbeta_client.beta.assistants.delete(created.id)
    assert isinstance(deleted, AssistantDeleted) and deleted.deleted and deleted.id == created.id
    with pytest.raises(NotFoundError) as info:
        openbeta_client.beta.assistants.retrieve(created.id)
    assert info.value.status_code == 404 and info.value.type == "invalid_request_error"


def test_not_given_is_omitted_and_none_is_sent_as_null(openbeta_client: OpenBeta) -> None:
    created = openbeta_client.beta.assistants.create(model="m", name="keep", instructions="text")
    raw = openbeta_client.beta.assistants.with_raw_response.update(created.id, name="new")
    sent = json.loads(raw.http_request.content)
    assert sent == {"name": "new"}
    assert raw.parse().instructions == "text"
    raw = openbeta_client.beta.assistants.with_raw_response.update(created.id, instructions=None)
    assert json.loads(raw.http_request.content) == {"instructions": None}
    assert raw.parse().instructions is None and raw.parse().name == "new"


def test_threads_and_messages(openbeta_client: OpenBeta) -> None:
    thread = openbeta_client.beta.threads.create(messages=[{"role": "user", "content": "Hello"}], metadata={"a": "1"})
    assert thread.metadata == {"a": "1"}
    message = openbeta_client.beta.threads.messages.create(thread.id, role="user", content="Second")
    assert isinstance(message, Message) and message.content[0].text.value == "Second"
    got = openbeta_client.beta.threads.messages.retrieve(message.id, thread_id=thread.id)
    assert got.id == message.id
    openbeta_client.beta.threads.messages.update(message.id, thread_id=thread.id, metadata={"x": "y"})
    texts = [m.content[0].text.value for m in openbeta_client.beta.threads.messages.list(thread.id, order="asc")]
    assert texts == ["Hello", "Second"]
    assert openbeta_client.beta.threads.messages.delete(message.id, thread_id=thread.id).deleted
    assert openbeta_client.beta.threads.update(thread.id, metadata={"a": "2"}).metadata == {"a": "2"}
    assert openbeta_client.beta.threads.retrieve(thread.id).metadata == {"a": "2"}
    assert openbeta_client.beta.threads.delete(thread.id).deleted


def test_raw_response_headers_status_and_parse(openbeta_client: OpenBeta) -> None:
    raw = openbeta_client.beta.assistants.with_raw_response.create(model="m", name="raw")
    assert raw.status_code == 200
    assert raw.headers["content-type"].startswith("application/json")
    assert raw.http_request.headers["OpenAI-Beta"] == "assistants=v2"
    assert raw.http_request.headers["Authorization"] == "Bearer test-key"
    assert raw.json()["name"] == "raw"
    assistant = raw.parse()
    assert isinstance(assistant, Assistant) and assistant.name == "raw"
    nested = openbeta_client.beta.threads.with_raw_response.messages
    thread = openbeta_client.beta.threads.create()
    raw_message = nested.create(thread.id, role="user", content="hi")
    assert raw_message.status_code == 200 and raw_message.parse().thread_id == thread.id
    via_client = openbeta_client.with_raw_response.beta.assistants.retrieve(assistant.id)
    assert via_client.parse().id == assistant.id


def test_streaming_response_reads_lazily(openbeta_client: OpenBeta) -> None:
    assistant = openbeta_client.beta.assistants.create(model="m", name="lazy")
    with openbeta_client.beta.assistants.with_streaming_response.retrieve(assistant.id) as response:
        assert response.status_code == 200
        assert not response.http_response.is_stream_consumed
        body = b"".join(response.iter_bytes())
    assert json.loads(body)["id"] == assistant.id
    with openbeta_client.beta.assistants.with_streaming_response.retrieve(assistant.id) as response:
        lines = list(response.iter_lines())
    assert json.loads("".join(lines))["name"] == "lazy"
    with openbeta_client.beta.assistants.with_streaming_response.retrieve(assistant.id) as response:
        assert response.parse().name == "lazy"
    with pytest.raises(NotFoundError):
        with openbeta_client.beta.assistants.with_streaming_response.retrieve("asst_missing"):
            pass


def test_extra_headers_query_body(openbeta_client: OpenBeta) -> None:
    raw = openbeta_client.beta.assistants.with_raw_response.create(
        model="m", extra_headers={"X-Trace": "t1"}, extra_query={"q": "1"}, extra_body={"name": "from-extra"},
        timeout=5)
    assert raw.http_request.headers["X-Trace"] == "t1"
    assert raw.http_request.url.params["q"] == "1"
    assert raw.parse().name == "from-extra"
