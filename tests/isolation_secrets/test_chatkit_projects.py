"""ChatKit sessions belong to the project of the key that created them, and everything a session makes
(threads, items, attachments, the backing thread, runs and files) lives in that project: another
project's keys and sessions get exactly the 404 an unknown id gets."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest

pytest.importorskip("chatkit.types")

from isolation_secrets_support import (  # noqa: E402
    DEFAULT_KEY, KEY_P, KEY_Q, protocol, same_as_unknown, sdk, sdk_error, secret_headers,
)

UNKNOWN_THREAD = "cthr_unknown000000000000000"
UNKNOWN_ASSISTANT = "asst_unknown0000000000000000"
UNKNOWN_SESSION = "cksess_unknown0000000000000"
UNKNOWN_ATTACHMENT = "cka_unknown00000000000000000"
UNKNOWN_FILE = "file-unknown0000000000000000"
UNKNOWN_BACKING = "thread_unknown00000000000000"


def user_input(text: str, attachments: Any = ()) -> dict[str, Any]:
    return {"content": [{"type": "input_text", "text": text}], "attachments": list(attachments),
            "inference_options": {}}


@pytest.fixture(scope="module")
def server_db(secrets_server):
    """The server's database, to find the assistants thread behind a ChatKit thread (no route shows it)."""
    from openbeta.server.settings import Settings
    from openbeta.server.store import Database

    db = Database(Settings(data_dir=secrets_server.data_dir,
                           database_url=secrets_server.env.get("OPENBETA_DATABASE_URL")).resolved_database_url())
    yield db
    db.dispose()


@pytest.fixture(scope="module")
def world(secrets_server, server_db) -> dict[str, Any]:
    """Projects P and Q, each with an assistant and a session of the same end user; P's session made
    a thread with one turn carrying an uploaded attachment."""
    from sqlalchemy import select

    from openbeta.server.store.tables import ChatKitThreadRow

    p, q = sdk(secrets_server, KEY_P), sdk(secrets_server, KEY_Q)
    user = "user-" + uuid.uuid4().hex[:8]
    out: dict[str, Any] = {"p": p, "q": q, "user": user}
    for name, client in (("p", p), ("q", q)):
        out[f"{name}_assistant"] = client.beta.assistants.create(model="scripted", instructions="Help.").id
        session = client.beta.chatkit.sessions.create(
            user=user, workflow={"id": out[f"{name}_assistant"]},
            chatkit_configuration={"file_upload": {"enabled": True}}, rate_limits={"max_requests_per_1_minute": 200})
        out[f"{name}_session"] = session.id
        out[f"{name}_secret"] = secret_headers(session.client_secret)
    created = protocol(secrets_server, out["p_secret"], "attachments.create",
                       {"name": "notes.txt", "size": 11, "mime_type": "text/plain"})
    assert created.status_code == 200, created.text
    attachment = created.json()
    upload = attachment["upload_descriptor"]
    assert httpx.request(upload["method"], upload["url"], content=b"zebra notes").status_code == 200
    out["attachment"] = attachment["id"]
    answer = protocol(secrets_server, out["p_secret"], "threads.create",
                      {"input": user_input("hello from P", [attachment["id"]])})
    assert answer.status_code == 200 and '"thread.created"' in answer.text, answer.text
    out["thread"] = next(iter(p.beta.chatkit.threads.list(user=user))).id
    with server_db.session() as s:
        out["backing"] = s.scalar(select(ChatKitThreadRow.thread_id).where(ChatKitThreadRow.id == out["thread"]))
    return out


def test_a_session_works_in_its_keys_project(world):
    p = world["p"]
    assert p.beta.chatkit.threads.retrieve(world["thread"]).user == world["user"]
    items = list(p.beta.chatkit.threads.list_items(world["thread"], order="asc"))
    assert [i.type for i in items] == ["chatkit.user_message", "chatkit.assistant_message"]
    # the backing thread, its run and the attachment's file are P's
    runs = list(p.beta.threads.runs.list(thread_id=world["backing"]))
    assert [r.assistant_id for r in runs] == [world["p_assistant"]] and runs[0].status == "completed"
    message = p.beta.threads.messages.list(world["backing"], order="asc").data[0]
    assert p.files.retrieve(message.attachments[0].file_id).filename == "notes.txt"


def test_another_projects_key_sees_nothing_of_it(world):
    q = world["q"]
    for client in (q, world["p"].with_options(api_key=DEFAULT_KEY)):
        assert world["thread"] not in [t.id for t in client.beta.chatkit.threads.list()]
        assert list(client.beta.chatkit.threads.list(user=world["user"])) == []
    threads = q.beta.chatkit.threads
    for call in (threads.retrieve, threads.delete, lambda thread_id: list(threads.list_items(thread_id))):
        same_as_unknown(sdk_error(lambda: call(world["thread"])), sdk_error(lambda: call(UNKNOWN_THREAD)),
                        world["thread"], UNKNOWN_THREAD)
    same_as_unknown(sdk_error(lambda: q.beta.threads.retrieve(world["backing"])),
                    sdk_error(lambda: q.beta.threads.retrieve(UNKNOWN_BACKING)), world["backing"], UNKNOWN_BACKING)
    file_id = world["p"].beta.threads.messages.list(world["backing"]).data[-1].attachments[0].file_id
    same_as_unknown(sdk_error(lambda: q.files.retrieve(file_id)), sdk_error(lambda: q.files.retrieve(UNKNOWN_FILE)),
                    file_id, UNKNOWN_FILE)
    same_as_unknown(sdk_error(lambda: q.beta.chatkit.sessions.cancel(world["p_session"])),
                    sdk_error(lambda: q.beta.chatkit.sessions.cancel(UNKNOWN_SESSION)),
                    world["p_session"], UNKNOWN_SESSION)
    # a session's workflow is an assistant of the key's project
    same_as_unknown(
        sdk_error(lambda: q.beta.chatkit.sessions.create(user="u", workflow={"id": world["p_assistant"]})),
        sdk_error(lambda: q.beta.chatkit.sessions.create(user="u", workflow={"id": UNKNOWN_ASSISTANT})),
        world["p_assistant"], UNKNOWN_ASSISTANT)
    assert world["p"].beta.chatkit.threads.retrieve(world["thread"]).id == world["thread"]  # not deleted


def test_another_projects_session_sees_nothing_of_it(secrets_server, world):
    """Q's session has the same end user, yet P's threads, items and attachments are unknown to it."""
    def ask(kind: str, params: dict[str, Any]) -> httpx.Response:
        return protocol(secrets_server, world["q_secret"], kind, params)

    assert ask("threads.list", {}).json()["data"] == []
    for kind, params in (("threads.get_by_id", {"thread_id": "{t}"}), ("items.list", {"thread_id": "{t}"}),
                         ("threads.update", {"thread_id": "{t}", "title": "mine now"}),
                         ("threads.add_user_message", {"thread_id": "{t}", "input": user_input("hi")}),
                         ("threads.delete", {"thread_id": "{t}"})):
        def fill(thread_id: str) -> dict[str, Any]:
            return {k: (thread_id if v == "{t}" else v) for k, v in params.items()}
        same_as_unknown(ask(kind, fill(world["thread"])), ask(kind, fill(UNKNOWN_THREAD)),
                        world["thread"], UNKNOWN_THREAD)
    same_as_unknown(ask("attachments.delete", {"attachment_id": world["attachment"]}),
                    ask("attachments.delete", {"attachment_id": UNKNOWN_ATTACHMENT}),
                    world["attachment"], UNKNOWN_ATTACHMENT)
    # a message naming P's attachment: the attachment is unknown in Q
    theirs = ask("threads.create", {"input": user_input("steal", [world["attachment"]])})
    unknown = ask("threads.create", {"input": user_input("steal", [UNKNOWN_ATTACHMENT])})
    same_as_unknown(theirs, unknown, world["attachment"], UNKNOWN_ATTACHMENT)
    assert world["p"].beta.chatkit.threads.retrieve(world["thread"]).title is not None  # untouched


def test_server_to_server_requests_act_for_the_keys_project(secrets_server, world):
    def backend(key: str, workflow: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {key}", "X-ChatKit-User": world["user"], "X-ChatKit-Workflow": workflow}

    mine = protocol(secrets_server, backend(KEY_P, world["p_assistant"]), "threads.list", {})
    assert [t["id"] for t in mine.json()["data"]] == [world["thread"]]
    theirs = protocol(secrets_server, backend(KEY_Q, world["q_assistant"]), "threads.list", {})
    assert theirs.json()["data"] == []
    same_as_unknown(protocol(secrets_server, backend(KEY_Q, world["p_assistant"]), "threads.list", {}),
                    protocol(secrets_server, backend(KEY_Q, UNKNOWN_ASSISTANT), "threads.list", {}),
                    world["p_assistant"], UNKNOWN_ASSISTANT)
    wrong = protocol(secrets_server, backend("sk-nobody-000", world["p_assistant"]), "threads.list", {})
    assert wrong.status_code == 401 and wrong.json()["error"]["code"] == "invalid_api_key"
