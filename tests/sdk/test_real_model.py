"""The SDK's event handler on the embedded model, end to end (marked ``model``)."""

from __future__ import annotations

import importlib.util

import pytest

from openbeta import AssistantEventHandler, OpenBeta

pytestmark = pytest.mark.model

if importlib.util.find_spec("openbeta.server.providers.local") is None:
    pytest.skip("the embedded model provider is not part of this build", allow_module_level=True)


class Collect(AssistantEventHandler):
    def __init__(self) -> None:
        super().__init__()
        self.deltas: list[str] = []
        self.done_text: str | None = None

    def on_text_delta(self, delta, snapshot) -> None:
        self.deltas.append(delta.value or "")

    def on_text_done(self, text) -> None:
        self.done_text = text.value


def test_stream_snapshots_match_what_the_server_stored(start_server) -> None:
    server = start_server(OPENBETA_PROVIDER="local")
    with OpenBeta(base_url=server.base_url, api_key="k", max_retries=0, timeout=300) as client:
        assistant = client.beta.assistants.create(model="smollm2", instructions="Answer in one short sentence.")
        handler = Collect()
        with client.beta.threads.create_and_run_stream(
                assistant_id=assistant.id, max_completion_tokens=256, event_handler=handler,
                thread={"messages": [{"role": "user", "content": "Name a colour of the sky."}]}) as stream:
            stream.until_done()
            run = stream.get_final_run()
        assert run.status in ("completed", "incomplete"), run.last_error
        assert handler.deltas and handler.done_text == "".join(handler.deltas)
        stored = client.beta.threads.messages.list(run.thread_id, run_id=run.id).data[0]
        assert stored.content[0].text.value == handler.done_text
        steps = list(client.beta.threads.runs.steps.list(run.id, thread_id=run.thread_id))
        assert steps and steps[0].step_details.message_creation.message_id == stored.id
