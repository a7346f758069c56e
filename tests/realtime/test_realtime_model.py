"""A realtime text response from the embedded local model (SmolLM2 on llama.cpp), end to end."""

from __future__ import annotations

import pytest
from openai import OpenAI

from realtime_support import opening, user_item, ws_base


@pytest.mark.model
def test_embedded_model_answers_a_realtime_text_response(smollm2_path, tmp_path_factory, launch_server) -> None:
    server = launch_server(tmp_path_factory.mktemp("rt-model"), {"OPENBETA_PROVIDER": "local",
                                                          "OPENBETA_LOCAL_MODEL_PATH": smollm2_path,
                                                          "OPENBETA_LOCAL_CONTEXT_SIZE": "2048"})
    try:
        client = OpenAI(base_url=server.base_url, api_key="any", websocket_base_url=ws_base(server))
        with client.beta.realtime.connect(model="smollm2") as conn:
            opening(conn)
            conn.session.update(session={"modalities": ["text"],
                                         "instructions": "You are a helpful assistant. Answer in one sentence.",
                                         "temperature": 0.6, "max_response_output_tokens": 40})
            assert conn.recv().type == "session.updated"
            conn.conversation.item.create(item=user_item("What is the capital of France?"))
            assert conn.recv().type == "conversation.item.created"
            conn.response.create()
            deltas, done = [], None
            while done is None:
                event = conn.recv()
                if event.type == "response.text.delta":
                    deltas.append(event.delta)
                elif event.type == "response.done":
                    done = event.response
        text = "".join(deltas)
        assert done.status in ("completed", "incomplete") and text.strip()
        assert done.output[0].content[0].text == text
        assert 0 < done.usage.output_tokens <= 40 and done.usage.input_tokens > 10
        if done.status == "incomplete":
            assert done.status_details.reason == "max_output_tokens"
    finally:
        server.stop()
