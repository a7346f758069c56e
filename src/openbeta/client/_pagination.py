"""Cursor pages (``limit`` / ``after`` / ``before``) that iterate across pages on their own."""

from __future__ import annotations

from typing import Any, AsyncIterator, Generator, Generic, Iterator, Optional, TypeVar

import httpx

from ._request import APIRequest

T = TypeVar("T")


class _CursorPageBase(Generic[T]):
    object: str
    data: list[T]
    has_more: bool
    first_id: Optional[str]
    last_id: Optional[str]

    def __init__(self, *, data: list[T], has_more: bool, first_id: Optional[str], last_id: Optional[str],
                 client: Any, request: APIRequest, response: Optional[httpx.Response] = None,
                 extra: Optional[dict[str, Any]] = None) -> None:
        self.object = "list"
        self.data = data
        self.has_more = has_more
        self.first_id = first_id
        self.last_id = last_id
        self.extra = extra or {}
        self._client = client
        self._request = request
        self._response = response

    @classmethod
    def build(cls, body: Any, *, client: Any, request: APIRequest, item: Any,
              response: Optional[httpx.Response] = None) -> "_CursorPageBase[T]":
        from ._response import parse_json

        body = body if isinstance(body, dict) else {}
        items = [parse_json(item, entry, response) for entry in body.get("data") or []]  # type: ignore[arg-type]
        known = {"object", "data", "has_more", "first_id", "last_id"}
        return cls(data=items, has_more=bool(body.get("has_more")), first_id=body.get("first_id"),
                   last_id=body.get("last_id"), client=client, request=request, response=response,
                   extra={k: v for k, v in body.items() if k not in known})

    def has_next_page(self) -> bool:
        return bool(self.has_more and self.data) and self.next_page_info() is not None

    def next_page_info(self) -> Optional[dict[str, str]]:
        """The cursor for the next page: ``before`` when paging backwards, else ``after``."""
        if not self.data:
            return None
        if self._request.query.get("before") and not self._request.query.get("after"):
            cursor = self.first_id or getattr(self.data[0], "id", None)
            return {"before": cursor} if cursor else None
        cursor = self.last_id or getattr(self.data[-1], "id", None)
        return {"after": cursor} if cursor else None

    def _next_request(self) -> APIRequest:
        info = self.next_page_info()
        if not self.has_more or info is None:
            raise RuntimeError("No next page: check has_next_page() first.")
        query = {k: v for k, v in self._request.query.items() if k not in ("after", "before")}
        query.update(info)
        return APIRequest(**{**self._request.__dict__, "query": query})

    def __repr__(self) -> str:
        return f"{type(self).__name__}(data={self.data!r}, has_more={self.has_more})"


class SyncCursorPage(_CursorPageBase[T]):
    """One page; iterate it to walk every item of every following page."""

    def get_next_page(self) -> "SyncCursorPage[T]":
        return self._client.request(self._next_request())

    def iter_pages(self) -> Iterator["SyncCursorPage[T]"]:
        page = self
        while True:
            yield page
            if not page.has_next_page():
                return
            page = page.get_next_page()

    def __iter__(self) -> Iterator[T]:  # type: ignore[override]
        for page in self.iter_pages():
            yield from page.data


class AsyncCursorPage(_CursorPageBase[T]):
    """The async twin of :class:`SyncCursorPage` (``async for`` walks every page)."""

    async def get_next_page(self) -> "AsyncCursorPage[T]":
        return await self._client.request(self._next_request())

    async def iter_pages(self) -> AsyncIterator["AsyncCursorPage[T]"]:
        page = self
        while True:
            yield page
            if not page.has_next_page():
                return
            page = await page.get_next_page()

    async def __aiter__(self) -> AsyncIterator[T]:
        async for page in self.iter_pages():
            for item in page.data:
                yield item


class AsyncPaginator(Generic[T]):
    """What an async ``list()`` returns: ``await`` it for the first page, or ``async for`` the items."""

    def __init__(self, client: Any, request: APIRequest) -> None:
        self._client = client
        self._request = request

    def __await__(self) -> Generator[Any, None, AsyncCursorPage[T]]:
        return self._client.fetch(self._request).__await__()

    async def __aiter__(self) -> AsyncIterator[T]:
        page: AsyncCursorPage[T] = await self
        async for item in page:
            yield item


class SyncPage(SyncCursorPage[T]):
    """A single, complete page (search results, file contents): nothing to fetch after it."""

    def has_next_page(self) -> bool:
        return False


class AsyncPage(AsyncCursorPage[T]):
    """The async twin of :class:`SyncPage`."""

    def has_next_page(self) -> bool:
        return False
