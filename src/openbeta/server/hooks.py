"""The reactions across parts, named once: what one part announces and others act on.

A part that owns an object fires its hook when something happens to it; the composition root
(``compose.py``) connects the parts that react, so neither knows the other. Every reaction of the
server is listed here:

========================  ================================  =============================================
hook (event)              fired by                          connected (in ``compose.py``)
========================  ================================  =============================================
:class:`MessageAdding`    ``MessageService.create``         runs: refuse while a run is active
:class:`ThreadDeleted`    ``ThreadService.delete``          runs and steps go; the thread's sandbox
                                                            stops; its ChatKit thread goes
:class:`FileDeleted`      ``FileService.delete``            vector stores drop the file
:class:`KeyRevoked`       ``ProjectService`` (revoke a key) key ring forgets it; realtime sessions end
:class:`ProjectArchived`  ``ProjectService.archive``        key ring forgets the project's keys; its
                                                            realtime sessions end
:class:`FilesQueued`      ``VectorStoreService``            the ingestion workers wake
:class:`ContainerEnded`   ``ContainerStore`` (expired or    the container's sandbox stops
                          deleted)
========================  ================================  =============================================

Hooks that carry a ``session`` run inside the unit of work that fires them (a handler's writes
commit or roll back with it; an exception refuses the change). The others fire after their commit.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Generic, TypeVar

E = TypeVar("E")


class Hook(Generic[E]):
    """One named reaction point: handlers connected once at start-up, called in order on :meth:`fire`."""

    def __init__(self) -> None:
        self._handlers: list[Callable[[E], Any]] = []

    def connect(self, handler: Callable[[E], Any]) -> None:
        self._handlers.append(handler)

    def fire(self, event: E) -> None:
        for handler in self._handlers:
            handler(event)


@dataclass(frozen=True)
class MessageAdding:
    """A message is about to be added to a thread (in ``session``); a handler may refuse it by raising."""

    session: Any
    thread_id: str


@dataclass(frozen=True)
class ThreadDeleted:
    """A thread is being deleted (in ``session``, before its row and messages go): what hangs off it goes too."""

    session: Any
    thread_id: str


@dataclass(frozen=True)
class FileDeleted:
    """A file is being deleted (in ``session``, before its row goes)."""

    session: Any
    file_id: str


@dataclass(frozen=True)
class KeyRevoked:
    """Stored keys of a project stopped working (committed): ``key_hashes`` are their hashes."""

    project_id: str
    key_hashes: list[str]


@dataclass(frozen=True)
class ProjectArchived:
    """A project was archived (committed): none of its keys works any more."""

    project_id: str


@dataclass(frozen=True)
class FilesQueued:
    """Vector store files wait to be ingested (committed)."""


@dataclass(frozen=True)
class ContainerEnded:
    """A container expired or was deleted (committed): its files are gone."""

    container_id: str


@dataclass
class Hooks:
    """The server's hooks, one of each, built by the composition root and handed to the parts that fire them."""

    message_adding: Hook[MessageAdding] = field(default_factory=Hook)
    thread_deleted: Hook[ThreadDeleted] = field(default_factory=Hook)
    file_deleted: Hook[FileDeleted] = field(default_factory=Hook)
    key_revoked: Hook[KeyRevoked] = field(default_factory=Hook)
    project_archived: Hook[ProjectArchived] = field(default_factory=Hook)
    files_queued: Hook[FilesQueued] = field(default_factory=Hook)
    container_ended: Hook[ContainerEnded] = field(default_factory=Hook)


__all__ = ["ContainerEnded", "FileDeleted", "FilesQueued", "Hook", "Hooks", "KeyRevoked", "MessageAdding", "ProjectArchived",
           "ThreadDeleted"]
