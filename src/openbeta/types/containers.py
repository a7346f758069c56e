"""Containers: ``/v1/containers`` and their files.

A container is where the ``code_interpreter`` tool of a response runs code: its files are the
sandbox's ``/mnt/data``. It expires ``expires_after.minutes`` after it was last active (its status then
reads ``expired`` and its files are gone); a file's ``source`` is ``user`` (uploaded or copied in) or
``assistant`` (written by the code).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal, Optional

from pydantic import Field

from ._base import RequestModel, WireModel
from .shared import ListPage

#: ``memory_limit`` values, and what each means in MiB.
MemoryLimit = Literal["1g", "4g", "16g", "64g"]
MEMORY_LIMIT_MB = {"1g": 1024, "4g": 4096, "16g": 16384, "64g": 65536}
#: Files one create request may copy in.
MAX_FILE_IDS = 50
#: The longest name (characters).
MAX_NAME_CHARS = 256
#: Minutes of inactivity before a container expires: the default and the bounds.
DEFAULT_MINUTES = 20
MAX_MINUTES = 7 * 24 * 60


class ContainerExpiresAfter(RequestModel):
    anchor: Literal["last_active_at"]
    minutes: Annotated[int, Field(ge=1, le=MAX_MINUTES)]


class ContainerCreateParams(RequestModel):
    """``POST /containers``. ``skills`` and an ``allowlist`` network policy are typed loosely so the
    server refuses them by name."""

    name: Annotated[str, Field(max_length=MAX_NAME_CHARS)]
    file_ids: Optional[Annotated[list[str], Field(max_length=MAX_FILE_IDS)]] = None
    expires_after: Optional[ContainerExpiresAfter] = None
    memory_limit: Optional[MemoryLimit] = None
    network_policy: Optional[dict[str, Any]] = None
    skills: Optional[list[Any]] = None


class ContainerFileCreateParams(RequestModel):
    """``POST /containers/{id}/files`` as JSON (a multipart upload sends ``file`` instead)."""

    file_id: str


class ExpiresAfter(WireModel):
    anchor: Literal["last_active_at"] = "last_active_at"
    minutes: int


class NetworkPolicy(WireModel):
    type: Literal["allowlist", "disabled"] = "disabled"


class Container(WireModel):
    id: str
    object: Literal["container"] = "container"
    name: str
    created_at: int
    status: Literal["running", "expired"]
    last_active_at: int
    expires_after: ExpiresAfter
    memory_limit: MemoryLimit = "1g"
    network_policy: NetworkPolicy = Field(default_factory=NetworkPolicy)


class ContainerFile(WireModel):
    id: str
    object: Literal["container.file"] = "container.file"
    container_id: str
    created_at: int
    bytes: int
    path: str
    source: Literal["user", "assistant"]


class ContainerDeleted(WireModel):
    id: str
    object: Literal["container.deleted"] = "container.deleted"
    deleted: bool = True


class ContainerFileDeleted(WireModel):
    id: str
    object: Literal["container.file.deleted"] = "container.file.deleted"
    deleted: bool = True


ContainerPage = ListPage[Container]
ContainerFilePage = ListPage[ContainerFile]

__all__ = ["Container", "ContainerCreateParams", "ContainerDeleted", "ContainerExpiresAfter", "ContainerFile",
           "ContainerFileCreateParams", "ContainerFileDeleted", "ContainerFilePage", "ContainerPage",
           "DEFAULT_MINUTES", "MAX_FILE_IDS", "MEMORY_LIMIT_MB", "MemoryLimit"]
