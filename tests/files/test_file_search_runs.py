"""The file_search tool in runs, through the official SDK on the scripted provider:
results in the run step, citation markers becoming ``file_citation`` annotations,
attachments filling the thread's own vector store, streaming."""

from __future__ import annotations

import json
import re

import pytest

CONTENT = "step_details.tool_calls[*].file_search.results[*].content"
MARKER = re.compile(r"【(\d+):(\d+)†([^】]*)】")
DOCS = {
    "volcanoes.txt": "Volcano notes. The Kilauea volcano in Hawaii erupts basaltic lava. Magma chambers feed it.",
    "baking.txt": "Baking notes. Sourdough bread needs a starter, flour, water and salt, and a long proof.",
    "tides.txt": "Tide notes. The moon pulls the oceans, which makes high tide and low tide twice a day.",
}


def script(**directive) -> str:
    return "SCRIPT: " + json.dumps(directive)


def search_then_cite(query: str, answer: str = "Sourdough needs a starter {marker} and salt.") -> str:
    return script(tool_calls=[{"name": "file_search", "arguments": {"queries": [query]}}], after_tools=answer)


@pytest.fixture(scope="module")
def docs(kit):
    store, ids = kit.store_with(DOCS)
    return store, ids


def assistant_on(client, store_id: str, **file_search) -> str:
    tool = {"type": "file_search", "file_search": file_search} if file_search else {"type": "file_search"}
    return client.beta.assistants.create(model="scripted", tools=[tool],
                                         tool_resources={"file_search": {"vector_store_ids": [store_id]}}).id


def search_call(client, thread_id: str, run_id: str, include=()):
    steps = client.beta.threads.runs.steps.list(run_id, thread_id=thread_id, order="asc", include=list(include)).data
    assert [s.type for s in steps] == ["tool_calls", "message_creation"]
    (call,) = steps[0].step_details.tool_calls
    assert call.type == "file_search" and steps[0].status == "completed"
    return steps, call


def test_run_searches_and_cites(client, docs):
    store, ids = docs
    assistant = assistant_on(client, store.id)
    thread = client.beta.threads.create(messages=[{"role": "user", "content": search_then_cite("sourdough starter")}])
    run = client.beta.threads.runs.create_and_poll(thread_id=thread.id, assistant_id=assistant, poll_interval_ms=50)
    assert run.status == "completed", run.last_error

    steps, call = search_call(client, thread.id, run.id)
    search = call.file_search
    assert search.ranking_options.ranker == "default_2024_08_21" and search.ranking_options.score_threshold == 0
    top = search.results[0]
    assert (top.file_id, top.file_name) == (ids["baking.txt"], "baking.txt")
    assert 0 < top.score <= 1 and [r.score for r in search.results] == sorted((r.score for r in search.results),
                                                                             reverse=True)
    assert all(r.content is None for r in search.results)
    raw = client.beta.threads.runs.steps.with_raw_response.list(run.id, thread_id=thread.id).http_response.json()
    assert not any(k.startswith("_") for s in raw["data"] if s["type"] == "tool_calls"
                   for c in s["step_details"]["tool_calls"] for k in c)

    _, full = search_call(client, thread.id, run.id, include=[CONTENT])
    assert "starter" in full.file_search.results[0].content[0].text
    one = client.beta.threads.runs.steps.retrieve(steps[0].id, thread_id=thread.id, run_id=run.id, include=[CONTENT])
    assert one.step_details.tool_calls[0].file_search.results[0].content[0].type == "text"

    message = client.beta.threads.messages.list(thread.id, run_id=run.id).data[0]
    text = message.content[0].text
    marker = MARKER.search(text.value)
    assert marker and marker.group(3) == "baking.txt" and (marker.group(1), marker.group(2)) == ("0", "0")
    (note,) = text.annotations
    assert note.type == "file_citation" and note.file_citation.file_id == ids["baking.txt"]
    assert note.text == marker.group(0) == text.value[note.start_index:note.end_index]


def test_model_reads_results_under_their_markers(client, docs):
    store, _ = docs
    assistant = assistant_on(client, store.id)
    thread = client.beta.threads.create(messages=[{"role": "user", "content": script(
        tool_calls=[{"name": "file_search", "arguments": {"queries": ["moon tide"]}}])}])
    run = client.beta.threads.runs.create_and_poll(thread_id=thread.id, assistant_id=assistant, poll_interval_ms=50)
    reply = client.beta.threads.messages.list(thread.id, run_id=run.id).data[0].content[0].text
    # The scripted model echoes the tool output: each passage under its marker.
    assert reply.value.startswith("Tool outputs: 【0:0†tides.txt】\nTide notes.")
    assert [a.text for a in reply.annotations] == [m.group(0) for m in MARKER.finditer(reply.value)]


def test_unknown_markers_are_not_annotated(client, docs):
    store, _ = docs
    assistant = assistant_on(client, store.id)
    answer = "See 【7:0†nowhere.txt】 and 【0:99†baking.txt】 and 【0:0†baking.txt】."
    thread = client.beta.threads.create(messages=[{"role": "user", "content": search_then_cite("bread", answer)}])
    run = client.beta.threads.runs.create_and_poll(thread_id=thread.id, assistant_id=assistant, poll_interval_ms=50)
    text = client.beta.threads.messages.list(thread.id, run_id=run.id).data[0].content[0].text
    assert text.value == answer
    assert [a.text for a in text.annotations] == ["【0:0†baking.txt】"]


def test_max_num_results_and_score_threshold(client, docs):
    store, _ = docs
    assistant = assistant_on(client, store.id, max_num_results=1)
    thread = client.beta.threads.create(messages=[{"role": "user", "content": search_then_cite("notes")}])
    run = client.beta.threads.runs.create_and_poll(thread_id=thread.id, assistant_id=assistant, poll_interval_ms=50)
    _, call = search_call(client, thread.id, run.id)
    assert len(call.file_search.results) == 1

    strict = assistant_on(client, store.id, ranking_options={"ranker": "auto", "score_threshold": 0.99})
    loose = assistant_on(client, store.id)
    counts, thresholds = {}, {}
    for name, assistant_id in (("strict", strict), ("loose", loose)):
        thread = client.beta.threads.create(messages=[{"role": "user", "content": search_then_cite("lava tide flour")}])
        run = client.beta.threads.runs.create_and_poll(thread_id=thread.id, assistant_id=assistant_id,
                                                       poll_interval_ms=50)
        _, call = search_call(client, thread.id, run.id)
        counts[name] = [r.score for r in call.file_search.results]
        thresholds[name] = call.file_search.ranking_options.score_threshold
    assert thresholds == {"strict": 0.99, "loose": 0}
    assert all(score >= 0.99 for score in counts["strict"]) and len(counts["strict"]) < len(counts["loose"])


def test_attachments_fill_the_threads_own_store(client, kit):
    first = kit.upload("orchids.txt", "Orchid care: water the orchid weekly and keep it out of direct sun.")
    second = kit.upload("cacti.txt", "Cactus care: water the cactus monthly in winter.")
    assistant = client.beta.assistants.create(model="scripted", tools=[{"type": "file_search"}]).id
    attach = [{"file_id": first.id, "tools": [{"type": "file_search"}]}]
    thread = client.beta.threads.create(messages=[
        {"role": "user", "content": "orchids", "attachments": attach}])
    (store_id,) = thread.tool_resources.file_search.vector_store_ids
    store = client.vector_stores.retrieve(store_id)
    assert store.expires_after.days == 7 and store.expires_after.anchor == "last_active_at"

    client.beta.threads.messages.create(thread.id, role="user", content=search_then_cite(
        "how often to water the cactus", "Monthly {marker}."), attachments=[
        {"file_id": second.id, "tools": [{"type": "file_search"}]}])
    assert client.beta.threads.retrieve(thread.id).tool_resources.file_search.vector_store_ids == [store_id]
    assert {f.id for f in client.vector_stores.files.list(store_id)} == {first.id, second.id}

    # The run waits for the attachments' ingestion before it searches.
    run = client.beta.threads.runs.create_and_poll(thread_id=thread.id, assistant_id=assistant, poll_interval_ms=50)
    assert run.status == "completed", run.last_error
    _, call = search_call(client, thread.id, run.id)
    assert call.file_search.results[0].file_id == second.id
    assert {r.file_id for r in call.file_search.results} == {first.id, second.id}
    text = client.beta.threads.messages.list(thread.id, run_id=run.id).data[0].content[0].text
    assert text.annotations[0].file_citation.file_id == second.id


def test_attachments_naming_missing_files_are_refused(client, errors):
    with pytest.raises(errors.NotFoundError) as caught:
        client.beta.threads.create(messages=[{"role": "user", "content": "x", "attachments": [
            {"file_id": "file-missing", "tools": [{"type": "file_search"}]}]}])
    assert caught.value.body["param"] == "messages[0].attachments[0].file_id"
    thread = client.beta.threads.create()
    with pytest.raises(errors.NotFoundError) as caught:
        client.beta.threads.messages.create(thread.id, role="user", content="x", attachments=[
            {"file_id": "file-missing", "tools": [{"type": "file_search"}]}])
    assert caught.value.body["param"] == "attachments[0].file_id"
    assert client.beta.threads.retrieve(thread.id).tool_resources.file_search is None


def test_the_users_question_is_searched_too(client, docs):
    store, ids = docs
    assistant = assistant_on(client, store.id)
    thread = client.beta.threads.create(messages=[{"role": "user", "content": "How do ocean tides work? " + script(
        tool_calls=[{"name": "file_search", "arguments": {"q": 1}}])}])
    run = client.beta.threads.runs.create_and_poll(thread_id=thread.id, assistant_id=assistant, poll_interval_ms=50)
    assert run.status == "completed"
    _, call = search_call(client, thread.id, run.id)
    assert call.file_search.results[0].file_id == ids["tides.txt"]


def test_a_call_with_nothing_to_search_tells_the_model(client, docs):
    store, _ = docs
    directive = script(tool_calls=[{"name": "file_search", "arguments": {}}])
    assistant = client.beta.assistants.create(model="scripted", instructions=directive, tools=[{"type": "file_search"}],
                                              tool_resources={"file_search": {"vector_store_ids": [store.id]}})
    thread = client.beta.threads.create(messages=[{"role": "assistant", "content": "Hello."}])
    run = client.beta.threads.runs.create_and_poll(thread_id=thread.id, assistant_id=assistant.id,
                                                   poll_interval_ms=50)
    assert run.status == "completed"
    _, call = search_call(client, thread.id, run.id)
    assert call.file_search.results == []
    reply = client.beta.threads.messages.list(thread.id, run_id=run.id).data[0].content[0].text.value
    assert "no queries" in reply


def recorder_for(sdk):
    """An event handler on the SDK under test's ``AssistantEventHandler`` that keeps tool calls and citations."""

    class Recorder(sdk.module.AssistantEventHandler):
        def __init__(self) -> None:
            super().__init__()
            self.created: list = []
            self.done: list = []
            self.delta_annotations: list = []

        def on_tool_call_created(self, tool_call) -> None:
            self.created.append(tool_call)

        def on_tool_call_done(self, tool_call) -> None:
            self.done.append(tool_call)

        def on_text_delta(self, delta, snapshot) -> None:
            self.delta_annotations.extend(delta.annotations or [])

    return Recorder


def sync_streams_only(sdk) -> None:
    if sdk.is_async:
        pytest.skip("the async client's event-handler streams are covered in tests/sdk")


def test_streaming_shows_the_search_and_the_citations(client, docs, sdk):
    sync_streams_only(sdk)
    store, ids = docs
    assistant = assistant_on(client, store.id)
    # A filename with spaces: the marker spans several streamed words, yet arrives in one delta.
    spaced = client.files.create(file=("kitchen notes.txt", b"Kitchen notes: knead the sourdough dough well."),
                                 purpose="assistants")
    client.vector_stores.files.create_and_poll(vector_store_id=store.id, file_id=spaced.id)
    try:
        thread = client.beta.threads.create(messages=[{"role": "user", "content": search_then_cite(
            "knead sourdough dough", "Knead it {marker} well.")}])
        handler = recorder_for(sdk)()
        with client.beta.threads.runs.stream(thread_id=thread.id, assistant_id=assistant, event_handler=handler,
                                             include=[CONTENT]) as stream:
            stream.until_done()
            final = stream.get_final_messages()
        assert [c.type for c in handler.created] == ["file_search"]
        # The SDK repeats on_tool_call_done at every later step and at the run's end.
        assert handler.done and {c.type for c in handler.done} == {"file_search"}
        done = handler.done[0].file_search
        assert done.results[0].file_id == spaced.id and done.results[0].file_name == "kitchen notes.txt"
        assert done.results[0].content[0].text.startswith("Kitchen notes")
        (note,) = handler.delta_annotations
        assert note.type == "file_citation" and note.text == "【0:0†kitchen notes.txt】"
        assert note.file_citation.file_id == spaced.id and note.index == 0
        text = final[0].content[0].text
        assert text.value == "Knead it 【0:0†kitchen notes.txt】 well."
        assert (text.annotations[0].start_index, text.annotations[0].end_index) == (note.start_index, note.end_index)
    finally:
        client.vector_stores.files.delete(file_id=spaced.id, vector_store_id=store.id)


def test_streamed_steps_hide_contents_unless_included(client, docs, sdk):
    sync_streams_only(sdk)
    store, _ = docs
    assistant = assistant_on(client, store.id)
    thread = client.beta.threads.create(messages=[{"role": "user", "content": search_then_cite("lava")}])
    with client.beta.threads.runs.stream(thread_id=thread.id, assistant_id=assistant) as stream:
        events = list(stream)
    completed = [e.data.step_details.tool_calls[0] for e in events
                 if e.event == "thread.run.step.completed" and e.data.type == "tool_calls"]
    deltas = [e.data.delta.step_details.tool_calls[0] for e in events if e.event == "thread.run.step.delta"]
    assert [d.file_search.get("results") is None for d in deltas] == [True, False]  # the SDK types it a dict
    assert deltas[1].file_search["results"] and all("content" not in r for r in deltas[1].file_search["results"])
    results = completed[0].file_search.results
    assert results and all(r.content is None for r in results)


def test_create_and_run_searches_its_own_and_the_new_thread_s_tool_resources(client, kit):
    """``POST /v1/threads/runs``: the top-level ``tool_resources`` are the run's, standing in for the
    assistant's; ``thread.tool_resources`` are the new thread's. Both are searched; the assistant's store,
    overridden, is not, and the thread keeps only its own."""
    assistants_store, a = kit.store_with({"a.txt": DOCS["volcanoes.txt"]})
    runs_store, r = kit.store_with({"r.txt": DOCS["baking.txt"]})
    threads_store, t = kit.store_with({"t.txt": DOCS["tides.txt"]})
    assistant = assistant_on(client, assistants_store.id)
    ask = search_then_cite("volcano sourdough tide moon lava starter", answer="Found {marker}.")

    run = client.beta.threads.create_and_run_poll(
        assistant_id=assistant, tool_resources={"file_search": {"vector_store_ids": [runs_store.id]}},
        thread={"messages": [{"role": "user", "content": ask}],
                "tool_resources": {"file_search": {"vector_store_ids": [threads_store.id]}}},
        poll_interval_ms=50)
    assert run.status == "completed", run.last_error
    _, call = search_call(client, run.thread_id, run.id)
    found = {result.file_id for result in call.file_search.results}
    assert found == {r["r.txt"], t["t.txt"]}  # the run's store and the thread's; not the assistant's
    thread = client.beta.threads.retrieve(run.thread_id)
    assert thread.tool_resources.file_search.vector_store_ids == [threads_store.id]

    alone = client.beta.threads.create_and_run_poll(
        assistant_id=assistant, tool_resources={"file_search": {"vector_store_ids": [runs_store.id]}},
        thread={"messages": [{"role": "user", "content": ask}]}, poll_interval_ms=50)
    _, call = search_call(client, alone.thread_id, alone.id)
    assert {result.file_id for result in call.file_search.results} == {r["r.txt"]}
    assert not client.beta.threads.retrieve(alone.thread_id).tool_resources.file_search

    plain = client.beta.threads.create_and_run_poll(
        assistant_id=assistant, thread={"messages": [{"role": "user", "content": ask}]}, poll_interval_ms=50)
    _, call = search_call(client, plain.thread_id, plain.id)
    assert {result.file_id for result in call.file_search.results} == {a["a.txt"]}  # none given: the assistant's
