"""``client.files``."""

from __future__ import annotations

import asyncio
import time
from typing import Any, Literal, Union

from typing_extensions import Unpack

from ...types.file import FileDeleted, FileObject
from .._files import FileTypes, file_part, form_fields
from .._pagination import SyncCursorPage
from .._request import RequestOptions
from .._resource import APIResource, async_pages, awaitable
from .._response import BinaryContent
from .._types import NOT_GIVEN, NotGiven, given

FILE_SETTLED = frozenset({"processed", "error", "deleted"})


class Files(APIResource):
    def create(self, *, file: FileTypes, purpose: str,
               expires_after: Union[dict[str, Any], NotGiven] = NOT_GIVEN,
               **options: Unpack[RequestOptions]) -> FileObject:
        """Upload a file (multipart)."""
        fields = form_fields(given(purpose=purpose, expires_after=expires_after))
        return self._call("POST", "files", options, cast_to=FileObject, body=fields,
                          files=[("file", file_part(file))])

    def retrieve(self, file_id: str, **options: Unpack[RequestOptions]) -> FileObject:
        return self._call("GET", f"files/{file_id}", options, cast_to=FileObject)

    def list(self, *, after: Union[str, NotGiven] = NOT_GIVEN, limit: Union[int, NotGiven] = NOT_GIVEN,
             order: Union[Literal["asc", "desc"], NotGiven] = NOT_GIVEN,
             purpose: Union[str, NotGiven] = NOT_GIVEN,
             **options: Unpack[RequestOptions]) -> SyncCursorPage[FileObject]:
        query = given(after=after, limit=limit, order=order, purpose=purpose)
        return self._call("GET", "files", options, cast_to=FileObject, query=query, page=self._page_class())

    def delete(self, file_id: str, **options: Unpack[RequestOptions]) -> FileDeleted:
        return self._call("DELETE", f"files/{file_id}", options, cast_to=FileDeleted)

    def content(self, file_id: str, **options: Unpack[RequestOptions]) -> BinaryContent:
        """The file's bytes (``.content``, ``.text``, ``.write_to_file(path)``)."""
        headers = {"Accept": "application/binary", **(options.get("extra_headers") or {})}
        return self._call("GET", f"files/{file_id}/content", {**options, "extra_headers": headers},
                          cast_to=BinaryContent)

    def retrieve_content(self, file_id: str, **options: Unpack[RequestOptions]) -> str:
        return self._call("GET", f"files/{file_id}/content", options, cast_to=str)

    def wait_for_processing(self, id: str, *, poll_interval: float = 5.0,
                            max_wait_seconds: float = 30 * 60) -> FileObject:
        """Retrieve the file until it is processed (or failed)."""
        deadline = time.monotonic() + max_wait_seconds
        file = self._plain.retrieve(id)
        while file.status not in FILE_SETTLED:
            if time.monotonic() > deadline:
                raise RuntimeError(f"Giving up on waiting for file {id} to finish processing.")
            time.sleep(poll_interval)
            file = self._plain.retrieve(id)
        return file


class AsyncFiles(Files):
    """Async twin: methods return awaitables (``list`` an async paginator)."""

    create = awaitable(Files.create)  # type: ignore[assignment]
    retrieve = awaitable(Files.retrieve)  # type: ignore[assignment]
    list = async_pages(Files.list)  # type: ignore[assignment]
    delete = awaitable(Files.delete)  # type: ignore[assignment]
    content = awaitable(Files.content)  # type: ignore[assignment]
    retrieve_content = awaitable(Files.retrieve_content)  # type: ignore[assignment]

    async def wait_for_processing(self, id: str, *, poll_interval: float = 5.0,  # type: ignore[override]
                                  max_wait_seconds: float = 30 * 60) -> FileObject:
        deadline = time.monotonic() + max_wait_seconds
        file = await self._plain.retrieve(id)
        while file.status not in FILE_SETTLED:
            if time.monotonic() > deadline:
                raise RuntimeError(f"Giving up on waiting for file {id} to finish processing.")
            await asyncio.sleep(poll_interval)
            file = await self._plain.retrieve(id)
        return file
