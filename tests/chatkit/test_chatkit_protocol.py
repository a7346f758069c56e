"""The ChatKit server protocol (``POST /v1/chatkit``) over HTTP, every streamed frame validated with the
``openai-chatkit`` types: answers, history, client tools, citations, attachments, cancelling, who sees
what, and errors that are never a 500."""

from __future__ import annotations

import json
import time

import httpx
import pytest

chatkit_types = pytest.importorskip("chatkit.types")
from chatkit_helpers import Protocol, backing_thread, new_thread, script, user_input  # noqa: E402



def kinds(events) -> list[str]:
    return [e.type if e.type != "thread.item.updated" else e.update.type for e in events]


def answer_text(events) -> str:
    done = [e.item for e in events if e.type == "thread.item.done" and e.item.type == "assistant_message"]
    assert len(done) == 1
    return done[0].content[0].text


def test_new_thread_streams_an_answer_and_a_title(open_protocol, assistant, user, oai):
    _, protocol = open_protocol(assistant, user)
    thread_id, events = new_thread(protocol, script(text="Hello from the assistant"))
    assert thread_id.startswith("cthr_")
    assert kinds(events) == [
        "thread.created", "thread.item.done", "stream_options", "thread.item.added",
        "assistant_message.content_part.added",
        *["assistant_message.content_part.text_delta"] * 4,
        "assistant_message.content_part.done", "thread.item.done", "thread.updated"]
    user_item = events[1].item
    assert user_item.type == "user_message" and user_item.thread_id == thread_id
    deltas = "".join(e.update.delta for e in events if e.type == "thread.item.updated"
                     and e.update.type == "assistant_message.content_part.text_delta")
    assert deltas == answer_text(events) == "Hello from the assistant"
    assert events[3].item.id == events[-2].item.id and events[3].item.id.startswith("cthi_")
    assert events[-1].thread.title.startswith('SCRIPT: {"text"')
    # the JSON requests read the same thread back
    thread = protocol.call("threads.get_by_id", {"thread_id": thread_id})
    assert [i["type"] for i in thread["items"]["data"]] == ["user_message", "assistant_message"]
    listed = protocol.call("threads.list", {"limit": 5})
    assert [t["id"] for t in listed["data"]] == [thread_id]
    items = protocol.call("items.list", {"thread_id": thread_id, "order": "asc"})
    assert [i["id"] for i in items["data"]] == [user_item.id, events[3].item.id]
    # and so does the REST face
    rest = list(oai.beta.chatkit.threads.list_items(thread_id, order="asc"))
    assert [i.id for i in rest] == [user_item.id, events[3].item.id]
    assert rest[1].content[0].text == "Hello from the assistant"


def test_second_turn_sees_the_history(open_protocol, assistant, user, ck_db, oai):
    _, protocol = open_protocol(assistant, user)
    thread_id, _ = new_thread(protocol, "first question")
    events = protocol.stream("threads.add_user_message",
                             {"thread_id": thread_id, "input": user_input(script(reveal=True))})
    assert kinds(events)[:2] == ["thread.item.done", "stream_options"]
    seen = json.loads(answer_text(events))
    said = [(m["role"], m["content"] if isinstance(m["content"], str) else
             "".join(p.get("text", "") for p in m["content"])) for m in seen["messages"]]
    assert ("user", "first question") in said and ("assistant", "first question") in said
    assert seen["parallel_tool_calls"] is False
    assert not any(e.type == "thread.updated" for e in events)  # titled after the first turn only
    backing = backing_thread(ck_db, thread_id)
    assert [m.role for m in oai.beta.threads.messages.list(backing, order="asc")] == [
        "user", "assistant", "user", "assistant"]


def test_state_variables_reach_the_run(oai, ck_server, assistant, user):
    session = oai.beta.chatkit.sessions.create(
        user=user, workflow={"id": assistant, "version": "3", "state_variables": {"city": "Lyon"}})
    protocol = Protocol(ck_server, {"Authorization": f"Bearer {session.client_secret}"})
    try:
        _, events = new_thread(protocol, script(reveal=True))
        system = json.loads(answer_text(events))["messages"][0]
        assert system["role"] == "system" and "- city: Lyon" in str(system["content"])
    finally:
        protocol.close()


def test_client_tool_round_trip(open_protocol, assistant, user, ck_db, oai):
    _, protocol = open_protocol(assistant, user)
    thread_id, events = new_thread(protocol, script(tool_calls=[{"name": "get_weather", "arguments": {"city": "Rome"}}],
                                                    after_tools="It is {marker}warm"))
    call = events[-1].item if events[-1].type == "thread.item.done" else events[-2].item
    assert call.type == "client_tool_call" and call.status == "pending"
    assert (call.name, call.arguments) == ("get_weather", {"city": "Rome"})
    backing = backing_thread(ck_db, thread_id)
    assert oai.beta.threads.runs.list(backing).data[0].status == "requires_action"

    resumed = protocol.stream("threads.add_client_tool_output", {"thread_id": thread_id, "result": {"temp": 25}})
    assert kinds(resumed)[0] == "stream_options" and answer_text(resumed) == "It is warm"
    assert oai.beta.threads.runs.list(backing).data[0].status == "completed"
    items = protocol.call("items.list", {"thread_id": thread_id, "order": "asc"})["data"]
    assert [i["type"] for i in items] == ["user_message", "client_tool_call", "assistant_message"]
    assert items[1]["status"] == "completed" and items[1]["output"] == {"temp": 25}
    # nothing awaits an output any more
    again = protocol.post("threads.add_client_tool_output", {"thread_id": thread_id, "result": 1})
    assert again.status_code == 400 and again.json()["error"]["type"] == "invalid_request_error"


def test_file_search_citation_becomes_an_annotation(oai, open_protocol, user):
    store = oai.vector_stores.create(name="ck")
    file = oai.files.create(file=("tides.txt", b"The moon pulls the ocean and makes the tides rise twice a day."),
                            purpose="assistants")
    oai.vector_stores.files.create_and_poll(vector_store_id=store.id, file_id=file.id)
    searcher = oai.beta.assistants.create(model="scripted", tools=[{"type": "file_search"}],
                                          tool_resources={"file_search": {"vector_store_ids": [store.id]}}).id
    _, protocol = open_protocol(searcher, user)
    thread_id, events = new_thread(protocol, script(
        tool_calls=[{"name": "file_search", "arguments": {"queries": ["moon tides"]}}],
        after_tools="Tides follow the moon{marker}."))
    added = [e.update for e in events if e.type == "thread.item.updated"
             and e.update.type == "assistant_message.content_part.annotation_added"]
    assert len(added) == 1
    note = added[0].annotation
    assert note.source.type == "file" and note.source.filename == "tides.txt"
    content = [e.item for e in events if e.type == "thread.item.done" and e.item.type == "assistant_message"][0].content[0]
    assert content.text == "Tides follow the moon." and note.index == len("Tides follow the moon")
    assert content.annotations == [note]
    search = [e for e in events if e.type in ("thread.item.added", "thread.item.done")
              and e.item.type == "workflow"]
    assert [e.type for e in search] == ["thread.item.added", "thread.item.done"]
    assert search[0].item.workflow.tasks[0].status_indicator == "loading"
    task = search[1].item.workflow.tasks[0]
    assert (task.type, task.title, [s.filename for s in task.sources]) == ("file", "Searched files", ["tides.txt"])
    answer, group, _ = list(oai.beta.chatkit.threads.list_items(thread_id))
    assert answer.content[0].annotations[0].model_dump() == {"type": "file",
                                                             "source": {"type": "file", "filename": "tides.txt"}}
    assert group.type == "chatkit.task_group" and group.tasks[0].heading == "Searched files"


def test_an_attachment_is_uploaded_and_reaches_the_message(oai, open_protocol, assistant, user, ck_db):
    _, protocol = open_protocol(assistant, user, chatkit_configuration={"file_upload": {"enabled": True,
                                                                                        "max_files": 2}})
    too_big = protocol.post("attachments.create", {"name": "big.bin", "size": 513 * 1024 * 1024,
                                                   "mime_type": "application/octet-stream"})
    assert too_big.status_code == 413 and too_big.json()["error"]["code"] == "file_too_large"
    image = protocol.call("attachments.create", {"name": "dot.png", "size": 4, "mime_type": "image/png"})
    assert image["type"] == "image"
    assert httpx.put(image["upload_descriptor"]["url"], content=b"\x89PNG").status_code == 200
    preview = httpx.get(image["preview_url"])
    assert preview.content == b"\x89PNG" and preview.headers["content-type"] == "image/png"
    attachment = protocol.call("attachments.create", {"name": "notes.txt", "size": 12, "mime_type": "text/plain"})
    assert attachment["id"].startswith("cka_") and attachment["type"] == "file"
    upload = attachment["upload_descriptor"]
    response = httpx.request(upload["method"], upload["url"], files={"file": ("notes.txt", b"hello, notes")})
    assert response.status_code == 200, response.text
    assert httpx.request(upload["method"], upload["url"], content=b"again").status_code == 409
    assert httpx.post(upload["url"].split("?")[0] + "?token=wrong", content=b"x").status_code == 404
    refused = protocol.post("attachments.create", {"name": "more.txt", "size": 1, "mime_type": "text/plain"})
    assert refused.status_code == 400 and refused.json()["error"]["code"] == "too_many_files"

    thread_id, events = new_thread_with(protocol, user_input("read this", attachments=[attachment["id"], image["id"]]))
    assert [a.id for a in events[1].item.attachments] == [attachment["id"], image["id"]]
    backing = backing_thread(ck_db, thread_id)
    message = oai.beta.threads.messages.list(backing, order="asc").data[0]
    (file_id,) = [a.file_id for a in message.attachments]
    assert oai.files.content(file_id).read() == b"hello, notes"
    rest = list(oai.beta.chatkit.threads.list_items(thread_id, order="asc"))[0]
    assert rest.attachments[0].model_dump() == {"id": attachment["id"], "mime_type": "text/plain",
                                                "name": "notes.txt", "preview_url": None, "type": "file"}
    assert rest.attachments[1].type == "image" and rest.attachments[1].preview_url == image["preview_url"]
    assert protocol.call("attachments.delete", {"attachment_id": image["id"]}) == {}
    assert httpx.get(image["preview_url"]).status_code == 404
    oai.beta.chatkit.threads.delete(thread_id)  # the thread's uploads go with it
    import openai
    with pytest.raises(openai.NotFoundError):
        oai.files.retrieve(file_id)


def new_thread_with(protocol: Protocol, given: dict) -> tuple[str, list]:
    events = protocol.stream("threads.create", {"input": given})
    return events[0].thread.id, events


def test_uploads_are_off_unless_the_session_enables_them(open_protocol, assistant, user):
    _, protocol = open_protocol(assistant, user)
    refused = protocol.post("attachments.create", {"name": "a.txt", "size": 1, "mime_type": "text/plain"})
    assert refused.status_code == 400 and refused.json()["error"]["code"] == "file_upload_disabled"


def test_cancelling_the_stream_cancels_the_run(open_protocol, assistant, user, ck_db, oai):
    _, protocol = open_protocol(assistant, user)
    thread_id, _ = new_thread(protocol, "first")
    words = " ".join(f"w{i}" for i in range(200))
    body = {"type": "threads.add_user_message",
            "params": {"thread_id": thread_id, "input": user_input(script(text=words, delay=0.05))}}
    with protocol.http.stream("POST", protocol.url, json=body, headers=protocol.headers) as response:
        for event in protocol.frames(response):
            if event.type == "thread.item.updated" and event.update.type == "assistant_message.content_part.text_delta":
                break
    backing = backing_thread(ck_db, thread_id)
    deadline = time.monotonic() + 10
    while oai.beta.threads.runs.list(backing).data[0].status != "cancelled":
        assert time.monotonic() < deadline, oai.beta.threads.runs.list(backing).data[0].status
        time.sleep(0.1)
    # the thread takes the next message, and keeps what had streamed
    events = protocol.stream("threads.add_user_message", {"thread_id": thread_id, "input": user_input("next")})
    assert answer_text(events) == "next"
    items = protocol.call("items.list", {"thread_id": thread_id, "order": "asc"})["data"]
    assert [i["type"] for i in items] == ["user_message", "assistant_message", "user_message", "assistant_message",
                                          "user_message", "assistant_message"]
    assert items[3]["content"][0]["text"].startswith("w0 ")


def test_one_users_secret_cannot_reach_anothers_thread(open_protocol, assistant, user):
    _, mine = open_protocol(assistant, user)
    thread_id, events = new_thread(mine)
    _, theirs = open_protocol(assistant, user + "-b")
    item_id = events[1].item.id
    for kind, params in [("threads.get_by_id", {"thread_id": thread_id}),
                         ("items.list", {"thread_id": thread_id}),
                         ("threads.update", {"thread_id": thread_id, "title": "mine now"}),
                         ("threads.delete", {"thread_id": thread_id}),
                         ("items.feedback", {"thread_id": thread_id, "item_ids": [item_id], "kind": "negative"}),
                         ("threads.add_user_message", {"thread_id": thread_id, "input": user_input("hi")}),
                         ("threads.retry_after_item", {"thread_id": thread_id, "item_id": item_id})]:
        response = theirs.post(kind, params)
        assert response.status_code == 404, (kind, response.text)
        assert response.json()["error"]["type"] == "invalid_request_error"
    assert theirs.call("threads.list", {})["data"] == []
    assert mine.call("threads.get_by_id", {"thread_id": thread_id})["title"] == "hello"


def test_thread_requests(open_protocol, assistant, user, oai):
    _, protocol = open_protocol(assistant, user)
    thread_id, events = new_thread(protocol, "to retry")
    user_item = events[1].item.id
    assert protocol.call("threads.update", {"thread_id": thread_id, "title": "Renamed"})["title"] == "Renamed"
    assert oai.beta.chatkit.threads.retrieve(thread_id).title == "Renamed"
    assert protocol.call("items.feedback", {"thread_id": thread_id, "item_ids": [user_item], "kind": "positive"}) == {}
    retried = protocol.stream("threads.retry_after_item", {"thread_id": thread_id, "item_id": user_item})
    assert answer_text(retried) == "to retry"
    items = protocol.call("items.list", {"thread_id": thread_id, "order": "asc"})["data"]
    assert [i["type"] for i in items] == ["user_message", "assistant_message"]
    assert protocol.call("threads.delete", {"thread_id": thread_id}) == {}
    assert protocol.post("threads.get_by_id", {"thread_id": thread_id}).status_code == 404


def test_bad_requests_get_clear_errors(open_protocol, ck_server, assistant, user, oai):
    session, protocol = open_protocol(assistant, user, rate_limits={"max_requests_per_1_minute": 100})
    unknown = protocol.post("threads.teleport", {"thread_id": "x"})
    assert unknown.status_code == 400
    error = unknown.json()["error"]
    assert error["code"] == "unknown_request_type" and error["param"] == "type" and "threads.create" in error["message"]
    invalid = protocol.post("threads.create", {"input": {"content": "not a list"}})
    assert invalid.status_code == 400 and invalid.json()["error"]["param"].startswith("params.input")
    not_json = protocol.http.post(protocol.url, content=b"{nope", headers=protocol.headers)
    assert not_json.status_code == 400
    transcribe = protocol.post("input.transcribe", {"audio_base64": "AAAA", "mime_type": "audio/webm"})
    assert transcribe.status_code == 400 and transcribe.json()["error"]["code"] == "transcription_unavailable"
    missing = protocol.post("items.list", {"thread_id": "cthr_missing"})
    assert missing.status_code == 404
    thread_id, _ = new_thread(protocol)
    no_item = protocol.post("threads.retry_after_item", {"thread_id": thread_id, "item_id": "cthi_missing"})
    assert no_item.status_code == 404 and "cthi_missing" in no_item.json()["error"]["message"]
    forced = protocol.stream("threads.add_user_message", {"thread_id": thread_id, "input": user_input(
        "call it", tool_choice={"id": "no_such_tool"})})
    assert forced[-1].type == "error" and "no_such_tool" in forced[-1].message

    url = ck_server.root_url + "/v1/chatkit"
    body = {"type": "threads.list", "params": {}}
    assert httpx.post(url, json=body).json()["error"]["code"] == "missing_client_secret"
    wrong = httpx.post(url, json=body, headers={"Authorization": "Bearer ek_wrong"})
    assert wrong.status_code == 401 and wrong.json()["error"]["code"] == "invalid_client_secret"
    oai.beta.chatkit.sessions.cancel(session.id)
    cancelled = protocol.post("threads.list", {})
    assert cancelled.status_code == 401 and cancelled.json()["error"]["code"] == "session_cancelled"


def test_expired_secret_is_refused(oai, ck_server, assistant, user):
    session = oai.beta.chatkit.sessions.create(user=user, workflow={"id": assistant},
                                               expires_after={"anchor": "created_at", "seconds": 1})
    time.sleep(max(0.0, session.expires_at - time.time()) + 0.05)
    response = httpx.post(ck_server.root_url + "/v1/chatkit", json={"type": "threads.list", "params": {}},
                          headers={"Authorization": f"Bearer {session.client_secret}"})
    assert response.status_code == 401 and response.json()["error"]["code"] == "session_expired"
    assert oai.beta.chatkit.sessions.cancel(session.id).status == "expired"


def test_requests_per_minute_are_limited(open_protocol, assistant, user):
    _, protocol = open_protocol(assistant, user, rate_limits={"max_requests_per_1_minute": 2})
    assert protocol.post("threads.list", {}).status_code == 200
    assert protocol.post("threads.list", {}).status_code == 200
    limited = protocol.post("threads.list", {})
    assert limited.status_code == 429 and limited.json()["error"]["type"] == "rate_limit_error"
    assert 1 <= int(limited.headers["retry-after"]) <= 60


def test_server_to_server_with_an_api_key(ck_server, assistant, user, oai):
    protocol = Protocol(ck_server, {"Authorization": "Bearer any-key", "X-ChatKit-User": user,
                                    "X-ChatKit-Workflow": assistant})
    try:
        thread_id, _ = new_thread(protocol, "from a backend")
        assert oai.beta.chatkit.threads.retrieve(thread_id).user == user
        no_workflow = Protocol(ck_server, {"Authorization": "Bearer any-key", "X-ChatKit-User": user})
        assert no_workflow.post("threads.list", {}).status_code == 400
        no_workflow.close()
    finally:
        protocol.close()


def test_history_configuration_limits_the_thread_list(open_protocol, assistant, user):
    _, protocol = open_protocol(assistant, user, chatkit_configuration={"history": {"recent_threads": 2}})
    made = [new_thread(protocol, f"t{i}")[0] for i in range(3)]
    listed = protocol.call("threads.list", {"limit": 1})
    assert [t["id"] for t in listed["data"]] == [made[2]] and listed["has_more"]
    rest = protocol.call("threads.list", {"limit": 10, "after": listed["after"]})
    assert [t["id"] for t in rest["data"]] == [made[1]] and not rest["has_more"]
    _, hidden = open_protocol(assistant, user, chatkit_configuration={"history": {"enabled": False}})
    assert hidden.call("threads.list", {}) == {"data": [], "has_more": False}
