"""Pieces shared by many objects: metadata, tools, response formats, errors, pages."""

from __future__ import annotations

from typing import Annotated, Any, Generic, Literal, Optional, TypeVar, Union

from pydantic import AfterValidator, BaseModel, Field
from pydantic_core import PydanticCustomError

from ._base import ByType, RequestModel, WireModel

MAX_METADATA_PAIRS = 16
MAX_METADATA_KEY = 64
MAX_METADATA_VALUE = 512

Metadata = Optional[dict[str, str]]


def _refusing_null(error_type: str, message: str) -> Any:
    def check(value: Any) -> Any:
        if value is None:
            raise PydanticCustomError(error_type, message)
        return value
    return check


#: ``field_validator("x")(not_null)``: an optional field the spec does not let be ``null``
#: (omitted is fine; an explicit ``null`` is a wrong type, naming what the field holds).
not_null = _refusing_null("string_type", "Input should be a valid string")
not_null_object = _refusing_null("model_type", "Input should be an object")
not_null_array = _refusing_null("list_type", "Input should be a valid list")
not_null_bool = _refusing_null("bool_type", "Input should be a valid boolean")


def check_metadata(value: Optional[dict[str, Any]]) -> Optional[dict[str, str]]:
    """OpenAI's metadata limits: 16 pairs, keys <= 64 characters, string values <= 512."""
    if value is None:
        return None
    if len(value) > MAX_METADATA_PAIRS:
        raise ValueError(
            f"too many properties. Expected an object with at most {MAX_METADATA_PAIRS} "
            f"properties, but got an object with {len(value)} properties instead"
        )
    for key, item in value.items():
        if len(key) > MAX_METADATA_KEY:
            raise ValueError(
                f"key '{key[:20]}...' is too long. Expected a key with maximum length "
                f"{MAX_METADATA_KEY}, but got a key with length {len(key)} instead"
            )
        if not isinstance(item, str):
            raise ValueError(f"value for key '{key}' must be a string")
        if len(item) > MAX_METADATA_VALUE:
            raise ValueError(
                f"value for key '{key}' is too long. Expected a string with maximum length "
                f"{MAX_METADATA_VALUE}, but got a string with length {len(item)} instead"
            )
    return value


#: A ``metadata`` request field, checked against OpenAI's limits.
MetadataParam = Annotated[Optional[dict[str, Any]], AfterValidator(check_metadata)]


class MetadataMixin(RequestModel):
    metadata: MetadataParam = None


# ---------------------------------------------------------------- list queries

class ListParams(RequestModel):
    """The query of a cursor-paged list (``limit``, ``order``, ``after``, ``before``)."""

    limit: Annotated[int, Field(ge=1, le=100)] = 20
    order: Literal["asc", "desc"] = "desc"
    after: Optional[str] = None
    before: Optional[str] = None


#: What ``include[]`` may ask of run steps: the file_search results' content.
StepInclude = Literal["step_details.tool_calls[*].file_search.results[*].content"]


# ---------------------------------------------------------------- tools

class FunctionDefinition(WireModel):
    name: Annotated[str, Field(max_length=64, pattern=r"^[a-zA-Z0-9_-]+$")]
    description: Optional[str] = None
    parameters: Optional[dict[str, Any]] = None
    strict: Optional[bool] = None


class FunctionTool(WireModel):
    type: Literal["function"] = "function"
    function: FunctionDefinition


class FileSearchRankingOptions(WireModel):
    ranker: Literal["auto", "default_2024_08_21"] = "auto"
    score_threshold: Annotated[float, Field(ge=0.0, le=1.0)] = 0.0


class FileSearchOptions(WireModel):
    max_num_results: Optional[Annotated[int, Field(ge=1, le=50)]] = None
    ranking_options: Optional[FileSearchRankingOptions] = None


class FileSearchTool(WireModel):
    type: Literal["file_search"] = "file_search"
    file_search: Optional[FileSearchOptions] = None


class CodeInterpreterTool(WireModel):
    type: Literal["code_interpreter"] = "code_interpreter"


Tool = Annotated[Union[CodeInterpreterTool, FileSearchTool, FunctionTool], Field(discriminator="type")]

MAX_TOOLS = 128


# ---------------------------------------------------------------- response formats

class ResponseFormatText(WireModel):
    type: Literal["text"] = "text"


class ResponseFormatJSONObject(WireModel):
    type: Literal["json_object"] = "json_object"


class JSONSchemaFormat(WireModel):
    name: Annotated[str, Field(max_length=64, pattern=r"^[a-zA-Z0-9_-]+$")]
    description: Optional[str] = None
    schema_: Optional[dict[str, Any]] = Field(default=None, alias="schema")
    strict: Optional[bool] = None


class ResponseFormatJSONSchema(WireModel):
    type: Literal["json_schema"] = "json_schema"
    json_schema: JSONSchemaFormat


ResponseFormat = Union[
    Literal["auto"],
    Annotated[
        Union[ResponseFormatText, ResponseFormatJSONObject, ResponseFormatJSONSchema],
        Field(discriminator="type"),
    ],
]


# ---------------------------------------------------------------- tool resources

class CodeInterpreterResources(WireModel):
    file_ids: Annotated[list[str], Field(max_length=20)] = Field(default_factory=list)


class StaticChunking(WireModel):
    max_chunk_size_tokens: Annotated[int, Field(ge=100, le=4096)] = 800
    chunk_overlap_tokens: Annotated[int, Field(ge=0)] = 400


class AutoChunkingStrategy(WireModel):
    type: Literal["auto"] = "auto"


class StaticChunkingStrategy(WireModel):
    type: Literal["static"] = "static"
    static: StaticChunking


class OtherChunkingStrategy(WireModel):
    """How a file was chunked when the strategy is not known (files from before ``chunking_strategy``)."""

    type: str = "other"


#: ``VectorStoreFile.chunking_strategy``: ``static`` with its sizes, or ``other``.
FileChunkingStrategy = Annotated[Union[StaticChunkingStrategy, OtherChunkingStrategy], ByType()]

ChunkingStrategyParam = Annotated[
    Union[AutoChunkingStrategy, StaticChunkingStrategy], Field(discriminator="type")
]


class VectorStoreHelper(WireModel):
    """``tool_resources.file_search.vector_stores[]``: a vector store to create on the fly."""

    file_ids: Annotated[list[str], Field(max_length=10000)] = Field(default_factory=list)
    chunking_strategy: Optional[ChunkingStrategyParam] = None
    metadata: MetadataParam = None


class FileSearchResources(WireModel):
    vector_store_ids: Optional[Annotated[list[str], Field(max_length=1)]] = None
    vector_stores: Optional[Annotated[list[VectorStoreHelper], Field(max_length=1)]] = None


class ToolResources(WireModel):
    code_interpreter: Optional[CodeInterpreterResources] = None
    file_search: Optional[FileSearchResources] = None


class RunFileSearchResources(WireModel):
    """A run's ``file_search`` resources: existing vector stores only (no ``vector_stores`` helper)."""

    vector_store_ids: Optional[Annotated[list[str], Field(max_length=1)]] = None


class RunToolResources(WireModel):
    """Create-thread-and-run's top-level ``tool_resources``: the run's, over the assistant's."""

    code_interpreter: Optional[CodeInterpreterResources] = None
    file_search: Optional[RunFileSearchResources] = None


# ---------------------------------------------------------------- errors and pages

class ErrorObject(BaseModel):
    message: str
    type: str
    param: Optional[str] = None
    code: Optional[str] = None


class ErrorResponse(BaseModel):
    error: ErrorObject


T = TypeVar("T")


class ListPage(WireModel, Generic[T]):
    object: Literal["list"] = "list"
    data: list[T]
    first_id: Optional[str] = None
    last_id: Optional[str] = None
    has_more: bool = False


class DeletedObject(WireModel):
    id: str
    object: str
    deleted: bool = True
