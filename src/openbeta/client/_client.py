"""``OpenBeta`` and ``AsyncOpenBeta``: the entry points of the SDK."""

from __future__ import annotations

from functools import cached_property

from ._base_client import AsyncAPIClient, SyncAPIClient
from .resources.beta import AsyncBeta, Beta
from .resources.files import AsyncFiles, Files
from .resources.vector_stores import AsyncVectorStores, VectorStores


class OpenBeta(SyncAPIClient):
    """Synchronous client. ``OpenBeta(base_url=..., api_key=...)``; use as a context manager or ``close()``."""

    @cached_property
    def beta(self) -> Beta:
        return Beta(self)

    @cached_property
    def files(self) -> Files:
        return Files(self)

    @cached_property
    def vector_stores(self) -> VectorStores:
        return VectorStores(self)

    @cached_property
    def with_raw_response(self) -> "_RawOpenBeta":
        return _RawOpenBeta(self, "raw")

    @cached_property
    def with_streaming_response(self) -> "_RawOpenBeta":
        return _RawOpenBeta(self, "stream")


class AsyncOpenBeta(AsyncAPIClient):
    """Asynchronous client (``httpx.AsyncClient``); ``async with`` or ``await close()``."""

    @cached_property
    def beta(self) -> AsyncBeta:
        return AsyncBeta(self)

    @cached_property
    def files(self) -> AsyncFiles:
        return AsyncFiles(self)

    @cached_property
    def vector_stores(self) -> AsyncVectorStores:
        return AsyncVectorStores(self)

    @cached_property
    def with_raw_response(self) -> "_RawOpenBeta":
        return _RawOpenBeta(self, "raw")

    @cached_property
    def with_streaming_response(self) -> "_RawOpenBeta":
        return _RawOpenBeta(self, "stream")


class _RawOpenBeta:
    """``client.with_raw_response.beta...``: the resource tree in raw or streaming-response mode."""

    def __init__(self, client: SyncAPIClient | AsyncAPIClient, mode: str) -> None:
        async_ = client.is_async
        self.beta = (AsyncBeta if async_ else Beta)(client, mode)
        self.files = (AsyncFiles if async_ else Files)(client, mode)
        self.vector_stores = (AsyncVectorStores if async_ else VectorStores)(client, mode)
