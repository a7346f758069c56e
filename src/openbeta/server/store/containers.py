"""Containers as stored: rows, their files' bytes in the blob store, their bounds and their expiry.

Both the Containers API (``services/containers.py``) and the code interpreter (``tools/code_interpreter.py``)
write through :class:`ContainerStore`, so a file is added, replaced, bounded and dropped one way whoever
adds it. A container is ``running`` until ``expires_at`` (its last activity plus ``expires_after.minutes``)
passes; it is then ``expired``: its files and their bytes are deleted, and :attr:`ContainerStore.ended`
is fired (its sandbox stops). That happens when it is next read, or in :meth:`ContainerStore.sweep`.
"""

from __future__ import annotations

import io
import logging
from typing import Any, BinaryIO, Callable, Optional

from sqlalchemy import delete, event, func, select
from sqlalchemy.orm import Session

from ..hooks import ContainerEnded, Hook
from ..errors import InvalidRequest, NotFound, PayloadTooLarge
from ..ids import new_id, now
from .rows import load, set_body
from .tables import ContainerFileRow, ContainerRow

log = logging.getLogger("openbeta")

MOUNT = "/mnt/data"
#: The longest path a container file may have (the ``container_files.path`` column's size).
MAX_PATH_CHARS = 1024


class ContainerFull(PayloadTooLarge):
    """A file would take a container past its bound on files or bytes."""


def expired_error(container_id: str, param: Optional[str] = None) -> InvalidRequest:
    return InvalidRequest(f"Container '{container_id}' has expired: its files are gone and it runs no more "
                          "code; create a new one.", param=param, code="container_expired")


class ContainerStore:
    """``max_files`` and ``max_bytes`` bound each container; ``max_upload`` one file."""

    def __init__(self, db: Any, blobs: Any, *, max_files: int, max_bytes: int, max_upload: int,
                 ended: Optional[Hook[ContainerEnded]] = None) -> None:
        self.db = db
        self.blobs = blobs
        self.max_files = max_files
        self.max_bytes = max_bytes
        self.max_upload = max_upload
        #: Fired after a container expired or was deleted (its sandbox stops).
        self.ended: Hook[ContainerEnded] = ended or Hook()

    # ------------------------------------------------------------ containers

    def create(self, session: Session, project: str, name: str, minutes: int, memory_limit: str,
               thread_id: Optional[str] = None) -> ContainerRow:
        stamp = now()
        body = {"id": new_id("cntr_"), "object": "container", "name": name, "created_at": stamp,
                "status": "running", "last_active_at": stamp,
                "expires_after": {"anchor": "last_active_at", "minutes": minutes},
                "memory_limit": memory_limit, "network_policy": {"type": "disabled"}}
        row = ContainerRow(id=body["id"], project_id=project, thread_id=thread_id, name=name, status="running",
                           created_at=stamp, expires_at=stamp + minutes * 60, body=body)
        session.add(row)
        session.flush()
        return row

    def load(self, session: Session, container_id: str, *where: Any, param: Optional[str] = None,
             for_update: bool = False) -> ContainerRow:
        """The container (404 if it is not there); an expiry that has come is applied first."""
        row = load(session, ContainerRow, container_id, "container", *where, param=param, for_update=for_update)
        if row.status == "running" and row.expires_at <= now():
            self._expire(session, row)
        return row

    def running(self, session: Session, container_id: str, *where: Any, param: Optional[str] = None) -> ContainerRow:
        """The container, locked for the change that follows; 400 ``container_expired`` if it expired."""
        row = self.load(session, container_id, *where, param=param, for_update=True)
        if row.status != "running":
            raise expired_error(container_id, param)
        return row

    def touch(self, session: Session, row: ContainerRow) -> None:
        """The container was active now: its expiry moves on."""
        stamp = now()
        body = dict(row.body, last_active_at=stamp)
        set_body(row, body)
        row.expires_at = stamp + body["expires_after"]["minutes"] * 60

    def touch_id(self, container_id: str) -> None:
        with self.db.session() as s:
            row = s.scalar(select(ContainerRow).where(ContainerRow.id == container_id))
            if row is not None and row.status == "running":
                self.touch(s, row)

    def _expire(self, session: Session, row: ContainerRow) -> None:
        row.status = "expired"
        set_body(row, dict(row.body, status="expired"))
        container_id, keys = row.id, self._drop_files(session, row.id)
        session.flush()
        after_commit(session, lambda: self._gone(container_id, keys))

    def _drop_files(self, session: Session, container_id: str) -> list[str]:
        keys = list(session.scalars(select(ContainerFileRow.id).where(ContainerFileRow.container_id == container_id)))
        session.execute(delete(ContainerFileRow).where(ContainerFileRow.container_id == container_id))
        return keys

    def delete(self, session: Session, row: ContainerRow) -> None:
        container_id, keys = row.id, self._drop_files(session, row.id)
        session.delete(row)
        after_commit(session, lambda: self._gone(container_id, keys))

    def _gone(self, container_id: str, keys: list[str]) -> None:
        for key in keys:
            self._delete_blob(key)
        self.ended.fire(ContainerEnded(container_id))

    def _delete_blob(self, key: str) -> None:
        try:
            self.blobs.delete(key)
        except Exception:  # pragma: no cover - a blob left behind is only space
            log.exception("container file %s: bytes not deleted", key)

    def sweep(self) -> int:
        """Expire every container whose time has come; return how many."""
        with self.db.session() as s:
            due = list(s.scalars(select(ContainerRow.id).where(ContainerRow.status == "running",
                                                               ContainerRow.expires_at <= now()).limit(500)))
        for container_id in due:
            with self.db.session() as s:
                self.load(s, container_id)
        return len(due)

    # ------------------------------------------------------------ files

    def add_file(self, container_id: str, path: str, data: BinaryIO, source: str, *,
                 where: tuple[Any, ...] = (), replace: bool = False, param: Optional[str] = None,
                 origin: Optional[str] = None) -> dict[str, Any]:
        """Store ``data`` as the container's file at ``path`` (``/mnt/data/...``), made by ``source``
        (``user`` or ``assistant``). A path already taken
        is replaced when ``replace`` (the code rewrote it), else the new file's name gets its id in front.
        Bounded by the upload limit and the container's files and bytes (413 ``container_full``).
        ``origin``: the stored file it is a copy of."""
        file_id = new_id("cfile_")
        _check_path(path)
        with self.db.session() as s:  # what room there is now (checked again once the bytes are in)
            self.running(s, container_id, *where, param=param)
            count, used = self._usage(s, container_id)
        if count >= self.max_files and not replace:
            raise self._full(container_id)
        room = min(self.max_upload, self.max_bytes - used + (self._size_at(container_id, path) if replace else 0))
        if room < 0:
            raise self._full(container_id)
        try:
            size = self.blobs.put(file_id, data, max_bytes=room)
        except PayloadTooLarge:
            raise self._full(container_id) if room < self.max_upload else PayloadTooLarge(
                f"File is too large: the maximum upload size is {self.max_upload} bytes.", param="file",
                code="file_too_large") from None
        replaced: Optional[str] = None
        try:
            with self.db.session() as s:
                row = self.running(s, container_id, *where, param=param)
                old = s.scalar(select(ContainerFileRow).where(ContainerFileRow.container_id == container_id,
                                                              ContainerFileRow.path == path))
                if old is not None and replace:
                    replaced = old.id
                    s.delete(old)
                    s.flush()
                elif old is not None:
                    path = _check_path(f"{MOUNT}/{file_id}-{path[len(MOUNT) + 1:]}")
                count, used = self._usage(s, container_id)
                if count + 1 > self.max_files or used + size > self.max_bytes:
                    raise self._full(container_id)
                body = {"id": file_id, "object": "container.file", "container_id": container_id,
                        "created_at": now(), "bytes": size, "path": path, "source": source}
                s.add(ContainerFileRow(id=file_id, container_id=container_id, path=path, bytes=size,
                                       created_at=body["created_at"], origin=origin, body=body))
                self.touch(s, row)
        except BaseException:
            self._delete_blob(file_id)
            raise
        if replaced is not None:
            self._delete_blob(replaced)
        return body

    def copy_file(self, container_id: str, path: str, data: bytes, source: str, **kwargs: Any) -> dict[str, Any]:
        return self.add_file(container_id, path, io.BytesIO(data), source, **kwargs)

    def _usage(self, session: Session, container_id: str) -> tuple[int, int]:
        count, used = session.execute(select(func.count(), func.coalesce(func.sum(ContainerFileRow.bytes), 0))
                                      .where(ContainerFileRow.container_id == container_id)).one()
        return int(count), int(used)

    def _size_at(self, container_id: str, path: str) -> int:
        with self.db.session() as s:
            return int(s.scalar(select(ContainerFileRow.bytes).where(ContainerFileRow.container_id == container_id,
                                                                     ContainerFileRow.path == path)) or 0)

    def _full(self, container_id: str) -> ContainerFull:
        return ContainerFull(f"Container '{container_id}' is full: it holds at most {self.max_files} files and "
                             f"{self.max_bytes} bytes.", param="file", code="container_full")

    def files(self, container_id: str) -> list[tuple[str, str, int]]:
        """(file id, path, bytes) of every file of the container, oldest first."""
        with self.db.session() as s:
            return [(r.id, r.path, r.bytes) for r in s.execute(
                select(ContainerFileRow.id, ContainerFileRow.path, ContainerFileRow.bytes)
                .where(ContainerFileRow.container_id == container_id).order_by(ContainerFileRow.seq))]

    def delete_file(self, session: Session, row: ContainerFileRow) -> None:
        key = row.id
        session.delete(row)
        after_commit(session, lambda: self._delete_blob(key))


def _check_path(path: str) -> str:
    """A container file's path, checked: printable and at most :data:`MAX_PATH_CHARS` characters."""
    if len(path) > MAX_PATH_CHARS or not path.isprintable():
        raise InvalidRequest(f"A container file's path must be printable and at most {MAX_PATH_CHARS} characters "
                             "long: give the file a shorter name.", param="file", code="invalid_value")
    return path


def after_commit(session: Session, fn: Callable[[], Any]) -> None:
    """Call ``fn`` once the session's unit of work has committed (never if it rolls back)."""
    event.listen(session, "after_commit", lambda _session: fn(), once=True)


def file_row(session: Session, container_id: str, file_id: str) -> ContainerFileRow:
    row = session.scalar(select(ContainerFileRow).where(ContainerFileRow.id == file_id,
                                                        ContainerFileRow.container_id == container_id))
    if row is None:
        raise NotFound.of("container file", file_id)
    return row


__all__ = ["ContainerFull", "ContainerStore", "MOUNT", "expired_error", "file_row"]
