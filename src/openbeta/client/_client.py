"""``OpenBeta`` and ``AsyncOpenBeta``: the entry points of the SDK."""

from __future__ import annotations

from functools import cached_property
from typing import Any

from ._base_client import AsyncAPIClient, SyncAPIClient
from .resources.beta import AsyncBeta, Beta
from .resources.conversations import AsyncConversations, Conversations
from .resources.files import AsyncFiles, Files
from .resources.models import AsyncModels, Models
from .resources.realtime import AsyncRealtime, Realtime
from .resources.responses import AsyncResponses, Responses
from .resources.vector_stores import AsyncVectorStores, VectorStores


class ResourceTree:
    """The top of the resource tree (``beta``, ``responses``, ``conversations``, ``files``, ``vector_stores``,
    ``models``, ``realtime``) in one response mode."""

    def __init__(self, client: Any, mode: str = "parse") -> None:
        async_ = client.is_async
        self.beta: Beta = (AsyncBeta if async_ else Beta)(client, mode)
        self.responses: Responses = (AsyncResponses if async_ else Responses)(client, mode)
        self.conversations: Conversations = (AsyncConversations if async_ else Conversations)(client, mode)
        self.files: Files = (AsyncFiles if async_ else Files)(client, mode)
        self.vector_stores: VectorStores = (AsyncVectorStores if async_ else VectorStores)(client, mode)
        self.models: Models = (AsyncModels if async_ else Models)(client, mode)
        self.realtime: Realtime = (AsyncRealtime if async_ else Realtime)(client, mode)


class _ClientResources:
    """Resource properties shared by both clients; the classes follow the client's ``is_async``."""

    @cached_property
    def _tree(self) -> ResourceTree:
        return ResourceTree(self)

    @property
    def beta(self) -> Beta:
        return self._tree.beta

    @property
    def responses(self) -> Responses:
        return self._tree.responses

    @property
    def conversations(self) -> Conversations:
        return self._tree.conversations

    @property
    def files(self) -> Files:
        return self._tree.files

    @property
    def vector_stores(self) -> VectorStores:
        return self._tree.vector_stores

    @property
    def models(self) -> Models:
        return self._tree.models

    @property
    def realtime(self) -> Realtime:
        """The GA realtime surface (``client.beta.realtime`` is the beta one)."""
        return self._tree.realtime

    @cached_property
    def with_raw_response(self) -> ResourceTree:
        """``client.with_raw_response.beta.assistants.create(...)`` returns raw responses."""
        return ResourceTree(self, "raw")

    @cached_property
    def with_streaming_response(self) -> ResourceTree:
        return ResourceTree(self, "stream")


class OpenBeta(_ClientResources, SyncAPIClient):
    """Synchronous client. ``OpenBeta(base_url=..., api_key=...)``; use as a context manager or ``close()``."""


class AsyncOpenBeta(_ClientResources, AsyncAPIClient):
    """Asynchronous client (``httpx.AsyncClient``); ``async with`` or ``await close()``.

    The resource tree is the same; ``client.beta`` is an ``AsyncBeta`` and so on down.
    """

    @property
    def beta(self) -> AsyncBeta:  # type: ignore[override]
        return self._tree.beta  # type: ignore[return-value]

    @property
    def responses(self) -> AsyncResponses:  # type: ignore[override]
        return self._tree.responses  # type: ignore[return-value]

    @property
    def conversations(self) -> AsyncConversations:  # type: ignore[override]
        return self._tree.conversations  # type: ignore[return-value]

    @property
    def files(self) -> AsyncFiles:  # type: ignore[override]
        return self._tree.files  # type: ignore[return-value]

    @property
    def vector_stores(self) -> AsyncVectorStores:  # type: ignore[override]
        return self._tree.vector_stores  # type: ignore[return-value]

    @property
    def models(self) -> AsyncModels:  # type: ignore[override]
        return self._tree.models  # type: ignore[return-value]

    @property
    def realtime(self) -> AsyncRealtime:  # type: ignore[override]
        return self._tree.realtime  # type: ignore[return-value]
