"""Files: upload, read, download, delete. Contents live in a :class:`BlobStore`."""

from __future__ import annotations

import asyncio
import io
import logging
from typing import Any, BinaryIO, Callable, Iterator, Optional, Sequence

from sqlalchemy import select

from ...types.file import FileUploadParams
from ..blobs import BlobStore
from ..errors import NotFound
from ..hooks import FileDeleted, Hook
from ..ids import new_id, now
from ..paging import PageQuery
from ..store import Database
from ..store.rows import load, owned
from ..store.tables import FileRow
from ..store.texts import delete_text
from .base import list_page

log = logging.getLogger("openbeta")


class FileService:
    def __init__(self, db: Database, blobs: BlobStore, max_bytes: int,
                 deleted: Optional[Hook[FileDeleted]] = None) -> None:
        self.db = db
        self.blobs = blobs
        self.max_bytes = max_bytes
        #: Fired before a file is deleted, in its unit of work (vector stores drop it).
        self.deleted: Hook[FileDeleted] = deleted or Hook()

    def create(self, project: str, source: BinaryIO, filename: str, params: FileUploadParams) -> dict[str, Any]:
        expires = params.expires_after
        return self._store(project, source, filename, params.purpose, expires.seconds if expires else None)

    def store_output(self, project: str, data: bytes, filename: str) -> dict[str, Any]:
        """A file a tool made (purpose ``assistants_output``), in ``project``."""
        return self._store(project, io.BytesIO(data), filename, "assistants_output", None)

    def _store(self, project: str, source: BinaryIO, filename: str, purpose: str,
               expires_in: Optional[int]) -> dict[str, Any]:
        file_id = new_id("file-")
        size = self.blobs.put(file_id, source, max_bytes=self.max_bytes)
        created = now()
        body = {
            "id": file_id,
            "object": "file",
            "bytes": size,
            "created_at": created,
            "expires_at": created + expires_in if expires_in else None,
            "filename": filename,
            "purpose": purpose,
            "status": "processed",
            "status_details": None,
        }
        try:
            with self.db.session() as s:
                s.add(FileRow(id=file_id, project_id=project, purpose=purpose, created_at=created,
                              expires_at=body["expires_at"], body=body))
        except BaseException:
            self.blobs.delete(file_id)
            raise
        return body

    def get(self, project: str, file_id: str) -> dict[str, Any]:
        with self.db.session() as s:
            return load(s, FileRow, file_id, "file", owned(FileRow, project)).body

    def list(self, project: str, page: PageQuery, purpose: Optional[str] = None) -> dict[str, Any]:
        with self.db.session() as s:
            where = [FileRow.purpose == purpose] if purpose else []
            return list_page(s, FileRow, page, *where, group=(FileRow.project_id, project))

    def content(self, project: str, file_id: str) -> tuple[dict[str, Any], Iterator[bytes]]:
        body = self.get(project, file_id)
        return body, self.blobs.stream(file_id)

    def delete(self, project: str, file_id: str) -> dict[str, Any]:
        with self.db.session() as s:
            row = load(s, FileRow, file_id, "file", owned(FileRow, project))
            self.deleted.fire(FileDeleted(s, file_id))
            delete_text(s, file_id)
            s.delete(row)
        self.blobs.delete(file_id)
        return {"id": file_id, "object": "file", "deleted": True}

    def expired(self, at: int) -> Sequence[tuple[str, str]]:
        """(project, id) of files whose ``expires_at`` has passed."""
        with self.db.session() as s:
            rows = s.execute(select(FileRow.project_id, FileRow.id).where(FileRow.expires_at.is_not(None),
                                                                          FileRow.expires_at <= at))
            return [(project, file_id) for project, file_id in rows]


class ExpirySweeper:
    """Deletes files whose ``expires_at`` has passed, every ``interval`` seconds, and runs the other
    expiries it is given (``also``: each returns how many objects it expired)."""

    def __init__(self, files: FileService, interval: float = 60.0,
                 also: Sequence[Callable[[], int]] = ()) -> None:
        self.files = files
        self.interval = interval
        self.also = list(also)
        self._task: Optional[asyncio.Task] = None

    def sweep(self) -> int:
        gone = sum(expire() for expire in self.also)
        for project, file_id in self.files.expired(now()):
            try:
                self.files.delete(project, file_id)
                gone += 1
            except NotFound:
                pass
        return gone

    async def _run(self) -> None:
        while True:
            try:
                await asyncio.to_thread(self.sweep)
            except Exception:
                log.exception("expired file sweep failed")
            await asyncio.sleep(self.interval)

    async def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="file-expiry")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
