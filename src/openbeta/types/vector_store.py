"""Vector stores, their files, file batches and search: ``/v1/vector_stores``.

Response objects are lenient (the SDK reads them); request models are strict
(the server validates them).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal, Optional, Union

from pydantic import Discriminator, Field, Tag, ValidationInfo, field_validator

from ._base import RequestModel, WireModel
from .shared import (ChunkingStrategyParam, FileChunkingStrategy, MetadataMixin, StaticChunking, not_null,
                     not_null_array, not_null_object)

MAX_ATTRIBUTES = 16
MAX_ATTRIBUTE_KEY = 64
MAX_ATTRIBUTE_VALUE = 512

Attributes = Optional[dict[str, Union[str, float, bool]]]


def check_attributes(value: Optional[dict[str, Any]]) -> Optional[dict[str, Any]]:
    """At most 16 pairs; keys <= 64 characters; values strings (<= 512), numbers or booleans."""
    if value is None:
        return None
    if len(value) > MAX_ATTRIBUTES:
        raise ValueError(f"too many properties. Expected an object with at most {MAX_ATTRIBUTES} "
                         f"properties, but got an object with {len(value)} properties instead")
    for key, item in value.items():
        if len(key) > MAX_ATTRIBUTE_KEY:
            raise ValueError(f"key '{key[:20]}...' is too long. Expected a key with maximum length "
                             f"{MAX_ATTRIBUTE_KEY}, but got a key with length {len(key)} instead")
        if not isinstance(item, (str, int, float, bool)):
            raise ValueError(f"value for key '{key}' must be a string, number or boolean")
        if isinstance(item, str) and len(item) > MAX_ATTRIBUTE_VALUE:
            raise ValueError(f"value for key '{key}' is too long. Expected a string with maximum length "
                             f"{MAX_ATTRIBUTE_VALUE}, but got a string with length {len(item)} instead")
    return value


def check_static(strategy: Any) -> Any:
    """The overlap must not exceed half of ``max_chunk_size_tokens``."""
    static = getattr(strategy, "static", None)
    if isinstance(static, StaticChunking) and static.chunk_overlap_tokens > static.max_chunk_size_tokens // 2:
        raise ValueError("chunk_overlap_tokens must not exceed half of max_chunk_size_tokens")
    return strategy


class _Attributed(RequestModel):
    attributes: Optional[dict[str, Any]] = None

    @field_validator("attributes")
    @classmethod
    def _attributes(cls, value: Optional[dict[str, Any]]) -> Optional[dict[str, Any]]:
        return check_attributes(value)


class _Chunked(RequestModel):
    chunking_strategy: Optional[ChunkingStrategyParam] = None

    _chunking_not_null = field_validator("chunking_strategy")(not_null_object)

    @field_validator("chunking_strategy")
    @classmethod
    def _chunking(cls, value: Any) -> Any:
        return check_static(value)


# ---------------------------------------------------------------- objects

class FileCounts(WireModel):
    in_progress: int = 0
    completed: int = 0
    failed: int = 0
    cancelled: int = 0
    total: int = 0


class ExpiresAfter(WireModel):
    anchor: Literal["last_active_at"] = "last_active_at"
    days: int


class VectorStoreExpiresAfter(RequestModel):
    anchor: Literal["last_active_at"]
    days: Annotated[int, Field(ge=1, le=365)]


class VectorStore(WireModel):
    id: str
    object: Literal["vector_store"] = "vector_store"
    created_at: int
    name: Optional[str] = None
    description: Optional[str] = None
    usage_bytes: int = 0
    file_counts: FileCounts = Field(default_factory=FileCounts)
    status: Literal["expired", "in_progress", "completed"]
    expires_after: Optional[ExpiresAfter] = None
    expires_at: Optional[int] = None
    last_active_at: Optional[int] = None
    metadata: Optional[dict[str, str]] = None


class VectorStoreFileError(WireModel):
    #: ``server_error``, ``unsupported_file`` or ``invalid_file``.
    code: str
    message: str


class VectorStoreFile(WireModel):
    id: str
    object: Literal["vector_store.file"] = "vector_store.file"
    usage_bytes: int = 0
    created_at: int
    vector_store_id: str
    status: Literal["in_progress", "completed", "cancelled", "failed"]
    last_error: Optional[VectorStoreFileError] = None
    chunking_strategy: Optional[FileChunkingStrategy] = None
    attributes: Attributes = None


class VectorStoreFileBatch(WireModel):
    id: str
    object: Literal["vector_store.files_batch"] = "vector_store.files_batch"
    created_at: int
    vector_store_id: str
    status: Literal["in_progress", "completed", "cancelled", "failed"]
    file_counts: FileCounts


class VectorStoreDeleted(WireModel):
    id: str
    object: Literal["vector_store.deleted"] = "vector_store.deleted"
    deleted: bool


class VectorStoreFileDeleted(WireModel):
    id: str
    object: Literal["vector_store.file.deleted"] = "vector_store.file.deleted"
    deleted: bool


class TextContent(WireModel):
    type: Literal["text"] = "text"
    text: str


class FileContentPage(WireModel):
    object: Literal["vector_store.file_content.page"] = "vector_store.file_content.page"
    data: list[TextContent]
    has_more: bool = False
    next_page: Optional[str] = None


class SearchResult(WireModel):
    file_id: str
    filename: str
    #: In [0, 1].
    score: float
    attributes: Attributes = None
    content: list[TextContent] = Field(default_factory=list)


class SearchResultsPage(WireModel):
    object: Literal["vector_store.search_results.page"] = "vector_store.search_results.page"
    search_query: list[str]
    data: list[SearchResult]
    has_more: bool = False
    next_page: Optional[str] = None


# ---------------------------------------------------------------- requests

class VectorStoreCreateParams(_Chunked, MetadataMixin):
    file_ids: Annotated[list[str], Field(max_length=500)] = Field(default_factory=list)
    name: Optional[Annotated[str, Field(max_length=256)]] = None
    description: Optional[Annotated[str, Field(max_length=512)]] = None
    expires_after: Optional[VectorStoreExpiresAfter] = None

    _strings_not_null = field_validator("name", "description")(not_null)
    _expiry_not_null = field_validator("expires_after")(not_null_object)


class VectorStoreUpdateParams(MetadataMixin):
    name: Optional[Annotated[str, Field(max_length=256)]] = None
    expires_after: Optional[VectorStoreExpiresAfter] = None

    _name_not_null = field_validator("name")(not_null)


class VectorStoreFileCreateParams(_Chunked, _Attributed):
    file_id: Annotated[str, Field(min_length=1)]


class VectorStoreFileUpdateParams(RequestModel):
    attributes: Optional[dict[str, Any]]

    @field_validator("attributes")
    @classmethod
    def _attributes(cls, value: Optional[dict[str, Any]]) -> Optional[dict[str, Any]]:
        return check_attributes(value)


class FileBatchCreateParams(_Chunked, _Attributed):
    file_ids: Optional[Annotated[list[str], Field(min_length=1, max_length=2000)]] = None
    files: Optional[Annotated[list[VectorStoreFileCreateParams], Field(min_length=1, max_length=2000)]] = None

    _lists_not_null = field_validator("file_ids", "files")(not_null_array)


class ComparisonFilter(RequestModel):
    type: Literal["eq", "ne", "gt", "gte", "lt", "lte", "in", "nin"]
    key: str
    value: Union[str, float, bool, list[Union[str, float]]]

    @field_validator("value")
    @classmethod
    def _array_only_for_membership(cls, value: Any, info: ValidationInfo) -> Any:
        membership = info.data.get("type") in ("in", "nin")
        if isinstance(value, list) != membership:
            raise ValueError("the value must be an array for 'in' and 'nin' and a string, number or boolean for the other comparisons")
        return value


class CompoundFilter(RequestModel):
    type: Literal["and", "or"]
    filters: list[Filter]


def _filter_kind(value: Any) -> str:
    kind = value.get("type") if isinstance(value, dict) else getattr(value, "type", None)
    return "compound" if kind in ("and", "or") else "comparison"


#: A filter's ``type`` picks its shape, so errors name the shape's own fields.
Filter = Annotated[Union[Annotated[ComparisonFilter, Tag("comparison")], Annotated[CompoundFilter, Tag("compound")]],
                   Discriminator(_filter_kind)]


class SearchRankingOptions(RequestModel):
    ranker: Literal["none", "auto", "default-2024-11-15", "default_2024_08_21"] = "auto"
    score_threshold: Annotated[float, Field(ge=0.0, le=1.0)] = 0.0


class SearchParams(RequestModel):
    query: Union[Annotated[str, Field(min_length=1)], Annotated[list[str], Field(min_length=1)]]
    rewrite_query: bool = False
    max_num_results: Annotated[int, Field(ge=1, le=50)] = 10
    filters: Optional[Filter] = None
    ranking_options: Optional[SearchRankingOptions] = None

    _objects_not_null = field_validator("filters", "ranking_options")(not_null_object)

    def queries(self) -> list[str]:
        return [self.query] if isinstance(self.query, str) else list(self.query)


CompoundFilter.model_rebuild()

__all__ = [
    "Attributes", "ComparisonFilter", "CompoundFilter", "ExpiresAfter", "FileBatchCreateParams",
    "FileContentPage", "FileCounts", "Filter", "SearchParams", "SearchRankingOptions", "SearchResult",
    "SearchResultsPage", "TextContent", "VectorStore", "VectorStoreCreateParams", "VectorStoreDeleted",
    "VectorStoreExpiresAfter", "VectorStoreFile", "VectorStoreFileBatch", "VectorStoreFileCreateParams",
    "VectorStoreFileDeleted", "VectorStoreFileError", "VectorStoreFileUpdateParams", "VectorStoreUpdateParams", "check_attributes",
]
