"""Responses and conversations belong to their project: another project's ids are not found."""

from __future__ import annotations

import openai
import pytest


@pytest.fixture(scope="module")
def clients(start_server):
    server = start_server(OPENBETA_PROVIDER="scripted", OPENBETA_API_KEYS="team-a:key-a, team-b:key-b")
    return (openai.OpenAI(base_url=server.base_url, api_key="key-a", max_retries=0),
            openai.OpenAI(base_url=server.base_url, api_key="key-b", max_retries=0))


def test_another_projects_responses_and_conversations_are_not_found(clients):
    a, b = clients
    response = a.responses.create(model="m", input="mine")
    conversation = a.conversations.create(items=[{"role": "user", "content": "mine too"}])
    with pytest.raises(openai.NotFoundError):
        b.responses.retrieve(response.id)
    with pytest.raises(openai.NotFoundError):
        b.responses.input_items.list(response.id)
    with pytest.raises(openai.NotFoundError):
        b.responses.delete(response.id)
    with pytest.raises(openai.NotFoundError) as caught:
        b.responses.create(model="m", input="x", previous_response_id=response.id)
    assert caught.value.body["param"] == "previous_response_id"
    with pytest.raises(openai.NotFoundError):
        b.conversations.retrieve(conversation.id)
    with pytest.raises(openai.NotFoundError):
        b.responses.create(model="m", input="x", conversation=conversation.id)
    with pytest.raises(openai.BadRequestError) as referenced:
        b.responses.create(model="m", input=[{"type": "item_reference", "id": response.output[0].id}])
    assert referenced.value.body["param"] == "input[0].id"
    assert a.responses.retrieve(response.id).output_text == "mine"
