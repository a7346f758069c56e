"""Runs end to end on the embedded model (needs ``providers/local.py``; marked ``model``)."""

from __future__ import annotations

import importlib.util

import openai
import pytest
from openai import AssistantEventHandler

pytestmark = pytest.mark.model

if importlib.util.find_spec("openbeta.server.providers.local") is None:
    pytest.skip("the embedded model provider is not part of this build", allow_module_level=True)


class Names(AssistantEventHandler):
    def __init__(self) -> None:
        super().__init__()
        self.events: list[str] = []

    def on_event(self, event) -> None:
        self.events.append(event.event)


def test_run_answers_on_the_local_model(start_server):
    server = start_server(OPENBETA_PROVIDER="local")
    client = openai.OpenAI(base_url=server.base_url, api_key="k", max_retries=0, timeout=300)
    assistant = client.beta.assistants.create(model="smollm2", instructions="Answer in one short sentence.")
    thread = client.beta.threads.create(messages=[{"role": "user", "content": "What is the capital of France?"}])
    run = client.beta.threads.runs.create_and_poll(thread_id=thread.id, assistant_id=assistant.id,
                                                   max_completion_tokens=256, poll_interval_ms=200)
    assert run.status in ("completed", "incomplete"), run.last_error
    assert run.usage.prompt_tokens > 0 and run.usage.completion_tokens > 0
    reply = client.beta.threads.messages.list(thread.id, run_id=run.id).data[0]
    assert reply.role == "assistant" and reply.content[0].text.value.strip()

    client.beta.threads.messages.create(thread.id, role="user", content="And of Italy?")
    handler = Names()
    with client.beta.threads.runs.stream(thread_id=thread.id, assistant_id=assistant.id, max_completion_tokens=256,
                                         event_handler=handler) as stream:
        stream.until_done()
        final = stream.get_final_messages()
    assert handler.events[:3] == ["thread.run.created", "thread.run.queued", "thread.run.in_progress"]
    assert "thread.message.delta" in handler.events
    assert handler.events[-1] in ("thread.run.completed", "thread.run.incomplete")
    assert final[0].content[0].text.value.strip()
