"""Cursor pagination against the live server: pages, cursors both ways, auto-pagination, async."""

from __future__ import annotations

import pytest

from openbeta import AsyncOpenBeta, AsyncPaginator, OpenBeta, SyncCursorPage


@pytest.fixture
def thread_with_messages(openbeta_client: OpenBeta) -> tuple[str, list[str]]:
    thread = openbeta_client.beta.threads.create()
    ids = [openbeta_client.beta.threads.messages.create(thread.id, role="user", content=f"m{i}").id for i in range(7)]
    return thread.id, ids


def test_pages_walk_forward_and_backward(openbeta_client: OpenBeta, thread_with_messages) -> None:
    thread_id, ids = thread_with_messages
    first = openbeta_client.beta.threads.messages.list(thread_id, limit=3, order="asc")
    assert isinstance(first, SyncCursorPage)
    assert [m.id for m in first.data] == ids[:3] and first.has_more and first.has_next_page()
    second = first.get_next_page()
    assert second._request.query["after"] == ids[2]
    assert [m.id for m in second.data] == ids[3:6]
    third = second.get_next_page()
    assert [m.id for m in third.data] == ids[6:] and not third.has_next_page()
    with pytest.raises(RuntimeError):
        third.get_next_page()
    back = openbeta_client.beta.threads.messages.list(thread_id, limit=2, order="asc", before=ids[6])
    assert [m.id for m in back.data] == ids[4:6] and back.has_next_page()
    earlier = back.get_next_page()
    assert earlier._request.query["before"] == ids[4]
    assert [m.id for m in earlier.data] == ids[2:4]


def test_auto_pagination_yields_every_item(openbeta_client: OpenBeta, thread_with_messages) -> None:
    thread_id, ids = thread_with_messages
    page = openbeta_client.beta.threads.messages.list(thread_id, limit=2, order="asc")
    assert [m.id for m in page] == ids
    assert [m.id for m in openbeta_client.beta.threads.messages.list(thread_id, limit=3)] == ids[::-1]
    assert len(list(page.iter_pages())) == 4


async def test_async_pagination(live_server, thread_with_messages) -> None:
    thread_id, ids = thread_with_messages
    async with AsyncOpenBeta(base_url=live_server.base_url, api_key="k") as openbeta_client:
        paginator = openbeta_client.beta.threads.messages.list(thread_id, limit=3, order="asc")
        assert isinstance(paginator, AsyncPaginator)
        page = await paginator
        assert [m.id for m in page.data] == ids[:3] and page.has_next_page()
        nxt = await page.get_next_page()
        assert [m.id for m in nxt.data] == ids[3:6]
        collected = [m.id async for m in openbeta_client.beta.threads.messages.list(thread_id, limit=2, order="asc")]
        assert collected == ids
