"""file_search end to end on the embedded model (SmolLM2-135M) and the local embedder (marked ``model``).

The search is forced with ``tool_choice={"type": "file_search"}``; what a 135M
model answers is not asserted beyond its being there, nor whether it copies a
citation marker (the marker-to-annotation path is covered on the scripted provider).
"""

from __future__ import annotations


import openai
import pytest

pytestmark = pytest.mark.model

CONTENT = "step_details.tool_calls[*].file_search.results[*].content"


def test_forced_file_search_on_the_local_model(start_server):
    server = start_server(OPENBETA_PROVIDER="local")
    client = openai.OpenAI(base_url=server.base_url, api_key="k", max_retries=0, timeout=300)
    ids = {name: client.files.create(file=(name, text.encode()), purpose="assistants").id for name, text in {
        "zebra-facts.txt": "Zebras are African horses with black and white stripes. Each zebra's stripes are unique.",
        "copper-facts.txt": "Copper is a reddish metal that conducts electricity well; wires are made of copper.",
    }.items()}
    assistant = client.beta.assistants.create(
        model="smollm2", instructions="Answer from the files, in one sentence.",
        tools=[{"type": "file_search", "file_search": {"max_num_results": 2}}])
    thread = client.beta.threads.create(messages=[{
        "role": "user", "content": "Why do zebras have stripes?",
        "attachments": [{"file_id": file_id, "tools": [{"type": "file_search"}]} for file_id in ids.values()]}])
    run = client.beta.threads.runs.create_and_poll(
        thread_id=thread.id, assistant_id=assistant.id, tool_choice={"type": "file_search"},
        max_completion_tokens=256, poll_interval_ms=200)
    assert run.status in ("completed", "incomplete"), run.last_error

    steps = client.beta.threads.runs.steps.list(run.id, thread_id=thread.id, order="asc", include=[CONTENT]).data
    assert steps[0].type == "tool_calls"
    assert steps[0].step_details.tool_calls, ([(s.type, s.status, s.created_at, s.step_details) for s in steps], run.status)
    (call,) = steps[0].step_details.tool_calls
    assert call.type == "file_search"
    results = call.file_search.results
    assert 1 <= len(results) <= 2
    assert results[0].file_id == ids["zebra-facts.txt"] and results[0].file_name == "zebra-facts.txt"
    assert "stripes" in results[0].content[0].text
    assert steps[-1].type == "message_creation"
    reply = client.beta.threads.messages.list(thread.id, run_id=run.id).data[0].content[0].text
    assert reply.value.strip()
    for note in reply.annotations:  # whatever the model cited must point at a file it was shown
        assert note.file_citation.file_id in {r.file_id for r in results}
        assert reply.value[note.start_index:note.end_index] == note.text
