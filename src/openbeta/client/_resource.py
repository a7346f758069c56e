"""Resource base: one class body serves both clients.

A resource method builds an :class:`APIRequest` and hands it to its client;
the sync client returns the result, the async client an awaitable. So every
``AsyncX`` twin inherits ``X``'s request building, re-exports each plain method
with its async type (``create = awaitable(X.create)``), and re-implements only
the helpers that wait (polling, event-handler streams) as ``async def``.
"""

from __future__ import annotations

from functools import cached_property
from typing import Any, Awaitable, Callable, ClassVar, Mapping, Optional, TypeVar, Union

from typing_extensions import Concatenate, ParamSpec

from ._pagination import AsyncPaginator, SyncCursorPage
from ._request import APIRequest
from ._streaming import AsyncStream, Stream

R = TypeVar("R", bound="APIResource")
P = ParamSpec("P")
T = TypeVar("T")
E = TypeVar("E")


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
        from ._pagination import AsyncCursorPage, AsyncPage, SyncPage

        if single:
            return AsyncPage if self._client.is_async else SyncPage
        return AsyncCursorPage if self._client.is_async else SyncCursorPage


# ------------------------------------------------------------ async twins
#
# An async twin re-exports each plain method of its sync resource through one
# of these: the body (request building) is shared, and a type checker sees the
# async return type. At run time the method is unchanged, since the async
# client's ``request`` already returns an awaitable (or an async paginator).

def awaitable(method: Callable[Concatenate[Any, P], T]) -> Callable[Concatenate[Any, P], Awaitable[T]]:
    """``method`` as the async client runs it: ``await resource.method(...)`` gives ``T``."""
    return method  # type: ignore[return-value]


def async_pages(method: Callable[Concatenate[Any, P], SyncCursorPage[T]]
                ) -> Callable[Concatenate[Any, P], AsyncPaginator[T]]:
    """A list method as the async client runs it: ``await`` it for a page, or ``async for`` the items."""
    return method  # type: ignore[return-value]


def awaitable_or_stream(method: Callable[Concatenate[Any, P], Union[T, Stream[E]]]
                        ) -> Callable[Concatenate[Any, P], Awaitable[Union[T, AsyncStream[E]]]]:
    """A method that answers an object, or an event stream when called with ``stream=True``."""
    return method  # type: ignore[return-value]
