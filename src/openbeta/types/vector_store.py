"""Vector stores, their files and file batches, and search results (spec ``VectorStore*``).

Client-side reading of these objects; the ``files`` branch defines the same names with
request models beside them.
"""

from __future__ import annotations

from typing import Any, Literal, Optional, Union

from pydantic import Field

from ._base import WireModel


class FileCounts(WireModel):
    in_progress: int = 0
    completed: int = 0
    failed: int = 0
    cancelled: int = 0
    total: int = 0


class ExpiresAfter(WireModel):
    anchor: Literal["last_active_at"] = "last_active_at"
    days: int


class VectorStore(WireModel):
    id: str
    object: Literal["vector_store"] = "vector_store"
    created_at: int
    name: Optional[str] = None
    usage_bytes: int = 0
    file_counts: FileCounts = Field(default_factory=FileCounts)
    status: Literal["expired", "in_progress", "completed"]
    expires_after: Optional[ExpiresAfter] = None
    expires_at: Optional[int] = None
    last_active_at: Optional[int] = None
    metadata: Optional[dict[str, str]] = None


class VectorStoreDeleted(WireModel):
    id: str
    object: Literal["vector_store.deleted"] = "vector_store.deleted"
    deleted: bool


class VectorStoreFileError(WireModel):
    code: str
    message: str


Attributes = Optional[dict[str, Union[str, float, bool]]]


class VectorStoreFile(WireModel):
    id: str
    object: Literal["vector_store.file"] = "vector_store.file"
    usage_bytes: int = 0
    created_at: int
    vector_store_id: str
    status: Literal["in_progress", "completed", "cancelled", "failed"]
    last_error: Optional[VectorStoreFileError] = None
    chunking_strategy: Optional[dict[str, Any]] = None
    attributes: Attributes = None


class VectorStoreFileDeleted(WireModel):
    id: str
    object: Literal["vector_store.file.deleted"] = "vector_store.file.deleted"
    deleted: bool


class VectorStoreFileBatch(WireModel):
    id: str
    object: Literal["vector_store.files_batch"] = "vector_store.files_batch"
    created_at: int
    vector_store_id: str
    status: Literal["in_progress", "completed", "cancelled", "failed"]
    file_counts: FileCounts


class TextContent(WireModel):
    type: Literal["text"] = "text"
    text: str


class SearchResult(WireModel):
    file_id: str
    filename: str
    score: float
    attributes: Attributes = None
    content: list[TextContent] = Field(default_factory=list)


__all__ = [
    "FileCounts",
    "VectorStore",
    "VectorStoreDeleted",
    "VectorStoreFile",
    "VectorStoreFileBatch",
    "TextContent",
    "VectorStoreFileDeleted",
    "SearchResult",
]
