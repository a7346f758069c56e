"""Containers: create (with files copied in), list, retrieve, delete; their files: add (an upload or a
copy of a stored file), list, retrieve, delete, download. A container is where a response's
``code_interpreter`` runs code (its files are the sandbox's ``/mnt/data``); ``store/containers.py`` keeps
the rows, the bytes, the bounds and the expiry, which the tool shares.

``memory_limit`` is applied to the container's interpreter, within the server's
``OPENBETA_CODE_INTERPRETER_MEMORY_MB`` (a limit over it is refused, except ``1g``, the smallest, which
then gets the server's); ``network_policy`` can only be
``disabled`` (sandboxes have no network) and ``skills`` are not supported: both are refused by name.
"""

from __future__ import annotations

import io
from typing import Any, BinaryIO, Iterator, Optional

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from ...types.containers import DEFAULT_MINUTES, MEMORY_LIMIT_MB, ContainerCreateParams
from ..blobs import BlobStore
from ..errors import InvalidRequest
from ..paging import PageQuery
from ..store import Database
from ..store.containers import MOUNT, ContainerStore, file_row
from ..store.rows import load, owned
from ..store.tables import ContainerFileRow, ContainerRow, FileRow
from ..tools.sandbox import safe_name
from .base import list_page


def check_options(memory_limit: Optional[str], network_policy: Optional[dict[str, Any]], max_memory_mb: int,
                  param: str = "") -> str:
    """The container's memory limit (``1g``, the smallest, unless asked); a larger one is refused when
    over the server's (the interpreter gets the smaller of the two); a network policy other than
    ``disabled`` refused."""
    limit = memory_limit or "1g"
    if limit != "1g" and MEMORY_LIMIT_MB[limit] > max_memory_mb:
        raise InvalidRequest(f"memory_limit '{limit}' is more than this server gives an interpreter "
                             f"({max_memory_mb} MiB).", param=f"{param}memory_limit", code="unsupported_value")
    if network_policy is not None and network_policy.get("type") != "disabled":
        raise InvalidRequest("Sandboxes here have no network: network_policy can only be {\"type\": \"disabled\"}.",
                             param=f"{param}network_policy", code="unsupported_value")
    return limit


class ContainerService:
    def __init__(self, db: Database, store: ContainerStore, blobs: BlobStore, *, max_memory_mb: int) -> None:
        self.db = db
        self.store = store
        self.blobs = blobs
        self.max_memory_mb = max_memory_mb

    # ------------------------------------------------------------ containers

    def create(self, project: str, params: ContainerCreateParams) -> dict[str, Any]:
        if params.skills:
            raise InvalidRequest("Container skills are not supported by this server.", param="skills",
                                 code="unsupported_parameter")
        memory = check_options(params.memory_limit, params.network_policy, self.max_memory_mb)
        minutes = params.expires_after.minutes if params.expires_after else DEFAULT_MINUTES
        with self.db.session() as s:
            sources = self.sources(s, project, [(f, f"file_ids[{i}]") for i, f in enumerate(params.file_ids or [])])
            row = self.store.create(s, project, params.name, minutes, memory)
            container_id = row.id
        try:
            self.copy_in(container_id, sources, "file_ids")
        except BaseException:
            with self.db.session() as s:
                self.store.delete(s, self.store.load(s, container_id))
            raise
        return self.get(project, container_id)

    @staticmethod
    def sources(s: Session, project: str, file_ids: list[tuple[str, str]]) -> list[tuple[str, str]]:
        """(file id, file name) of stored files of the project to copy in (given with the param that
        names each), each checked."""
        out = []
        for file_id, param in file_ids:
            row = load(s, FileRow, file_id, "file", owned(FileRow, project), param=param)
            out.append((row.id, row.body.get("filename") or row.id))
        return out

    def copy_in(self, container_id: str, sources: list[tuple[str, str]], param: str) -> list[dict[str, Any]]:
        """Copy stored files into the container (``/mnt/data/<file name>``)."""
        return [self.store.add_file(container_id, f"{MOUNT}/{safe_name(filename)}", _Stream(self.blobs.stream(file_id)),
                                    "user", param=param, origin=file_id) for file_id, filename in sources]

    def get(self, project: str, container_id: str) -> dict[str, Any]:
        with self.db.session() as s:
            return dict(self.store.load(s, container_id, owned(ContainerRow, project)).body)

    def list(self, project: str, page: PageQuery, name: Optional[str] = None) -> dict[str, Any]:
        self.store.sweep()
        with self.db.session() as s:
            where = [ContainerRow.name == name] if name is not None else []
            return list_page(s, ContainerRow, page, *where, group=(ContainerRow.project_id, project))

    def delete(self, project: str, container_id: str) -> dict[str, Any]:
        with self.db.session() as s:
            self.store.delete(s, load(s, ContainerRow, container_id, "container", owned(ContainerRow, project)))
        return {"id": container_id, "object": "container.deleted", "deleted": True}

    # ------------------------------------------------------------ a response's container

    def for_tool(self, project: str, container: Any, param: str, threads: list[str]) -> tuple[str, bool]:
        """The container a response's ``code_interpreter`` tool runs in, and whether it was made now: the
        one named (of the project, running), or for ``{"type": "auto"}`` the running auto container of one
        of ``threads`` (the conversation or chain the response continues, newest first) with ``file_ids``
        copied in when not there yet, else a new one with them."""
        if isinstance(container, str):
            with self.db.session() as s:
                self.store.running(s, container, owned(ContainerRow, project), param=param)
            return container, False
        memory = check_options(container.get("memory_limit"), container.get("network_policy"), self.max_memory_mb,
                               f"{param}.")
        wanted = [(f, f"{param}.file_ids[{i}]") for i, f in enumerate(container.get("file_ids") or [])]
        with self.db.session() as s:
            sources = self.sources(s, project, wanted)
            found = self._auto(s, project, threads)
            if found is not None:
                there = set(s.scalars(select(ContainerFileRow.origin).where(ContainerFileRow.container_id == found)))
                sources = [source for source in sources if source[0] not in there]
            else:
                container_id = self.store.create(s, project, "auto", DEFAULT_MINUTES, memory).id
        self.copy_in(found or container_id, sources, f"{param}.file_ids")
        return found or container_id, found is None

    def _auto(self, s: Session, project: str, threads: list[str]) -> Optional[str]:
        """The newest running auto container of the first of ``threads`` that has one."""
        for thread_id in threads:
            for row in s.scalars(select(ContainerRow).where(ContainerRow.thread_id == thread_id,
                                                            owned(ContainerRow, project),
                                                            ContainerRow.status == "running")
                                 .order_by(ContainerRow.seq.desc())):
                if self.store.load(s, row.id).status == "running":
                    return row.id
        return None

    def bind(self, s: Session, container_id: str, thread_id: str) -> None:
        """An auto container made for a response serves its thread from now on (in the response's unit of work)."""
        s.execute(update(ContainerRow).where(ContainerRow.id == container_id).values(thread_id=thread_id))

    # ------------------------------------------------------------ files

    def _owned(self, s: Session, project: str, container_id: str) -> ContainerRow:
        return self.store.load(s, container_id, owned(ContainerRow, project))

    def upload(self, project: str, container_id: str, source: BinaryIO, filename: str) -> dict[str, Any]:
        return self.store.add_file(container_id, f"{MOUNT}/{safe_name(filename)}", source, "user",
                                   where=(owned(ContainerRow, project),))

    def add_stored(self, project: str, container_id: str, file_id: str) -> dict[str, Any]:
        with self.db.session() as s:
            self._owned(s, project, container_id)
            sources = self.sources(s, project, [(file_id, "file_id")])
        (body,) = self.copy_in(container_id, sources, "file_id")
        return body

    def list_files(self, project: str, container_id: str, page: PageQuery) -> dict[str, Any]:
        with self.db.session() as s:
            self._owned(s, project, container_id)
            return list_page(s, ContainerFileRow, page, group=(ContainerFileRow.container_id, container_id))

    def get_file(self, project: str, container_id: str, file_id: str) -> dict[str, Any]:
        with self.db.session() as s:
            self._owned(s, project, container_id)
            return dict(file_row(s, container_id, file_id).body)

    def delete_file(self, project: str, container_id: str, file_id: str) -> dict[str, Any]:
        with self.db.session() as s:
            self._owned(s, project, container_id)
            self.store.delete_file(s, file_row(s, container_id, file_id))
        return {"id": file_id, "object": "container.file.deleted", "deleted": True}

    def content(self, project: str, container_id: str, file_id: str) -> tuple[dict[str, Any], Iterator[bytes]]:
        body = self.get_file(project, container_id, file_id)
        return body, self.blobs.stream(file_id)


class _Stream(io.RawIOBase):
    """An iterator of byte blocks read as a file (a stored file's bytes copied without holding them all)."""

    def __init__(self, blocks: Iterator[bytes]) -> None:
        self._blocks = blocks
        self._rest = b""

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        while not self._rest:
            try:
                self._rest = next(self._blocks)
            except StopIteration:
                return 0
        n = min(len(buffer), len(self._rest))
        buffer[:n] = self._rest[:n]
        self._rest = self._rest[n:]
        return n


__all__ = ["ContainerService", "check_options"]
