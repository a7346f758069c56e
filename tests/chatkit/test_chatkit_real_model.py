"""A ChatKit turn answered by the embedded model, end to end (marked ``model``)."""

from __future__ import annotations

import importlib.util

import openai
import pytest

chatkit_types = pytest.importorskip("chatkit.types")
from chatkit_helpers import Protocol, new_thread  # noqa: E402

pytestmark = pytest.mark.model

if importlib.util.find_spec("llama_cpp") is None:
    pytest.skip("the embedded model (llama-cpp-python) is not installed", allow_module_level=True)


def test_a_chatkit_thread_answered_by_the_local_model(sqlite_only, start_server):
    server = start_server(OPENBETA_PROVIDER="local", OPENBETA_LOCAL_CONTEXT_SIZE="2048", OPENBETA_EMBEDDINGS="none")
    client = openai.OpenAI(base_url=server.base_url, api_key="k", max_retries=0, timeout=300)
    assistant = client.beta.assistants.create(model="smollm2", instructions="Answer in one short sentence.",
                                              temperature=0)
    session = client.beta.chatkit.sessions.create(user="local-user", workflow={"id": assistant.id})
    protocol = Protocol(server, {"Authorization": f"Bearer {session.client_secret}"})
    try:
        thread_id, events = new_thread(protocol, "What is the capital of France?")
    finally:
        protocol.close()
    deltas = [e.update.delta for e in events if e.type == "thread.item.updated"
              and e.update.type == "assistant_message.content_part.text_delta"]
    done = [e.item for e in events if e.type == "thread.item.done" and e.item.type == "assistant_message"]
    assert deltas and len(done) == 1
    assert done[0].content[0].text == "".join(deltas) and done[0].content[0].text.strip()
    assert events[-1].type == "thread.updated" and events[-1].thread.title == "What is the capital of France?"
    items = list(client.beta.chatkit.threads.list_items(thread_id, order="asc"))
    assert [i.type for i in items] == ["chatkit.user_message", "chatkit.assistant_message"]
    assert items[1].content[0].text == done[0].content[0].text
