"""Pagination through an SDK: manual pages both ways and auto-pagination."""

from __future__ import annotations

import pytest

COUNT = 23


@pytest.fixture
def thread_ids(client) -> tuple[str, list[str]]:
    thread = client.beta.threads.create(messages=[{"role": "user", "content": f"m{i}"} for i in range(10)])
    ids = [m.id for m in client.beta.threads.messages.list(thread.id, order="asc", limit=100)]
    for i in range(10, COUNT):
        ids.append(client.beta.threads.messages.create(thread.id, role="user", content=f"m{i}").id)
    return thread.id, ids


def test_auto_pagination_both_orders(client, thread_ids):
    tid, ids = thread_ids
    assert [m.id for m in client.beta.threads.messages.list(tid, limit=4, order="asc")] == ids
    assert [m.id for m in client.beta.threads.messages.list(tid, limit=4)] == ids[::-1]
    assert [m.content[0].text.value for m in client.beta.threads.messages.list(tid, limit=100, order="asc")] == [
        f"m{i}" for i in range(COUNT)]


def test_manual_pages_forward_and_back(client, thread_ids):
    tid, ids = thread_ids
    first = client.beta.threads.messages.list(tid, limit=5, order="asc")
    assert [m.id for m in first.data] == ids[:5] and first.has_more
    assert first.first_id == ids[0] and first.last_id == ids[4]
    second = first.get_next_page()
    assert [m.id for m in second.data] == ids[5:10]
    back = client.beta.threads.messages.list(tid, limit=5, order="asc", before=second.first_id)
    assert [m.id for m in back.data] == ids[:5] and not back.has_more
    last = client.beta.threads.messages.list(tid, limit=5, order="asc", after=ids[-3])
    assert [m.id for m in last.data] == ids[-2:] and not last.has_more and not last.has_next_page()


def test_assistants_auto_pagination(client):
    created = [client.beta.assistants.create(model="m", name=f"page-{i}").id for i in range(7)]
    listed = [a.id for a in client.beta.assistants.list(limit=3, order="asc")]
    positions = [listed.index(i) for i in created]
    assert positions == sorted(positions) and len(set(listed)) == len(listed)
    newest_first = [a.id for a in client.beta.assistants.list(limit=2)]
    assert newest_first[:7] == created[::-1]
