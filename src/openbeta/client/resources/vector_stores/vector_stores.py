"""``client.vector_stores``, with ``files`` and ``file_batches`` beneath it."""

from __future__ import annotations

from functools import cached_property
from typing import Any, Literal, Optional, Union

from typing_extensions import Unpack

from ....types.vector_store import SearchResult, VectorStore, VectorStoreDeleted
from ..._pagination import SyncCursorPage, SyncPage
from ..._request import RequestOptions
from ..._resource import APIResource, async_pages, awaitable
from ..._types import NOT_GIVEN, NotGiven, given
from .file_batches import AsyncFileBatches, FileBatches
from .files import AsyncVectorStoreFiles, VectorStoreFiles

Order = Literal["asc", "desc"]


class VectorStores(APIResource):
    @cached_property
    def files(self) -> VectorStoreFiles:
        return self._child(VectorStoreFiles, AsyncVectorStoreFiles)

    @cached_property
    def file_batches(self) -> FileBatches:
        return self._child(FileBatches, AsyncFileBatches)

    def create(self, *, chunking_strategy: Union[dict[str, Any], NotGiven] = NOT_GIVEN,
               description: Union[str, NotGiven] = NOT_GIVEN,
               expires_after: Union[dict[str, Any], NotGiven] = NOT_GIVEN,
               file_ids: Union[list[str], NotGiven] = NOT_GIVEN,
               metadata: Union[Optional[dict[str, str]], NotGiven] = NOT_GIVEN,
               name: Union[str, NotGiven] = NOT_GIVEN, **options: Unpack[RequestOptions]) -> VectorStore:
        body = given(chunking_strategy=chunking_strategy, description=description, expires_after=expires_after,
                     file_ids=file_ids, metadata=metadata, name=name)
        return self._call("POST", "vector_stores", options, cast_to=VectorStore, body=body)

    def retrieve(self, vector_store_id: str, **options: Unpack[RequestOptions]) -> VectorStore:
        return self._call("GET", f"vector_stores/{vector_store_id}", options, cast_to=VectorStore)

    def update(self, vector_store_id: str, *, expires_after: Union[Optional[dict[str, Any]], NotGiven] = NOT_GIVEN,
               metadata: Union[Optional[dict[str, str]], NotGiven] = NOT_GIVEN,
               name: Union[Optional[str], NotGiven] = NOT_GIVEN, **options: Unpack[RequestOptions]) -> VectorStore:
        return self._call("POST", f"vector_stores/{vector_store_id}", options, cast_to=VectorStore,
                          body=given(expires_after=expires_after, metadata=metadata, name=name))

    def list(self, *, after: Union[str, NotGiven] = NOT_GIVEN, before: Union[str, NotGiven] = NOT_GIVEN,
             limit: Union[int, NotGiven] = NOT_GIVEN, order: Union[Order, NotGiven] = NOT_GIVEN,
             **options: Unpack[RequestOptions]) -> SyncCursorPage[VectorStore]:
        query = given(after=after, before=before, limit=limit, order=order)
        return self._call("GET", "vector_stores", options, cast_to=VectorStore, query=query,
                          page=self._page_class())

    def delete(self, vector_store_id: str, **options: Unpack[RequestOptions]) -> VectorStoreDeleted:
        return self._call("DELETE", f"vector_stores/{vector_store_id}", options, cast_to=VectorStoreDeleted)

    def search(self, vector_store_id: str, *, query: Union[str, list[str]],
               filters: Union[dict[str, Any], NotGiven] = NOT_GIVEN,
               max_num_results: Union[int, NotGiven] = NOT_GIVEN,
               ranking_options: Union[dict[str, Any], NotGiven] = NOT_GIVEN,
               rewrite_query: Union[bool, NotGiven] = NOT_GIVEN,
               **options: Unpack[RequestOptions]) -> SyncPage[SearchResult]:
        """Search the store's chunks; one page of results, best first."""
        body = given(query=query, filters=filters, max_num_results=max_num_results,
                     ranking_options=ranking_options, rewrite_query=rewrite_query)
        return self._call("POST", f"vector_stores/{vector_store_id}/search", options,
                          cast_to=SearchResult, body=body, page=self._page_class(single=True))


class AsyncVectorStores(VectorStores):
    """Async twin: methods return awaitables (lists and search an async paginator)."""

    create = awaitable(VectorStores.create)  # type: ignore[assignment]
    retrieve = awaitable(VectorStores.retrieve)  # type: ignore[assignment]
    update = awaitable(VectorStores.update)  # type: ignore[assignment]
    list = async_pages(VectorStores.list)  # type: ignore[assignment]
    delete = awaitable(VectorStores.delete)  # type: ignore[assignment]
    search = async_pages(VectorStores.search)  # type: ignore[assignment]

    @cached_property
    def files(self) -> AsyncVectorStoreFiles:
        return self._child(VectorStoreFiles, AsyncVectorStoreFiles)

    @cached_property
    def file_batches(self) -> AsyncFileBatches:
        return self._child(FileBatches, AsyncFileBatches)
