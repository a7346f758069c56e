"""The async twins against the live server."""

from __future__ import annotations

import json

import pytest

from openbeta import AsyncOpenBeta, NotFoundError
from openbeta.types.beta import Assistant


async def test_async_crud_raw_and_streaming(async_client: AsyncOpenBeta) -> None:
    assistant = await async_client.beta.assistants.create(model="m", name="async")
    assert isinstance(assistant, Assistant)
    assert (await async_client.beta.assistants.retrieve(assistant.id)).name == "async"
    thread = await async_client.beta.threads.create(messages=[{"role": "user", "content": "hi"}])
    page = await async_client.beta.threads.messages.list(thread.id)
    assert page.data[0].content[0].text.value == "hi"
    raw = await async_client.beta.assistants.with_raw_response.update(assistant.id, description=None)
    assert json.loads(raw.http_request.content) == {"description": None}
    assert (await raw.parse()).id == assistant.id
    async with async_client.beta.assistants.with_streaming_response.retrieve(assistant.id) as response:
        body = b"".join([chunk async for chunk in response.iter_bytes()])
    assert json.loads(body)["name"] == "async"
    assert (await async_client.beta.assistants.delete(assistant.id)).deleted
    with pytest.raises(NotFoundError):
        await async_client.beta.assistants.retrieve(assistant.id)


async def test_with_options_shares_the_pool(async_client: AsyncOpenBeta) -> None:
    other = async_client.with_options(default_headers={"X-Team": "a"}, max_retries=0)
    assert other._http is async_client._http and other.max_retries == 0
    raw = await other.beta.assistants.with_raw_response.create(model="m")
    assert raw.http_request.headers["X-Team"] == "a"
