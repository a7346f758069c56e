"""What a ChatKit caller can make the server hold is bounded: deep JSON, negative or exceeded
attachment sizes, concurrent uploads of one attachment, uploads after the session ends, user messages the
backing thread would refuse, and titles."""

from __future__ import annotations

import concurrent.futures

import httpx
from sqlalchemy import func, select

from chatkit_helpers import new_thread, user_input


def _uploads(open_protocol, assistant, user, **upload):
    return open_protocol(assistant, user, chatkit_configuration={"file_upload": {"enabled": True, **upload}})


def test_deep_json_is_a_400(open_protocol, assistant, user):
    _, protocol = open_protocol(assistant, user)
    answer = protocol.http.post(protocol.url, content="[" * 1000 + "]" * 1000, headers=protocol.headers)
    assert answer.status_code == 400, answer.text
    assert answer.json()["error"]["type"] == "invalid_request_error"


def test_attachment_sizes_are_checked_and_enforced(open_protocol, assistant, user):
    _, protocol = _uploads(open_protocol, assistant, user, max_files=5, max_file_size=1)
    negative = protocol.post("attachments.create", {"name": "a.txt", "size": -1, "mime_type": "text/plain"})
    assert negative.status_code == 400 and negative.json()["error"]["param"] == "size"
    small = protocol.call("attachments.create", {"name": "a.txt", "size": 5, "mime_type": "text/plain"})
    url = small["upload_descriptor"]["url"]
    over = httpx.post(url, content=b"0123456789")  # more than the 5 bytes declared
    assert over.status_code == 413, over.text
    raw = httpx.post(url, files={"file": ("a.txt", b"x" * 4096)})
    assert raw.status_code == 413, raw.text
    assert httpx.post(url, content=b"hello").status_code == 200  # the refused tries left it uploadable


def test_concurrent_uploads_of_one_attachment_make_one_file(open_protocol, assistant, user, ck_db):
    from openbeta.server.store.tables import FileRow

    _, protocol = _uploads(open_protocol, assistant, user, max_files=5)
    attachment = protocol.call("attachments.create", {"name": "race.txt", "size": 2_000_000,
                                                      "mime_type": "text/plain"})
    url = attachment["upload_descriptor"]["url"]
    with ck_db.session() as s:
        before = s.scalar(select(func.count()).select_from(FileRow).where(FileRow.body.is_not(None)))
    with concurrent.futures.ThreadPoolExecutor(6) as pool:
        statuses = sorted(pool.map(lambda _: httpx.post(url, content=b"y" * 2_000_000, timeout=60).status_code,
                                   range(6)))
    assert statuses.count(200) == 1 and set(statuses) <= {200, 409}, statuses
    with ck_db.session() as s:
        after = s.scalar(select(func.count()).select_from(FileRow).where(FileRow.body.is_not(None)))
    assert after - before == 1


def test_uploads_stop_with_the_session(oai, open_protocol, assistant, user):
    session, protocol = _uploads(open_protocol, assistant, user, max_files=5)
    attachment = protocol.call("attachments.create", {"name": "late.txt", "size": 4, "mime_type": "text/plain"})
    oai.beta.chatkit.sessions.cancel(session.id)
    late = httpx.post(attachment["upload_descriptor"]["url"], content=b"late")
    assert late.status_code == 401, late.text


def test_oversized_messages_and_titles_are_refused_before_anything_is_stored(oai, open_protocol, assistant, user):
    _, protocol = open_protocol(assistant, user)
    thread_id, _ = new_thread(protocol)
    items_before = len(list(oai.beta.chatkit.threads.list_items(thread_id)))
    huge = protocol.post("threads.add_user_message", {"thread_id": thread_id,
                                                      "input": user_input("x" * 300_000)})
    assert huge.status_code == 400 and huge.json()["error"]["param"] == "input.content"
    assert len(list(oai.beta.chatkit.threads.list_items(thread_id))) == items_before
    long_title = protocol.post("threads.update", {"thread_id": thread_id, "title": "t" * 2_000_000})
    assert long_title.status_code == 400 and long_title.json()["error"]["param"] == "title"
    assert protocol.post("threads.update", {"thread_id": thread_id, "title": "t" * 512}).status_code == 200
