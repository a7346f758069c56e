"""What the project tests share: the keys of the shared server, SDK clients, and a world of objects per project."""

from __future__ import annotations

import time
from typing import Any

import openai

DEFAULT_KEY = "sk-default-key-1"
KEY_A = "sk-team-a-key-1"
KEY_B = "sk-team-b-key-1"
ADMIN_KEY = "sk-admin-key-1"


def sdk(server: Any, key: str) -> openai.OpenAI:
    return openai.OpenAI(base_url=server.base_url, api_key=key, max_retries=0)


def wait_store(client: openai.OpenAI, store_id: str, timeout: float = 20.0) -> Any:
    deadline = time.monotonic() + timeout
    while (store := client.vector_stores.retrieve(store_id)).file_counts.in_progress:
        assert time.monotonic() < deadline, store
        time.sleep(0.05)
    return store


def wait_run(client: openai.OpenAI, thread_id: str, run_id: str, timeout: float = 20.0) -> Any:
    deadline = time.monotonic() + timeout
    while (run := client.beta.threads.runs.retrieve(run_id, thread_id=thread_id)).status in (
            "queued", "in_progress", "cancelling"):
        assert time.monotonic() < deadline, run
        time.sleep(0.05)
    return run


def make_world(client: openai.OpenAI, tag: str) -> dict[str, str]:
    """One of every object a project can own, with ``tag`` in their names; their ids by kind."""
    file = client.files.create(file=(f"{tag}.txt", f"The {tag} launch code is zebra-{tag}.".encode()),
                               purpose="assistants")
    store = client.vector_stores.create(name=f"store-{tag}", file_ids=[file.id])
    batch = client.vector_stores.file_batches.create(vector_store_id=store.id, file_ids=[file.id])
    wait_store(client, store.id)
    assistant = client.beta.assistants.create(model="m", name=f"asst-{tag}")
    thread = client.beta.threads.create(messages=[{"role": "user", "content": f"hello from {tag}"}])
    message = client.beta.threads.messages.list(thread.id).data[0]
    run = client.beta.threads.runs.create(thread_id=thread.id, assistant_id=assistant.id)
    assert wait_run(client, thread.id, run.id).status == "completed"
    step = client.beta.threads.runs.steps.list(run.id, thread_id=thread.id).data[0]
    return {"file": file.id, "store": store.id, "batch": batch.id, "assistant": assistant.id,
            "thread": thread.id, "message": message.id, "run": run.id, "step": step.id}
