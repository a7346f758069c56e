"""Responses: ``/v1/responses`` (create, retrieve, delete, cancel, input items, input tokens).

A response is one model answer to ``input`` (a string or items), optionally continuing an earlier
response (``previous_response_id``) or a conversation. Its ``output`` is a list of items: assistant
messages with ``output_text`` parts, ``function_call``\\ s for the caller to run, and the calls of the
server's own tools (``file_search_call``, ``code_interpreter_call``). The same item shapes are a
conversation's items (:mod:`.conversations`) and a response's ``input_items``.

Request models forbid unknown fields (the server answers 400 ``unknown_parameter``); the object
models accept fields they do not know. Parameters the server does not act on are typed loosely here
(``Any``) so that the server can name them in a clear error rather than a type error.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal, Optional, Union

from pydantic import ConfigDict, Field

from ._base import ByType, RequestModel, WireModel
from .shared import MAX_TOOLS, ListPage, MetadataParam

MAX_INSTRUCTIONS_CHARS = 256_000
#: Items one ``input`` array may hold.
MAX_INPUT_ITEMS = 2048
#: Characters one text part (or one string ``input``) may hold.
MAX_TEXT_CHARS = 10_485_760

ResponseStatus = Literal["completed", "failed", "in_progress", "cancelled", "queued", "incomplete"]
ItemStatus = Literal["in_progress", "completed", "incomplete"]
#: ``include`` values (spec ``IncludeEnum``); the server acts on the first two and accepts the rest.
Includable = Literal[
    "file_search_call.results", "code_interpreter_call.outputs", "message.input_image.image_url",
    "message.output_text.logprobs", "reasoning.encrypted_content", "web_search_call.results",
    "web_search_call.action.sources", "computer_call_output.output.image_url",
]


# ---------------------------------------------------------------- annotations and content parts

class FileCitation(WireModel):
    """A passage of a file found by ``file_search``; ``index`` is where in the text it is cited."""

    type: Literal["file_citation"] = "file_citation"
    file_id: str
    filename: str
    index: int


class FilePath(WireModel):
    """A file the code interpreter wrote, linked at ``index``."""

    type: Literal["file_path"] = "file_path"
    file_id: str
    index: int


class ContainerFileCitation(WireModel):
    """A file the code interpreter wrote into a container, named in the text from ``start_index`` to
    ``end_index`` (its ``sandbox:/mnt/data/...`` link)."""

    type: Literal["container_file_citation"] = "container_file_citation"
    container_id: str
    file_id: str
    filename: str
    start_index: int
    end_index: int
    file_id: str
    filename: str
    start_index: int
    end_index: int


class OtherAnnotation(WireModel):
    type: str


Annotation = Annotated[Union[FileCitation, FilePath, ContainerFileCitation, OtherAnnotation], ByType()]


class OutputText(WireModel):
    type: Literal["output_text"] = "output_text"
    text: str
    annotations: list[Annotation] = Field(default_factory=list)
    logprobs: list[dict[str, Any]] = Field(default_factory=list)


class Refusal(WireModel):
    type: Literal["refusal"] = "refusal"
    refusal: str


class InputText(WireModel):
    type: Literal["input_text"] = "input_text"
    text: str


class InputImage(WireModel):
    type: Literal["input_image"] = "input_image"
    image_url: Optional[str] = None
    file_id: Optional[str] = None
    detail: Literal["low", "high", "auto", "original"] = "auto"


class InputFile(WireModel):
    type: Literal["input_file"] = "input_file"
    file_id: Optional[str] = None
    filename: Optional[str] = None


class OtherContent(WireModel):
    type: str


Content = Annotated[Union[InputText, InputImage, InputFile, OutputText, Refusal, OtherContent], ByType()]


# ---------------------------------------------------------------- items

class Message(WireModel):
    """A message: the caller's (``input_text``, ``input_image``, ``input_file`` parts) or the model's
    (``role: assistant``, ``output_text`` parts)."""

    type: Literal["message"] = "message"
    id: str
    role: Literal["user", "assistant", "system", "developer"]
    status: ItemStatus = "completed"
    content: list[Content] = Field(default_factory=list)


class FunctionCall(WireModel):
    """A call of one of the caller's functions: the caller runs it and sends a ``function_call_output``
    with the same ``call_id`` in its next request."""

    type: Literal["function_call"] = "function_call"
    id: str
    call_id: str
    name: str
    arguments: str
    status: ItemStatus = "completed"


class FunctionCallOutput(WireModel):
    type: Literal["function_call_output"] = "function_call_output"
    id: str
    call_id: str
    output: Union[str, list[Content]]
    status: ItemStatus = "completed"


class FileSearchResult(WireModel):
    file_id: str
    filename: str
    score: float
    text: str
    attributes: dict[str, Any] = Field(default_factory=dict)


class FileSearchCall(WireModel):
    """``results`` only when the request's ``include`` names ``file_search_call.results``."""

    type: Literal["file_search_call"] = "file_search_call"
    id: str
    status: Literal["in_progress", "searching", "completed", "incomplete", "failed"]
    queries: list[str] = Field(default_factory=list)
    results: Optional[list[FileSearchResult]] = None


class CodeInterpreterLogs(WireModel):
    type: Literal["logs"] = "logs"
    logs: str


class CodeInterpreterImage(WireModel):
    type: Literal["image"] = "image"
    url: str


CodeInterpreterOutput = Annotated[Union[CodeInterpreterLogs, CodeInterpreterImage], Field(discriminator="type")]


class CodeInterpreterCall(WireModel):
    """``outputs`` only when the request's ``include`` names ``code_interpreter_call.outputs``."""

    type: Literal["code_interpreter_call"] = "code_interpreter_call"
    id: str
    status: Literal["in_progress", "completed", "incomplete", "interpreting", "failed"]
    container_id: str
    code: Optional[str] = None
    outputs: Optional[list[CodeInterpreterOutput]] = None


class Compaction(WireModel):
    """What ``POST /v1/responses/compact`` made of a context: the model's summary of it, which a next
    request's ``input`` carries instead of the items it summarises (``encrypted_content``: an opaque
    token; see :mod:`openbeta.server.services.items`)."""

    type: Literal["compaction"] = "compaction"
    id: str
    encrypted_content: str
    created_by: Optional[str] = None


class McpListedTool(WireModel):
    name: str
    input_schema: dict[str, Any] = Field(default_factory=dict)
    description: Optional[str] = None
    annotations: Optional[dict[str, Any]] = None


class McpListTools(WireModel):
    """The tools an MCP server listed for a response (``error``: why it could not list them)."""

    type: Literal["mcp_list_tools"] = "mcp_list_tools"
    id: str
    server_label: str
    tools: list[McpListedTool] = Field(default_factory=list)
    error: Optional[str] = None


class McpCallError(WireModel):
    """Why an MCP call failed: ``mcp_protocol_error`` (``code``, ``message``: the server's JSON-RPC error),
    ``mcp_tool_execution_error`` (``content``: what the tool said) or ``http_error`` (``code``, ``message``:
    the server could not be reached, answered an HTTP error, or did not answer in time)."""

    type: Literal["mcp_protocol_error", "mcp_tool_execution_error", "http_error"]
    code: Optional[int] = None
    message: Optional[str] = None
    content: Optional[Any] = None


class McpCall(WireModel):
    """A call of a tool on an MCP server, made by this server."""

    type: Literal["mcp_call"] = "mcp_call"
    id: str
    server_label: str
    name: str
    arguments: str
    output: Optional[str] = None
    error: Optional[McpCallError] = None
    status: Optional[Literal["in_progress", "completed", "incomplete", "calling", "failed"]] = None
    approval_request_id: Optional[str] = None


class McpApprovalRequest(WireModel):
    """A call the model wants to make that needs the caller's approval: the response ends with it, and
    the next one answers it with an ``mcp_approval_response``."""

    type: Literal["mcp_approval_request"] = "mcp_approval_request"
    id: str
    server_label: str
    name: str
    arguments: str


class McpApprovalResponse(WireModel):
    type: Literal["mcp_approval_response"] = "mcp_approval_response"
    id: str
    approval_request_id: str
    approve: bool
    reason: Optional[str] = None


class OtherItem(WireModel):
    """An item of a type this version does not know (a newer server's)."""

    type: str
    id: Optional[str] = None


#: An item of a response's ``output``, of its ``input_items`` or of a conversation.
Item = Annotated[
    Union[Message, FunctionCall, FunctionCallOutput, FileSearchCall, CodeInterpreterCall, Compaction, McpListTools,
          McpCall, McpApprovalRequest, McpApprovalResponse, OtherItem],
    ByType()]


# ---------------------------------------------------------------- tools

class FunctionTool(WireModel):
    type: Literal["function"] = "function"
    name: Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[a-zA-Z0-9_-]+$")]
    description: Optional[str] = None
    parameters: Optional[dict[str, Any]] = None
    strict: Optional[bool] = None


class RankingOptions(WireModel):
    ranker: Literal["auto", "default-2024-11-15", "default_2024_08_21"] = "auto"
    score_threshold: Annotated[float, Field(ge=0.0, le=1.0)] = 0.0


class FileSearchTool(WireModel):
    type: Literal["file_search"] = "file_search"
    vector_store_ids: Annotated[list[str], Field(max_length=2)]
    max_num_results: Optional[Annotated[int, Field(ge=1, le=50)]] = None
    ranking_options: Optional[RankingOptions] = None
    filters: Optional[dict[str, Any]] = None


class AutoContainer(WireModel):
    """``container: {"type": "auto"}``: a container made for the response (``file_ids`` copied in), or the
    one an earlier response of the same conversation or chain made, while it runs."""

    type: Literal["auto"] = "auto"
    file_ids: Optional[Annotated[list[str], Field(max_length=50)]] = None
    memory_limit: Optional[Literal["1g", "4g", "16g", "64g"]] = None
    network_policy: Optional[dict[str, Any]] = None


class AutoContainerParam(AutoContainer):
    model_config = ConfigDict(extra="forbid")
    type: Literal["auto"]


class CodeInterpreterTool(WireModel):
    type: Literal["code_interpreter"] = "code_interpreter"
    container: Union[str, AutoContainer]


class McpToolFilter(WireModel):
    tool_names: Optional[list[str]] = None
    read_only: Optional[bool] = None


class McpApprovalFilter(WireModel):
    always: Optional[McpToolFilter] = None
    never: Optional[McpToolFilter] = None


class McpTool(WireModel):
    """Tools of an MCP server the operator allows (``OPENBETA_MCP_ALLOWED_URLS``), reached over Streamable
    HTTP. ``headers`` are sent to it and never shown back (the response echoes the tool without them)."""

    type: Literal["mcp"] = "mcp"
    server_label: str
    server_url: Optional[str] = None
    server_description: Optional[str] = None
    headers: Optional[dict[str, str]] = None
    allowed_tools: Optional[Union[list[str], McpToolFilter]] = None
    require_approval: Optional[Union[Literal["always", "never"], McpApprovalFilter]] = None


class OtherTool(WireModel):
    """A tool type the server does not run (``web_search``, ``mcp``, ``computer_use_preview`` ...)."""

    type: str


Tool = Annotated[Union[FunctionTool, FileSearchTool, CodeInterpreterTool, McpTool, OtherTool], ByType()]

_STRICT = ConfigDict(extra="forbid")


class FunctionToolParam(FunctionTool):
    model_config = _STRICT
    type: Literal["function"]


class FileSearchToolParam(FileSearchTool):
    model_config = _STRICT
    type: Literal["file_search"]


class CodeInterpreterToolParam(CodeInterpreterTool):
    model_config = _STRICT
    type: Literal["code_interpreter"]
    container: Union[Annotated[str, Field(min_length=1, max_length=64)], AutoContainerParam]


class McpToolFilterParam(McpToolFilter):
    model_config = _STRICT


class McpApprovalFilterParam(McpApprovalFilter):
    model_config = _STRICT
    always: Optional[McpToolFilterParam] = None
    never: Optional[McpToolFilterParam] = None


class McpToolParam(McpTool):
    """``connector_id``, ``authorization`` and ``tunnel_id`` (OpenAI's hosted connectors and tunnels) are
    refused by name before validation (see the server's Responses service); ``defer_loading`` and
    ``allowed_callers`` likewise."""

    model_config = _STRICT
    type: Literal["mcp"]
    server_label: Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[a-zA-Z0-9_-]+$")]
    server_url: Annotated[str, Field(min_length=1, max_length=2048)]
    server_description: Optional[Annotated[str, Field(max_length=4096)]] = None
    headers: Optional[Annotated[dict[str, Annotated[str, Field(max_length=8192)]], Field(max_length=32)]] = None
    allowed_tools: Optional[Union[Annotated[list[str], Field(max_length=MAX_TOOLS)], McpToolFilterParam]] = None
    require_approval: Optional[Union[Literal["always", "never"], McpApprovalFilterParam]] = None


#: Tools a request may name. The server refuses other types before validation, with ``unsupported_tool``
#: naming ``tools[i]`` (:data:`SUPPORTED_TOOLS`).
ToolParam = Annotated[Union[FunctionToolParam, FileSearchToolParam, CodeInterpreterToolParam, McpToolParam],
                      Field(discriminator="type")]
SUPPORTED_TOOLS = ("function", "file_search", "code_interpreter", "mcp")


class ToolChoiceFunction(WireModel):
    type: Literal["function"] = "function"
    name: str


class ToolChoiceHosted(WireModel):
    type: Literal["file_search", "code_interpreter"]


ToolChoice = Union[Literal["none", "auto", "required"], ToolChoiceFunction, ToolChoiceHosted]


class ToolChoiceFunctionParam(ToolChoiceFunction):
    model_config = _STRICT
    type: Literal["function"]


class ToolChoiceHostedParam(ToolChoiceHosted):
    model_config = _STRICT


ToolChoiceParam = Union[Literal["none", "auto", "required"], Annotated[
    Union[ToolChoiceFunctionParam, ToolChoiceHostedParam], Field(discriminator="type")]]


# ---------------------------------------------------------------- text format, reasoning

class FormatText(WireModel):
    type: Literal["text"] = "text"


class FormatJSONObject(WireModel):
    type: Literal["json_object"] = "json_object"


class FormatJSONSchema(WireModel):
    type: Literal["json_schema"] = "json_schema"
    name: Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[a-zA-Z0-9_-]+$")]
    schema_: dict[str, Any] = Field(alias="schema")
    description: Optional[str] = None
    strict: Optional[bool] = None


TextFormat = Annotated[Union[FormatText, FormatJSONObject, FormatJSONSchema], Field(discriminator="type")]


class TextConfig(WireModel):
    format: TextFormat = Field(default_factory=FormatText)
    verbosity: Optional[Literal["low", "medium", "high"]] = None


class TextConfigParam(TextConfig):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class Reasoning(WireModel):
    effort: Optional[Literal["none", "minimal", "low", "medium", "high", "xhigh", "max"]] = None
    summary: Optional[Literal["auto", "concise", "detailed"]] = None


class ReasoningParam(Reasoning):
    model_config = _STRICT
    generate_summary: Optional[Literal["auto", "concise", "detailed"]] = None


class ConversationRef(WireModel):
    id: str


class ConversationRefParam(ConversationRef):
    model_config = _STRICT


class StreamOptionsParam(RequestModel):
    include_obfuscation: Optional[bool] = None


# ---------------------------------------------------------------- input items (as callers send them)

class InputTextParam(RequestModel):
    type: Literal["input_text"]
    text: Annotated[str, Field(max_length=MAX_TEXT_CHARS)]


class InputImageParam(RequestModel):
    type: Literal["input_image"]
    image_url: Optional[str] = None
    file_id: Optional[str] = None
    detail: Literal["low", "high", "auto", "original"] = "auto"


class InputFileParam(RequestModel):
    type: Literal["input_file"]
    file_id: Optional[str] = None
    file_data: Optional[str] = None
    filename: Optional[str] = None
    file_url: Optional[str] = None
    detail: Optional[Literal["auto", "low", "high"]] = None


class OutputTextParam(RequestModel):
    """An earlier answer's text, sent back (``annotations`` and ``logprobs`` are kept as given)."""

    type: Literal["output_text"]
    text: Annotated[str, Field(max_length=MAX_TEXT_CHARS)]
    annotations: list[dict[str, Any]] = Field(default_factory=list)
    logprobs: Optional[list[dict[str, Any]]] = None


class RefusalParam(RequestModel):
    type: Literal["refusal"]
    refusal: str


ContentParam = Annotated[
    Union[InputTextParam, InputImageParam, InputFileParam, OutputTextParam, RefusalParam],
    Field(discriminator="type")]
InputContentParam = Annotated[Union[InputTextParam, InputImageParam, InputFileParam], Field(discriminator="type")]


class MessageParam(RequestModel):
    """A message, as ``{"role", "content"}`` (``type`` may be left out) or as an earlier output item
    (``id``, ``status``, ``output_text`` parts)."""

    type: Literal["message"] = "message"
    role: Literal["user", "assistant", "system", "developer"]
    content: Union[Annotated[str, Field(max_length=MAX_TEXT_CHARS)], list[ContentParam]]
    id: Optional[str] = None
    status: Optional[ItemStatus] = None
    phase: Optional[Literal["commentary", "final_answer"]] = None


class FunctionCallParam(RequestModel):
    type: Literal["function_call"]
    call_id: Annotated[str, Field(min_length=1, max_length=256)]
    name: Annotated[str, Field(min_length=1, max_length=64)]
    arguments: str
    id: Optional[str] = None
    status: Optional[ItemStatus] = None


class FunctionCallOutputParam(RequestModel):
    type: Literal["function_call_output"]
    call_id: Annotated[str, Field(min_length=1, max_length=256)]
    output: Union[Annotated[str, Field(max_length=MAX_TEXT_CHARS)], list[InputContentParam]]
    id: Optional[str] = None
    status: Optional[ItemStatus] = None


class FileSearchResultParam(RequestModel):
    file_id: Optional[str] = None
    filename: Optional[str] = None
    score: Optional[float] = None
    text: Optional[str] = None
    attributes: Optional[dict[str, Any]] = None


class FileSearchCallParam(RequestModel):
    type: Literal["file_search_call"]
    id: str
    status: Literal["in_progress", "searching", "completed", "incomplete", "failed"]
    queries: list[str]
    results: Optional[list[FileSearchResultParam]] = None


class CodeInterpreterLogsParam(RequestModel):
    type: Literal["logs"]
    logs: str


class CodeInterpreterImageParam(RequestModel):
    type: Literal["image"]
    url: str


class CodeInterpreterCallParam(RequestModel):
    """An earlier response's code_interpreter call sent back: kept as given (the model does not read it:
    its output is not the server's record)."""

    type: Literal["code_interpreter_call"]
    id: str
    status: Literal["in_progress", "completed", "incomplete", "interpreting", "failed"]
    container_id: str
    code: Optional[str] = None
    outputs: Optional[list[Annotated[Union[CodeInterpreterLogsParam, CodeInterpreterImageParam],
                                     Field(discriminator="type")]]] = None


class McpApprovalResponseParam(RequestModel):
    """The caller's answer to an ``mcp_approval_request`` of the context: approved, the call runs in the
    response this item is input of."""

    type: Literal["mcp_approval_response"]
    approval_request_id: Annotated[str, Field(min_length=1, max_length=256)]
    approve: bool
    reason: Optional[Annotated[str, Field(max_length=MAX_TEXT_CHARS)]] = None
    id: Optional[str] = None


class McpListedToolParam(RequestModel):
    name: Annotated[str, Field(min_length=1, max_length=256)]
    input_schema: dict[str, Any]
    description: Optional[str] = None
    annotations: Optional[dict[str, Any]] = None


class McpListToolsParam(RequestModel):
    """An earlier ``mcp_list_tools`` item sent back: a response with an mcp tool of its ``server_label``
    uses these tools instead of listing them again."""

    type: Literal["mcp_list_tools"]
    id: str
    server_label: str
    tools: list[McpListedToolParam]
    error: Optional[str] = None


class McpCallParam(RequestModel):
    """An earlier ``mcp_call`` item sent back: the model reads its name, arguments and output."""

    type: Literal["mcp_call"]
    id: str
    server_label: str
    name: str
    arguments: str
    output: Optional[str] = None
    error: Optional[dict[str, Any]] = None
    status: Optional[Literal["in_progress", "completed", "incomplete", "calling", "failed"]] = None
    approval_request_id: Optional[str] = None


class McpApprovalRequestParam(RequestModel):
    """An earlier ``mcp_approval_request`` sent back (its id stays what the caller answers)."""

    type: Literal["mcp_approval_request"]
    id: str
    server_label: str
    name: str
    arguments: str


class ReasoningItemParam(RequestModel):
    """Kept as given; never shown to the model (no model here reasons in separate items)."""

    type: Literal["reasoning"]
    id: str
    summary: list[dict[str, Any]]
    content: Optional[list[dict[str, Any]]] = None
    encrypted_content: Optional[str] = None
    status: Optional[ItemStatus] = None


class CompactionParam(RequestModel):
    """A compaction item sent back: its summary stands in the model's context for what it summarised."""

    type: Literal["compaction"]
    encrypted_content: Annotated[str, Field(min_length=1, max_length=20_971_520)]
    id: Optional[str] = None


class ItemReferenceParam(RequestModel):
    """An item already stored (a conversation's, an earlier response's), by id."""

    type: Optional[Literal["item_reference"]] = "item_reference"
    id: str


#: Input item types the server accepts, by ``type`` (a message may leave ``type`` out).
INPUT_ITEM_PARAMS: dict[str, type[RequestModel]] = {
    "message": MessageParam,
    "function_call": FunctionCallParam,
    "function_call_output": FunctionCallOutputParam,
    "file_search_call": FileSearchCallParam,
    "code_interpreter_call": CodeInterpreterCallParam,
    "mcp_list_tools": McpListToolsParam,
    "mcp_call": McpCallParam,
    "mcp_approval_request": McpApprovalRequestParam,
    "mcp_approval_response": McpApprovalResponseParam,
    "reasoning": ReasoningItemParam,
    "compaction": CompactionParam,
    "item_reference": ItemReferenceParam,
}


# ---------------------------------------------------------------- the response

class ResponseError(WireModel):
    code: str
    message: str


class IncompleteDetails(WireModel):
    reason: Literal["max_output_tokens", "content_filter"]


class InputTokensDetails(WireModel):
    cached_tokens: int = 0
    cache_write_tokens: int = 0


class OutputTokensDetails(WireModel):
    reasoning_tokens: int = 0


class ResponseUsage(WireModel):
    input_tokens: int
    input_tokens_details: InputTokensDetails = Field(default_factory=InputTokensDetails)
    output_tokens: int
    output_tokens_details: OutputTokensDetails = Field(default_factory=OutputTokensDetails)
    total_tokens: int


class Response(WireModel):
    """Every field is always sent (``null`` when it has no value); ``output_text`` is not a field of the
    wire object but a convenience of the SDKs (the text of every ``output_text`` part)."""

    id: str
    object: Literal["response"] = "response"
    created_at: int
    status: ResponseStatus
    completed_at: Optional[int] = None
    error: Optional[ResponseError] = None
    incomplete_details: Optional[IncompleteDetails] = None
    instructions: Optional[str] = None
    model: str
    output: list[Item] = Field(default_factory=list)
    usage: Optional[ResponseUsage] = None
    metadata: dict[str, str] = Field(default_factory=dict)
    temperature: float = 1.0
    top_p: float = 1.0
    presence_penalty: float = 0.0
    frequency_penalty: float = 0.0
    top_logprobs: int = 0
    parallel_tool_calls: bool = True
    tool_choice: ToolChoice = "auto"
    tools: list[Tool] = Field(default_factory=list)
    text: TextConfig = Field(default_factory=TextConfig)
    reasoning: Reasoning = Field(default_factory=Reasoning)
    truncation: Literal["auto", "disabled"] = "disabled"
    max_output_tokens: Optional[int] = None
    max_tool_calls: Optional[int] = None
    previous_response_id: Optional[str] = None
    conversation: Optional[ConversationRef] = None
    store: bool = True
    background: bool = False
    service_tier: str = "default"
    user: Optional[str] = None
    safety_identifier: Optional[str] = None
    prompt_cache_key: Optional[str] = None
    prompt_cache_retention: Optional[Literal["in_memory", "24h"]] = None

    @property
    def output_text(self) -> str:
        return "".join(part.text for item in self.output if isinstance(item, Message)
                       for part in item.content if isinstance(part, OutputText))


class ResponseDeleted(WireModel):
    id: str
    object: Literal["response"] = "response"
    deleted: bool = True


class ResponseItemList(ListPage[Item]):
    """``GET /v1/responses/{id}/input_items``: the items the request sent, as stored."""


class CompactedResponse(WireModel):
    """``POST /v1/responses/compact``: every user message of the context, then one compaction item."""

    id: str
    object: Literal["response.compaction"] = "response.compaction"
    created_at: int
    output: list[Item] = Field(default_factory=list)
    usage: ResponseUsage


class InputTokens(WireModel):
    object: Literal["response.input_tokens"] = "response.input_tokens"
    input_tokens: int


# ---------------------------------------------------------------- requests

class _ContextParams(RequestModel):
    """What shapes the model's context: shared by create and ``input_tokens``."""

    model: Optional[Annotated[str, Field(min_length=1, max_length=256)]] = None
    input: Optional[Union[Annotated[str, Field(max_length=MAX_TEXT_CHARS)],
                          Annotated[list[Any], Field(max_length=MAX_INPUT_ITEMS)]]] = None
    instructions: Optional[Annotated[str, Field(max_length=MAX_INSTRUCTIONS_CHARS)]] = None
    previous_response_id: Optional[Annotated[str, Field(min_length=1, max_length=64)]] = None
    conversation: Optional[Union[Annotated[str, Field(min_length=1, max_length=64)], ConversationRefParam]] = None
    tools: Optional[Annotated[list[ToolParam], Field(max_length=MAX_TOOLS)]] = None
    tool_choice: Optional[ToolChoiceParam] = None
    parallel_tool_calls: Optional[bool] = None
    text: Optional[TextConfigParam] = None
    reasoning: Optional[ReasoningParam] = None
    truncation: Optional[Literal["auto", "disabled"]] = None


class ResponseCreateParams(_ContextParams):
    """``POST /v1/responses``. ``prompt``, ``moderation``, ``context_management``, ``background_options``,
    ``access_programs`` and ``image`` parse, and are refused by the server (not supported) when given
    (:data:`UNSUPPORTED_PARAMETERS`)."""

    stream: Optional[bool] = None
    stream_options: Optional[StreamOptionsParam] = None
    background: Optional[bool] = None
    store: Optional[bool] = None
    include: Optional[list[Includable]] = None
    metadata: MetadataParam = None
    max_output_tokens: Optional[Annotated[int, Field(ge=16)]] = None
    max_tool_calls: Optional[Annotated[int, Field(ge=1)]] = None
    temperature: Optional[Annotated[float, Field(ge=0.0, le=2.0)]] = None
    top_p: Optional[Annotated[float, Field(ge=0.0, le=1.0)]] = None
    top_logprobs: Optional[Annotated[int, Field(ge=0, le=20)]] = None
    user: Optional[Annotated[str, Field(max_length=256)]] = None
    safety_identifier: Optional[Annotated[str, Field(max_length=64)]] = None
    prompt_cache_key: Optional[Annotated[str, Field(max_length=256)]] = None
    prompt_cache_retention: Optional[Literal["in_memory", "24h"]] = None
    prompt_cache_options: Optional[dict[str, Any]] = None
    service_tier: Optional[Literal["auto", "default", "flex", "scale", "priority"]] = None
    prompt: Any = None
    moderation: Any = None
    context_management: Any = None
    background_options: Any = None
    access_programs: Any = None
    image: Any = None


#: Parameters a create (or ``input_tokens``) request may name that the server does not support (400
#: ``unsupported_parameter``).
UNSUPPORTED_PARAMETERS = ("prompt", "moderation", "context_management", "background_options", "access_programs",
                          "image", "personality")


class InputTokensParams(_ContextParams):
    """``POST /v1/responses/input_tokens``: the tokens the model would read, nothing stored. ``personality``
    parses and is refused by the server (not supported) when given."""

    personality: Any = None


class CompactParams(RequestModel):
    """``POST /v1/responses/compact``: the context to compact (``input``, after ``previous_response_id``'s
    items). ``image`` parses and is refused when given (no image compression here)."""

    model: Optional[Annotated[str, Field(min_length=1, max_length=256)]] = None
    input: Optional[Union[Annotated[str, Field(max_length=MAX_TEXT_CHARS)],
                          Annotated[list[Any], Field(max_length=MAX_INPUT_ITEMS)]]] = None
    previous_response_id: Optional[Annotated[str, Field(min_length=1, max_length=64)]] = None
    instructions: Optional[Annotated[str, Field(max_length=MAX_INSTRUCTIONS_CHARS)]] = None
    prompt_cache_key: Optional[Annotated[str, Field(max_length=64)]] = None
    prompt_cache_retention: Optional[Literal["in_memory", "24h"]] = None
    prompt_cache_options: Optional[dict[str, Any]] = None
    service_tier: Optional[Literal["auto", "default", "fast", "flex", "scale", "priority"]] = None
    image: Any = None


__all__ = [
    "Annotation", "CodeInterpreterCall", "CompactParams", "CompactedResponse", "Compaction", "CompactionParam",
    "Content", "FileCitation", "FileSearchCall", "FilePath", "FunctionCall",
    "FunctionCallOutput", "INPUT_ITEM_PARAMS", "Includable", "InputTokens", "InputTokensParams", "Item",
    "Message", "OutputText", "Response", "ResponseCreateParams", "ResponseDeleted", "ResponseItemList",
    "ResponseStatus", "ResponseUsage", "SUPPORTED_TOOLS", "Tool", "ToolParam", "UNSUPPORTED_PARAMETERS",
]
