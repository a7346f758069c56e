"""Runs: ``/v1/threads/{thread_id}/runs`` and ``/v1/threads/runs``."""

from __future__ import annotations

from typing import Annotated, Literal, Optional, Union

from pydantic import Field, field_validator

from ._base import RequestModel, WireModel
from .assistant import ReasoningEffort
from .message import MessageCreateParams
from .shared import MetadataMixin, ResponseFormat, RunToolResources, Tool, not_null_bool, not_null_object
from .thread import ThreadCreateParams

RunStatus = Literal[
    "queued", "in_progress", "requires_action", "cancelling", "cancelled", "failed", "completed",
    "incomplete", "expired",
]
TERMINAL_STATUSES = frozenset({"cancelled", "failed", "completed", "incomplete", "expired"})
ACTIVE_STATUSES = frozenset({"queued", "in_progress", "requires_action", "cancelling"})
MAX_RUN_TOOLS = 20


class FunctionCall(WireModel):
    name: str
    arguments: str


class RequiredActionFunctionToolCall(WireModel):
    id: str
    type: Literal["function"] = "function"
    function: FunctionCall


class SubmitToolOutputs(WireModel):
    tool_calls: list[RequiredActionFunctionToolCall]


class RequiredAction(WireModel):
    type: Literal["submit_tool_outputs"] = "submit_tool_outputs"
    submit_tool_outputs: SubmitToolOutputs


class LastError(WireModel):
    code: Literal["server_error", "rate_limit_exceeded", "invalid_prompt"]
    message: str


class RunIncompleteDetails(WireModel):
    reason: Optional[Literal["max_completion_tokens", "max_prompt_tokens"]] = None


class Usage(WireModel):
    completion_tokens: int
    prompt_tokens: int
    total_tokens: int


class TruncationStrategy(WireModel):
    type: Literal["auto", "last_messages"]
    last_messages: Optional[Annotated[int, Field(ge=1)]] = None


class ToolChoiceFunction(WireModel):
    name: str


class NamedToolChoice(WireModel):
    type: Literal["function", "code_interpreter", "file_search"]
    function: Optional[ToolChoiceFunction] = None


ToolChoice = Union[Literal["none", "auto", "required"], NamedToolChoice]


class Run(WireModel):
    id: str
    object: Literal["thread.run"] = "thread.run"
    created_at: int
    thread_id: str
    assistant_id: str
    status: RunStatus
    required_action: Optional[RequiredAction] = None
    last_error: Optional[LastError] = None
    expires_at: Optional[int] = None
    started_at: Optional[int] = None
    cancelled_at: Optional[int] = None
    failed_at: Optional[int] = None
    completed_at: Optional[int] = None
    incomplete_details: Optional[RunIncompleteDetails] = None
    model: str
    instructions: str = ""
    tools: list[Tool] = Field(default_factory=list)
    metadata: Optional[dict[str, str]] = None
    usage: Optional[Usage] = None
    temperature: Optional[float] = None
    top_p: Optional[float] = None
    max_prompt_tokens: Optional[int] = None
    max_completion_tokens: Optional[int] = None
    truncation_strategy: Optional[TruncationStrategy] = None
    tool_choice: Optional[ToolChoice] = None
    parallel_tool_calls: bool = True
    response_format: Optional[ResponseFormat] = None
    reasoning_effort: Optional[ReasoningEffort] = None


# ---------------------------------------------------------------- requests

class _RunOptions(MetadataMixin):
    model: Optional[Annotated[str, Field(min_length=1, max_length=256)]] = None
    instructions: Optional[Annotated[str, Field(max_length=256_000)]] = None
    tools: Optional[Annotated[list[Tool], Field(max_length=MAX_RUN_TOOLS)]] = None
    temperature: Optional[Annotated[float, Field(ge=0.0, le=2.0)]] = None
    top_p: Optional[Annotated[float, Field(ge=0.0, le=1.0)]] = None
    stream: Optional[bool] = None
    max_prompt_tokens: Optional[Annotated[int, Field(ge=256)]] = None
    max_completion_tokens: Optional[Annotated[int, Field(ge=256)]] = None
    truncation_strategy: Optional[TruncationStrategy] = None
    tool_choice: Optional[ToolChoice] = None
    parallel_tool_calls: Optional[bool] = None
    response_format: Optional[ResponseFormat] = None

    _parallel_tool_calls_not_null = field_validator("parallel_tool_calls")(not_null_bool)


class RunCreateParams(_RunOptions):
    assistant_id: str
    reasoning_effort: Optional[ReasoningEffort] = None
    additional_instructions: Optional[Annotated[str, Field(max_length=256_000)]] = None
    additional_messages: Optional[list[MessageCreateParams]] = None


class ThreadCreateAndRunParams(_RunOptions):
    assistant_id: str
    thread: Optional[ThreadCreateParams] = None
    #: The run's own resources, over the assistant's (the thread's are ``thread.tool_resources``).
    tool_resources: Optional[RunToolResources] = None

    _thread_not_null = field_validator("thread")(not_null_object)


class RunUpdateParams(MetadataMixin):
    pass


class ToolOutput(RequestModel):
    tool_call_id: Optional[str] = None
    output: Optional[str] = None


class SubmitToolOutputsParams(RequestModel):
    tool_outputs: list[ToolOutput]
    stream: Optional[bool] = None


__all__ = [
    "ACTIVE_STATUSES",
    "TERMINAL_STATUSES",
    "LastError",
    "RequiredAction",
    "Run",
    "RunCreateParams",
    "RunStatus",
    "RunUpdateParams",
    "SubmitToolOutputsParams",
    "ThreadCreateAndRunParams",
    "ToolChoice",
    "ToolOutput",
    "TruncationStrategy",
    "Usage",
]
