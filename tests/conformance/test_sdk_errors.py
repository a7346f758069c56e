"""Every error class an SDK raises, from real server answers."""

from __future__ import annotations

import pytest


def test_not_found(client, sdk):
    NotFound = sdk.error("NotFoundError")
    thread = client.beta.threads.create()
    other = client.beta.threads.create(messages=[{"role": "user", "content": "x"}])
    msg = client.beta.threads.messages.list(other.id).data[0]
    calls = [
        lambda: client.beta.assistants.retrieve("asst_nope"),
        lambda: client.beta.assistants.update("asst_nope", name="x"),
        lambda: client.beta.assistants.delete("asst_nope"),
        lambda: client.beta.threads.retrieve("thread_nope"),
        lambda: client.beta.threads.update("thread_nope", metadata={}),
        lambda: client.beta.threads.delete("thread_nope"),
        lambda: client.beta.threads.messages.create("thread_nope", role="user", content="x"),
        lambda: client.beta.threads.messages.list("thread_nope"),
        lambda: client.beta.threads.messages.retrieve("msg_nope", thread_id=thread.id),
        lambda: client.beta.threads.messages.retrieve(msg.id, thread_id=thread.id),  # another thread's message
        lambda: client.beta.threads.messages.update(msg.id, thread_id=thread.id, metadata={}),
        lambda: client.beta.threads.messages.delete(msg.id, thread_id=thread.id),
    ]
    for call in calls:
        with pytest.raises(NotFound) as info:
            call()
        assert info.value.status_code == 404
        assert "No " in info.value.message and "found with id" in info.value.message
    assert client.beta.threads.messages.retrieve(msg.id, thread_id=other.id).id == msg.id


@pytest.mark.parametrize("call,param,code", [
    (lambda c: c.beta.assistants.create(model="m", name="n" * 300), "name", "string_above_max_length"),
    (lambda c: c.beta.assistants.create(model="m", metadata={f"k{i}": "v" for i in range(17)}), "metadata",
     "invalid_value"),
    (lambda c: c.beta.assistants.create(model="m", tools=[{"type": "code_interpreter"}] * 129), "tools",
     "array_above_max_length"),
    (lambda c: c.beta.assistants.create(model="m", extra_body={"surprise": True}), "surprise", "unknown_parameter"),
    (lambda c: c.beta.assistants.create(model="m", temperature=5), "temperature", "decimal_above_max_value"),
    (lambda c: c.beta.threads.create(messages=[{"role": "robot", "content": "x"}]), "messages[0].role",
     "invalid_value"),
    (lambda c: c.beta.assistants.list(limit=500), "limit", "integer_above_max_value"),
    (lambda c: c.beta.assistants.list(order="random"), "order", "invalid_value"),
])
def test_bad_request(client, sdk, call, param, code):
    with pytest.raises(sdk.error("BadRequestError")) as info:
        call(client)
    assert info.value.status_code == 400
    assert (info.value.param, info.value.code, info.value.type) == (param, code, "invalid_request_error")


@pytest.fixture(scope="module")
def keyed_server(start_server):
    return start_server(OPENBETA_PROVIDER="scripted", OPENBETA_API_KEYS="sk-one,sk-two")


def test_authentication(sdk, keyed_server):
    for key in ("sk-one", "sk-two"):
        assert sdk.client(keyed_server, api_key=key).beta.assistants.list().data == []
    with pytest.raises(sdk.error("AuthenticationError")) as info:
        sdk.client(keyed_server, api_key="sk-wrong").beta.assistants.create(model="m")
    assert info.value.status_code == 401 and info.value.code == "invalid_api_key"
    assert sdk.client(keyed_server, api_key="sk-one").beta.assistants.list().data == []
