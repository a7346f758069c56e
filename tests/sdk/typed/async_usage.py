"""Typed use of the async client; ``mypy --strict`` must accept it (see tests/sdk/test_typing.py)."""

from __future__ import annotations

from typing import Awaitable

from pydantic import BaseModel

from openbeta import AsyncOpenBeta, OpenBeta, ParsedResponse
from openbeta.types.assistant import Assistant
from openbeta.types.conversations import Conversation, ConversationDeleted
from openbeta.types.file import FileObject
from openbeta.types.realtime_events import ResponseTextDeltaEvent, SessionUpdateEvent
from openbeta.types.responses import InputTokens, Response
from openbeta.types.run import Run
from openbeta.types.shared import StaticChunkingStrategy
from openbeta.types.thread import Thread
from openbeta.types.vector_store import SearchResult, VectorStore, VectorStoreFileBatch


class Answer(BaseModel):
    echo: str


async def responses(client: AsyncOpenBeta) -> None:
    conversation: Conversation = await client.conversations.create(metadata={"a": "b"})
    async for item in client.conversations.items.list(conversation.id, order="asc"):
        kind: str = item.type
    async with client.responses.stream(model="m", input="hi", conversation=conversation.id) as stream:
        async for text in stream.text_deltas:
            print(text)
        final: Response = await stream.get_final_response()
    parsed: ParsedResponse = await client.responses.parse(model="m", input="x", text_format=Answer)
    cancelled: Response = await client.responses.cancel(final.id)
    counted: InputTokens = await client.responses.input_tokens.count(model="m", input="x")
    gone: ConversationDeleted = await client.conversations.delete(conversation.id)
    print(kind, parsed.output_parsed, cancelled.status, counted.input_tokens, gone.deleted)


async def main(client: AsyncOpenBeta) -> None:
    pending: Awaitable[Assistant] = client.beta.assistants.create(model="m", name="typed")
    assistant: Assistant = await pending
    thread: Thread = await client.beta.threads.create()
    run: Run = await client.beta.threads.runs.create_and_poll(thread_id=thread.id, assistant_id=assistant.id)
    page = await client.beta.threads.messages.list(thread.id)
    first_text = page.data[0].id
    async for listed in client.beta.assistants.list(limit=5):
        name: str | None = listed.name
    upload: FileObject = await client.files.create(file=("a.txt", b"hi"), purpose="assistants")
    store: VectorStore = await client.vector_stores.create(name="s")
    batch: VectorStoreFileBatch = await client.vector_stores.file_batches.create_and_poll(
        store.id, file_ids=[upload.id])
    async for hit in client.vector_stores.search(store.id, query="hi"):
        result: SearchResult = hit
    async with client.beta.threads.runs.stream(thread_id=thread.id, assistant_id=assistant.id) as stream:
        await stream.until_done()
    async with client.beta.realtime.connect(model="voice") as conn:
        await conn.send(SessionUpdateEvent(session={"instructions": "Be brief."}))
        event = await conn.recv()
        if isinstance(event, ResponseTextDeltaEvent):
            delta: str = event.delta
    strategy = (await client.vector_stores.files.retrieve("f", vector_store_id=store.id)).chunking_strategy
    chunk_size = strategy.static.max_chunk_size_tokens if isinstance(strategy, StaticChunkingStrategy) else 0
    days: int = store.expires_after.days if store.expires_after else 0
    print(run.status, first_text, name, batch.status, result.score, delta, chunk_size, days)


def sync_main(client: OpenBeta) -> None:
    assistant: Assistant = client.beta.assistants.create(model="m")
    for listed in client.beta.assistants.list():
        same: Assistant = listed
    run: Run = client.beta.threads.runs.create_and_poll(thread_id="t", assistant_id=assistant.id)
    with client.responses.stream(model="m", input="hi") as stream:
        final: Response = stream.get_final_response()
    conversation: Conversation = client.conversations.retrieve("conv_1")
    print(same.id, run.status, final.output_text, conversation.id)
