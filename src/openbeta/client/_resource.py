"""Resource base: one class body serves both clients.

A resource method builds an :class:`APIRequest` and hands it to its client;
the sync client returns the result, the async client an awaitable. So every
``AsyncX`` twin inherits ``X``'s request building and only re-implements the
helpers that wait (polling, event-handler streams).
"""

from __future__ import annotations

from functools import cached_property
from typing import Any, ClassVar, Mapping, Optional, TypeVar

from ._request import APIRequest

R = TypeVar("R", bound="APIResource")


class APIResource:
    """A group of endpoints; ``with_raw_response`` / ``with_streaming_response`` give twins in those modes."""

    _beta: ClassVar[Optional[str]] = None

    def __init__(self, client: Any, mode: str = "parse") -> None:
        self._client = client
        self._mode = mode

    @cached_property
    def with_raw_response(self: R) -> R:
        """The same methods, returning the raw response (``.headers``, ``.status_code``, ``.parse()``)."""
        return type(self)(self._client, "raw")

    @cached_property
    def with_streaming_response(self: R) -> R:
        """The same methods as context managers whose body is read only when asked."""
        return type(self)(self._client, "stream")

    @cached_property
    def _plain(self: R) -> R:
        """This resource in plain (parsed) mode, for helpers built on other methods."""
        return self if self._mode == "parse" else type(self)(self._client)

    def _child(self, sync_cls: type[R], async_cls: type[R]) -> R:
        return (async_cls if self._client.is_async else sync_cls)(self._client, self._mode)

    def _call(self, method: str, path: str, options: Mapping[str, Any], *, cast_to: Any = None,
              body: Optional[dict[str, Any]] = None, query: Optional[dict[str, Any]] = None,
              page: Any = None, stream: Any = None, files: Any = None) -> Any:
        headers = {"OpenAI-Beta": self._beta} if self._beta else {}
        req = APIRequest(method=method, path=path, cast_to=cast_to, body=body, query=query or {},
                         headers=headers, page=page, stream=stream, files=files)
        return self._client.request(req.with_options(options), self._mode)

    def _page_class(self, single: bool = False) -> Any:
        """The page class for lists: cursor pages, or one complete page when ``single``."""
        from ._pagination import AsyncCursorPage, AsyncPage, SyncCursorPage, SyncPage

        if single:
            return AsyncPage if self._client.is_async else SyncPage
        return AsyncCursorPage if self._client.is_async else SyncCursorPage
