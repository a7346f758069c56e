"""``client.vector_stores.files``."""

from __future__ import annotations

from typing import Any, Literal, Union

from typing_extensions import Unpack

from ....types.vector_store import TextContent, VectorStoreFile, VectorStoreFileDeleted
from ..._files import FileTypes
from ..._pagination import SyncCursorPage, SyncPage
from ..._polling import apoll_until, poll_until
from ..._request import RequestOptions
from ..._resource import APIResource, async_pages, awaitable
from ..._types import NOT_GIVEN, NotGiven, given

Order = Literal["asc", "desc"]
StatusFilter = Literal["in_progress", "completed", "failed", "cancelled"]


def settled(obj: Any) -> bool:
    """Vector store files and batches stop being polled once they leave ``in_progress``."""
    return obj.status != "in_progress"


class VectorStoreFiles(APIResource):
    def create(self, vector_store_id: str, *, file_id: str,
               attributes: Union[dict[str, Any], None, NotGiven] = NOT_GIVEN,
               chunking_strategy: Union[dict[str, Any], NotGiven] = NOT_GIVEN,
               **options: Unpack[RequestOptions]) -> VectorStoreFile:
        body = given(file_id=file_id, attributes=attributes, chunking_strategy=chunking_strategy)
        return self._call("POST", f"vector_stores/{vector_store_id}/files", options, cast_to=VectorStoreFile,
                          body=body)

    def retrieve(self, file_id: str, *, vector_store_id: str, **options: Unpack[RequestOptions]) -> VectorStoreFile:
        return self._call("GET", f"vector_stores/{vector_store_id}/files/{file_id}", options,
                          cast_to=VectorStoreFile)

    def update(self, file_id: str, *, vector_store_id: str, attributes: Union[dict[str, Any], None],
               **options: Unpack[RequestOptions]) -> VectorStoreFile:
        return self._call("POST", f"vector_stores/{vector_store_id}/files/{file_id}", options,
                          cast_to=VectorStoreFile, body={"attributes": attributes})

    def list(self, vector_store_id: str, *, after: Union[str, NotGiven] = NOT_GIVEN,
             before: Union[str, NotGiven] = NOT_GIVEN, filter: Union[StatusFilter, NotGiven] = NOT_GIVEN,
             limit: Union[int, NotGiven] = NOT_GIVEN, order: Union[Order, NotGiven] = NOT_GIVEN,
             **options: Unpack[RequestOptions]) -> SyncCursorPage[VectorStoreFile]:
        query = given(after=after, before=before, filter=filter, limit=limit, order=order)
        return self._call("GET", f"vector_stores/{vector_store_id}/files", options, cast_to=VectorStoreFile,
                          query=query, page=self._page_class())

    def delete(self, file_id: str, *, vector_store_id: str,
               **options: Unpack[RequestOptions]) -> VectorStoreFileDeleted:
        return self._call("DELETE", f"vector_stores/{vector_store_id}/files/{file_id}", options,
                          cast_to=VectorStoreFileDeleted)

    def content(self, file_id: str, *, vector_store_id: str,
                **options: Unpack[RequestOptions]) -> SyncPage[TextContent]:
        """The parsed text of a file in the store."""
        return self._call("GET", f"vector_stores/{vector_store_id}/files/{file_id}/content", options,
                          cast_to=TextContent, page=self._page_class(single=True))

    def poll(self, file_id: str, *, vector_store_id: str, poll_interval_ms: Union[int, NotGiven] = NOT_GIVEN,
             max_wait_seconds: Union[float, NotGiven] = NOT_GIVEN) -> VectorStoreFile:
        """Retrieve until processed or failed; ``TimeoutError`` after ``max_wait_seconds`` if given."""
        raw = self._plain.with_raw_response
        return poll_until(lambda: raw.retrieve(file_id, vector_store_id=vector_store_id), settled, poll_interval_ms,
                          max_wait_seconds)

    def create_and_poll(self, file_id: str, *, vector_store_id: str,
                        attributes: Union[dict[str, Any], None, NotGiven] = NOT_GIVEN,
                        poll_interval_ms: Union[int, NotGiven] = NOT_GIVEN,
                        max_wait_seconds: Union[float, NotGiven] = NOT_GIVEN,
                        chunking_strategy: Union[dict[str, Any], NotGiven] = NOT_GIVEN) -> VectorStoreFile:
        self._plain.create(vector_store_id, file_id=file_id, attributes=attributes,
                           chunking_strategy=chunking_strategy)
        return self.poll(file_id, vector_store_id=vector_store_id, poll_interval_ms=poll_interval_ms,
                         max_wait_seconds=max_wait_seconds)

    def upload(self, *, vector_store_id: str, file: FileTypes,
               chunking_strategy: Union[dict[str, Any], NotGiven] = NOT_GIVEN) -> VectorStoreFile:
        """Upload a file (purpose ``assistants``) and attach it to the store."""
        uploaded = self._client.files.create(file=file, purpose="assistants")
        return self._plain.create(vector_store_id, file_id=uploaded.id, chunking_strategy=chunking_strategy)

    def upload_and_poll(self, *, vector_store_id: str, file: FileTypes,
                        attributes: Union[dict[str, Any], None, NotGiven] = NOT_GIVEN,
                        poll_interval_ms: Union[int, NotGiven] = NOT_GIVEN,
                        max_wait_seconds: Union[float, NotGiven] = NOT_GIVEN,
                        chunking_strategy: Union[dict[str, Any], NotGiven] = NOT_GIVEN) -> VectorStoreFile:
        uploaded = self._client.files.create(file=file, purpose="assistants")
        return self.create_and_poll(uploaded.id, vector_store_id=vector_store_id, attributes=attributes,
                                    poll_interval_ms=poll_interval_ms, max_wait_seconds=max_wait_seconds,
                                    chunking_strategy=chunking_strategy)


class AsyncVectorStoreFiles(VectorStoreFiles):
    """Async twin: methods return awaitables; the helpers are coroutines."""

    create = awaitable(VectorStoreFiles.create)  # type: ignore[assignment]
    retrieve = awaitable(VectorStoreFiles.retrieve)  # type: ignore[assignment]
    update = awaitable(VectorStoreFiles.update)  # type: ignore[assignment]
    list = async_pages(VectorStoreFiles.list)  # type: ignore[assignment]
    delete = awaitable(VectorStoreFiles.delete)  # type: ignore[assignment]
    content = async_pages(VectorStoreFiles.content)  # type: ignore[assignment]

    async def poll(self, file_id: str, *, vector_store_id: str,  # type: ignore[override]
                   poll_interval_ms: Union[int, NotGiven] = NOT_GIVEN,
                   max_wait_seconds: Union[float, NotGiven] = NOT_GIVEN) -> VectorStoreFile:
        raw = self._plain.with_raw_response
        return await apoll_until(lambda: raw.retrieve(file_id, vector_store_id=vector_store_id), settled,
                                 poll_interval_ms, max_wait_seconds)

    async def create_and_poll(self, file_id: str, *, vector_store_id: str,  # type: ignore[override]
                              attributes: Union[dict[str, Any], None, NotGiven] = NOT_GIVEN,
                              poll_interval_ms: Union[int, NotGiven] = NOT_GIVEN,
                              max_wait_seconds: Union[float, NotGiven] = NOT_GIVEN,
                              chunking_strategy: Union[dict[str, Any], NotGiven] = NOT_GIVEN) -> VectorStoreFile:
        await self._plain.create(vector_store_id, file_id=file_id, attributes=attributes,
                                 chunking_strategy=chunking_strategy)
        return await self.poll(file_id, vector_store_id=vector_store_id, poll_interval_ms=poll_interval_ms,
                               max_wait_seconds=max_wait_seconds)

    async def upload(self, *, vector_store_id: str, file: FileTypes,  # type: ignore[override]
                     chunking_strategy: Union[dict[str, Any], NotGiven] = NOT_GIVEN) -> VectorStoreFile:
        uploaded = await self._client.files.create(file=file, purpose="assistants")
        return await self._plain.create(vector_store_id, file_id=uploaded.id, chunking_strategy=chunking_strategy)

    async def upload_and_poll(self, *, vector_store_id: str, file: FileTypes,  # type: ignore[override]
                              attributes: Union[dict[str, Any], None, NotGiven] = NOT_GIVEN,
                              poll_interval_ms: Union[int, NotGiven] = NOT_GIVEN,
                              max_wait_seconds: Union[float, NotGiven] = NOT_GIVEN,
                              chunking_strategy: Union[dict[str, Any], NotGiven] = NOT_GIVEN) -> VectorStoreFile:
        uploaded = await self._client.files.create(file=file, purpose="assistants")
        return await self.create_and_poll(uploaded.id, vector_store_id=vector_store_id, attributes=attributes,
                                          poll_interval_ms=poll_interval_ms, max_wait_seconds=max_wait_seconds,
                                    chunking_strategy=chunking_strategy)
