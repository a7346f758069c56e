"""A full disk: told apart from other faults (``507``), and kept from blocking deletes.

SQLite appends every change, deletes included, to its write-ahead log, so on a
full disk even a delete fails. :class:`DiskReserve` keeps a reserve file beside
the database; a ``DELETE`` request that finds the disk (nearly) full releases it
first, so deletes can always free space, and the reserve is laid again once
there is room.
"""

from __future__ import annotations

import errno
import logging
import os
import shutil
import sqlite3
from pathlib import Path
from typing import Any, Optional

from starlette.types import ASGIApp, Receive, Scope, Send

from .errors import APIError

log = logging.getLogger("openbeta.storage")

_FULL_ERRNOS = {errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)}
#: PostgreSQL's ``disk_full`` condition.
_PG_DISK_FULL = "53100"


class InsufficientStorage(APIError):
    status_code = 507
    type = "server_error"


def insufficient_storage() -> InsufficientStorage:
    return InsufficientStorage(
        "The server's storage is full, so nothing new can be stored. Deleting files, vector stores, threads "
        "or assistants frees space and works on a full disk.", code="insufficient_storage")


def is_disk_full(exc: BaseException) -> bool:
    """Whether ``exc`` (or what caused it) says the disk or the database ran out of space."""
    seen: set[int] = set()
    stack: list[Optional[BaseException]] = [exc]
    while stack:
        item = stack.pop()
        if item is None or id(item) in seen:
            continue
        seen.add(id(item))
        if isinstance(item, OSError) and item.errno in _FULL_ERRNOS:
            return True
        if isinstance(item, sqlite3.Error) and (getattr(item, "sqlite_errorcode", None) == sqlite3.SQLITE_FULL
                                                or "database or disk is full" in str(item)):
            return True
        if getattr(item, "sqlstate", None) == _PG_DISK_FULL:
            return True
        stack.extend([getattr(item, "orig", None), item.__cause__, item.__context__])
    return False


class DiskReserve:
    """``size`` bytes held in a file on the database's disk, given up for deletes when the disk fills."""

    def __init__(self, path: Path, size: int) -> None:
        self.path = Path(path)
        self.size = size

    def free_bytes(self) -> int:
        return shutil.disk_usage(self.path.parent).free

    def lay(self) -> bool:
        """Lay the reserve if it is missing and the disk has room for it twice over; return whether it is laid."""
        if self.size <= 0:
            return False
        if self.path.exists():
            return True
        try:
            if self.free_bytes() < 2 * self.size:
                return False
            fd = os.open(self.path, os.O_WRONLY | os.O_CREAT, 0o600)
            try:
                os.posix_fallocate(fd, 0, self.size)  # blocks allocated now; no fsync: it is laid again at start
            finally:
                os.close(fd)
            return True
        except OSError as exc:
            self.path.unlink(missing_ok=True)
            log.warning("could not lay the disk reserve %s: %s", self.path, exc)
            return False

    def release_if_full(self) -> None:
        """Give the reserve back to the disk when less than its size is free."""
        if self.size > 0 and self.path.exists() and self.free_bytes() < self.size:
            self.path.unlink(missing_ok=True)
            log.warning("disk nearly full: released the %d-byte reserve so deletes can run", self.size)


class DeletesOnFullDisk:
    """Plain ASGI: a ``DELETE`` request releases the reserve first when the disk is full, and the
    reserve is laid again after it when there is room."""

    def __init__(self, app: ASGIApp, reserve: DiskReserve) -> None:
        self.app = app
        self.reserve = reserve

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "DELETE":
            await self.app(scope, receive, send)
            return
        self.reserve.release_if_full()
        try:
            await self.app(scope, receive, send)
        finally:
            self.reserve.lay()


def sqlite_reserve(database: Any, size: int) -> Optional[DiskReserve]:
    """The reserve beside a SQLite database file (None for other databases or in-memory ones)."""
    if not database.is_sqlite or not database.engine.url.database or database.engine.url.database == ":memory:":
        return None
    db_path = Path(database.engine.url.database)
    return DiskReserve(db_path.with_name(db_path.name + ".reserve"), size)
