"""Run steps: ``/v1/threads/{thread_id}/runs/{run_id}/steps``, and their stream deltas."""

from __future__ import annotations

from typing import Annotated, Any, Literal, Optional, Union

from pydantic import Field

from ._base import RequestModel, WireModel
from .run import LastError, Usage
from .shared import ListParams, StepInclude


class MessageCreation(WireModel):
    message_id: str


class MessageCreationStepDetails(WireModel):
    type: Literal["message_creation"] = "message_creation"
    message_creation: MessageCreation


class FunctionToolCallFunction(WireModel):
    name: str
    arguments: str
    output: Optional[str] = None


class FunctionToolCall(WireModel):
    id: str
    type: Literal["function"] = "function"
    function: FunctionToolCallFunction


class FileSearchResultContent(WireModel):
    type: Literal["text"] = "text"
    text: str


class FileSearchResult(WireModel):
    file_id: str
    file_name: str
    score: float
    content: Optional[list[FileSearchResultContent]] = None


class FileSearchRankingOptions(WireModel):
    ranker: Literal["auto", "default_2024_08_21"]
    score_threshold: float


class FileSearch(WireModel):
    ranking_options: Optional[FileSearchRankingOptions] = None
    results: Optional[list[FileSearchResult]] = None


class FileSearchToolCall(WireModel):
    id: str
    type: Literal["file_search"] = "file_search"
    file_search: FileSearch


class CodeInterpreterOutputImageFile(WireModel):
    file_id: str


class CodeInterpreterOutputLogs(WireModel):
    type: Literal["logs"] = "logs"
    logs: str


class CodeInterpreterOutputImage(WireModel):
    type: Literal["image"] = "image"
    image: CodeInterpreterOutputImageFile


CodeInterpreterOutput = Annotated[
    Union[CodeInterpreterOutputLogs, CodeInterpreterOutputImage], Field(discriminator="type")
]


class CodeInterpreter(WireModel):
    input: str
    outputs: list[CodeInterpreterOutput]


class CodeInterpreterToolCall(WireModel):
    id: str
    type: Literal["code_interpreter"] = "code_interpreter"
    code_interpreter: CodeInterpreter


ToolCall = Annotated[
    Union[CodeInterpreterToolCall, FileSearchToolCall, FunctionToolCall], Field(discriminator="type")
]


class ToolCallsStepDetails(WireModel):
    type: Literal["tool_calls"] = "tool_calls"
    tool_calls: list[ToolCall]


StepDetails = Annotated[
    Union[MessageCreationStepDetails, ToolCallsStepDetails], Field(discriminator="type")
]


class RunStep(WireModel):
    id: str
    object: Literal["thread.run.step"] = "thread.run.step"
    created_at: int
    assistant_id: str
    thread_id: str
    run_id: str
    type: Literal["message_creation", "tool_calls"]
    status: Literal["in_progress", "cancelled", "failed", "completed", "expired"]
    step_details: StepDetails
    last_error: Optional[LastError] = None
    expired_at: Optional[int] = None
    cancelled_at: Optional[int] = None
    failed_at: Optional[int] = None
    completed_at: Optional[int] = None
    metadata: Optional[dict[str, str]] = None
    usage: Optional[Usage] = None


# ---------------------------------------------------------------- deltas (stream only)

class FunctionDelta(WireModel):
    name: Optional[str] = None
    arguments: Optional[str] = None
    output: Optional[str] = None


class FunctionToolCallDelta(WireModel):
    index: int
    type: Literal["function"] = "function"
    id: Optional[str] = None
    function: Optional[FunctionDelta] = None


class FileSearchToolCallDelta(WireModel):
    index: int
    type: Literal["file_search"] = "file_search"
    id: Optional[str] = None
    file_search: dict[str, Any] = Field(default_factory=dict)


class CodeInterpreterLogsDelta(WireModel):
    index: int
    type: Literal["logs"] = "logs"
    logs: Optional[str] = None


class CodeInterpreterOutputImageFileDelta(WireModel):
    file_id: Optional[str] = None


class CodeInterpreterImageDelta(WireModel):
    index: int
    type: Literal["image"] = "image"
    image: Optional[CodeInterpreterOutputImageFileDelta] = None


CodeInterpreterOutputDelta = Annotated[
    Union[CodeInterpreterLogsDelta, CodeInterpreterImageDelta], Field(discriminator="type")
]


class CodeInterpreterDelta(WireModel):
    input: Optional[str] = None
    outputs: Optional[list[CodeInterpreterOutputDelta]] = None


class CodeInterpreterToolCallDelta(WireModel):
    index: int
    type: Literal["code_interpreter"] = "code_interpreter"
    id: Optional[str] = None
    code_interpreter: Optional[CodeInterpreterDelta] = None


ToolCallDelta = Annotated[
    Union[CodeInterpreterToolCallDelta, FileSearchToolCallDelta, FunctionToolCallDelta],
    Field(discriminator="type"),
]


class ToolCallDeltaObject(WireModel):
    type: Literal["tool_calls"] = "tool_calls"
    tool_calls: Optional[list[ToolCallDelta]] = None


class MessageCreationDelta(WireModel):
    type: Literal["message_creation"] = "message_creation"
    message_creation: Optional[MessageCreation] = None


class RunStepDeltaBody(WireModel):
    step_details: Optional[
        Annotated[Union[MessageCreationDelta, ToolCallDeltaObject], Field(discriminator="type")]
    ] = None


class RunStepDelta(WireModel):
    id: str
    object: Literal["thread.run.step.delta"] = "thread.run.step.delta"
    delta: RunStepDeltaBody


# ---------------------------------------------------------------- requests

class StepRetrieveParams(RequestModel):
    include: Optional[list[StepInclude]] = None


class StepListParams(ListParams):
    include: Optional[list[StepInclude]] = None
