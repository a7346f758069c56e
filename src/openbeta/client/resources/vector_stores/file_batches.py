"""``client.vector_stores.file_batches``."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Iterable, Literal, Union

from typing_extensions import Unpack

from ....types.vector_store import VectorStoreFile, VectorStoreFileBatch
from ..._files import FileTypes
from ..._pagination import SyncCursorPage
from ..._polling import apoll_until, poll_until
from ..._request import RequestOptions
from ..._resource import APIResource, async_pages, awaitable
from ..._types import NOT_GIVEN, NotGiven, given
from .files import StatusFilter, settled

Order = Literal["asc", "desc"]


class FileBatches(APIResource):
    def create(self, vector_store_id: str, *, attributes: Union[dict[str, Any], None, NotGiven] = NOT_GIVEN,
               chunking_strategy: Union[dict[str, Any], NotGiven] = NOT_GIVEN,
               file_ids: Union[list[str], NotGiven] = NOT_GIVEN,
               files: Union[Iterable[dict[str, Any]], NotGiven] = NOT_GIVEN,
               **options: Unpack[RequestOptions]) -> VectorStoreFileBatch:
        body = given(attributes=attributes, chunking_strategy=chunking_strategy, file_ids=file_ids, files=files)
        return self._call("POST", f"vector_stores/{vector_store_id}/file_batches", options,
                          cast_to=VectorStoreFileBatch, body=body)

    def retrieve(self, batch_id: str, *, vector_store_id: str,
                 **options: Unpack[RequestOptions]) -> VectorStoreFileBatch:
        return self._call("GET", f"vector_stores/{vector_store_id}/file_batches/{batch_id}", options,
                          cast_to=VectorStoreFileBatch)

    def cancel(self, batch_id: str, *, vector_store_id: str,
               **options: Unpack[RequestOptions]) -> VectorStoreFileBatch:
        return self._call("POST", f"vector_stores/{vector_store_id}/file_batches/{batch_id}/cancel", options,
                          cast_to=VectorStoreFileBatch)

    def list_files(self, batch_id: str, *, vector_store_id: str, after: Union[str, NotGiven] = NOT_GIVEN,
                   before: Union[str, NotGiven] = NOT_GIVEN, filter: Union[StatusFilter, NotGiven] = NOT_GIVEN,
                   limit: Union[int, NotGiven] = NOT_GIVEN, order: Union[Order, NotGiven] = NOT_GIVEN,
                   **options: Unpack[RequestOptions]) -> SyncCursorPage[VectorStoreFile]:
        query = given(after=after, before=before, filter=filter, limit=limit, order=order)
        return self._call("GET", f"vector_stores/{vector_store_id}/file_batches/{batch_id}/files", options,
                          cast_to=VectorStoreFile, query=query, page=self._page_class())

    def poll(self, batch_id: str, *, vector_store_id: str,
             poll_interval_ms: Union[int, NotGiven] = NOT_GIVEN) -> VectorStoreFileBatch:
        raw = self._plain.with_raw_response
        return poll_until(lambda: raw.retrieve(batch_id, vector_store_id=vector_store_id), settled,
                          poll_interval_ms)

    def create_and_poll(self, vector_store_id: str, *, attributes: Union[dict[str, Any], None, NotGiven] = NOT_GIVEN,
                        chunking_strategy: Union[dict[str, Any], NotGiven] = NOT_GIVEN,
                        file_ids: Union[list[str], NotGiven] = NOT_GIVEN,
                        files: Union[Iterable[dict[str, Any]], NotGiven] = NOT_GIVEN,
                        poll_interval_ms: Union[int, NotGiven] = NOT_GIVEN) -> VectorStoreFileBatch:
        batch = self._plain.create(vector_store_id, attributes=attributes, chunking_strategy=chunking_strategy,
                                   file_ids=file_ids, files=files)
        return self.poll(batch.id, vector_store_id=vector_store_id, poll_interval_ms=poll_interval_ms)

    def upload_and_poll(self, vector_store_id: str, *, files: Iterable[FileTypes], max_concurrency: int = 5,
                        file_ids: Iterable[str] = (), poll_interval_ms: Union[int, NotGiven] = NOT_GIVEN,
                        chunking_strategy: Union[dict[str, Any], NotGiven] = NOT_GIVEN) -> VectorStoreFileBatch:
        """Upload ``files`` (at most ``max_concurrency`` at once), then batch them with ``file_ids``."""
        with ThreadPoolExecutor(max_workers=max_concurrency) as pool:
            uploaded = list(pool.map(lambda f: self._client.files.create(file=f, purpose="assistants"), files))
        return self.create_and_poll(vector_store_id, file_ids=[*file_ids, *(u.id for u in uploaded)],
                                    chunking_strategy=chunking_strategy, poll_interval_ms=poll_interval_ms)


class AsyncFileBatches(FileBatches):
    """Async twin: methods return awaitables; the helpers are coroutines."""

    create = awaitable(FileBatches.create)  # type: ignore[assignment]
    retrieve = awaitable(FileBatches.retrieve)  # type: ignore[assignment]
    cancel = awaitable(FileBatches.cancel)  # type: ignore[assignment]
    list_files = async_pages(FileBatches.list_files)  # type: ignore[assignment]

    async def poll(self, batch_id: str, *, vector_store_id: str,  # type: ignore[override]
                   poll_interval_ms: Union[int, NotGiven] = NOT_GIVEN) -> VectorStoreFileBatch:
        raw = self._plain.with_raw_response
        return await apoll_until(lambda: raw.retrieve(batch_id, vector_store_id=vector_store_id), settled,
                                 poll_interval_ms)

    async def create_and_poll(self, vector_store_id: str, *,  # type: ignore[override]
                              attributes: Union[dict[str, Any], None, NotGiven] = NOT_GIVEN,
                              chunking_strategy: Union[dict[str, Any], NotGiven] = NOT_GIVEN,
                              file_ids: Union[list[str], NotGiven] = NOT_GIVEN,
                              files: Union[Iterable[dict[str, Any]], NotGiven] = NOT_GIVEN,
                              poll_interval_ms: Union[int, NotGiven] = NOT_GIVEN) -> VectorStoreFileBatch:
        batch = await self._plain.create(vector_store_id, attributes=attributes,
                                         chunking_strategy=chunking_strategy, file_ids=file_ids, files=files)
        return await self.poll(batch.id, vector_store_id=vector_store_id, poll_interval_ms=poll_interval_ms)

    async def upload_and_poll(self, vector_store_id: str, *,  # type: ignore[override]
                              files: Iterable[FileTypes], max_concurrency: int = 5, file_ids: Iterable[str] = (),
                              poll_interval_ms: Union[int, NotGiven] = NOT_GIVEN,
                              chunking_strategy: Union[dict[str, Any], NotGiven] = NOT_GIVEN) -> VectorStoreFileBatch:
        limit = asyncio.Semaphore(max_concurrency)

        async def upload(file: FileTypes) -> Any:
            async with limit:
                return await self._client.files.create(file=file, purpose="assistants")

        uploaded = await asyncio.gather(*(upload(f) for f in files))
        return await self.create_and_poll(vector_store_id, file_ids=[*file_ids, *(u.id for u in uploaded)],
                                          chunking_strategy=chunking_strategy, poll_interval_ms=poll_interval_ms)
