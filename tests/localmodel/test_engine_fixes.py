"""What the engine does for small models, on the scripted provider through the official SDK:
a full context window is reported as such, file_search is not offered again once it found
passages, and an answer that forgot its citation marker gets one."""

from __future__ import annotations

import json
import re

import pytest
from filekit import Kit

CONTENT = {"sourdough.txt": "Sourdough bread needs a starter, flour, water and salt, and a long proof.",
           "tides.txt": "The moon pulls the oceans, which makes high tide and low tide twice a day."}


def script(**directive) -> str:
    return "SCRIPT: " + json.dumps(directive)


@pytest.fixture(scope="module")
def store(sdk):
    return Kit(sdk).store_with(CONTENT)


def searching_assistant(sdk, store_id: str) -> str:
    return sdk.beta.assistants.create(model="scripted", tools=[{"type": "file_search"}],
                                      tool_resources={"file_search": {"vector_store_ids": [store_id]}}).id


def run_on(sdk, assistant_id: str, text: str):
    thread = sdk.beta.threads.create(messages=[{"role": "user", "content": text}])
    run = sdk.beta.threads.runs.create_and_poll(thread_id=thread.id, assistant_id=assistant_id, poll_interval_ms=50)
    return thread, run


def test_a_full_context_window_fails_the_run_saying_so(sdk):
    assistant = sdk.beta.assistants.create(model="scripted").id
    thread, run = run_on(sdk, assistant, script(text="A reply that runs on and", finish="length",
                                                length_cause="context"))
    assert run.status == "failed" and run.incomplete_details is None
    assert run.last_error.code == "server_error" and "context window" in run.last_error.message
    message = sdk.beta.threads.messages.list(thread.id, run_id=run.id).data[0]
    assert message.status == "incomplete" and message.content[0].text.value == "A reply that runs on and"


def test_file_search_is_not_offered_again_after_it_found_passages(sdk, store):
    vector_store, _ = store
    thread, run = run_on(sdk, searching_assistant(sdk, vector_store.id), script(
        tool_calls=[{"name": "file_search", "arguments": {"queries": ["sourdough"]}}], reveal_after_tools=True))
    assert run.status == "completed", run.last_error
    reply = sdk.beta.threads.messages.list(thread.id, run_id=run.id).data[0].content[0].text.value
    seen, _ = json.JSONDecoder().raw_decode(reply)  # (a citation marker may follow the JSON)
    assert seen["tools"] == [] and seen["tool_choice"] is None
    results = seen["messages"][-1]["content"]
    assert "【0:0†sourdough.txt】" in results and "copy the marker" in results  # the citation hint beside them


def test_an_answer_without_a_marker_is_cited_from_the_passage_it_draws_on(sdk, store):
    vector_store, ids = store
    answer = "Sourdough bread needs a starter and salt."
    thread, run = run_on(sdk, searching_assistant(sdk, vector_store.id), script(
        tool_calls=[{"name": "file_search", "arguments": {"queries": ["sourdough"]}}], after_tools=answer))
    text = sdk.beta.threads.messages.list(thread.id, run_id=run.id).data[0].content[0].text
    assert re.fullmatch(re.escape(answer) + r" 【0:\d+†sourdough\.txt】", text.value), text.value
    (note,) = text.annotations
    assert note.file_citation.file_id == ids["sourdough.txt"]
    assert text.value[note.start_index:note.end_index] == note.text


def test_an_unrelated_answer_gets_no_citation(sdk, store):
    vector_store, _ = store
    thread, run = run_on(sdk, searching_assistant(sdk, vector_store.id), script(
        tool_calls=[{"name": "file_search", "arguments": {"queries": ["sourdough"]}}], after_tools="I do not know."))
    text = sdk.beta.threads.messages.list(thread.id, run_id=run.id).data[0].content[0].text
    assert text.value == "I do not know." and text.annotations == []
