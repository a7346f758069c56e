"""``openbeta.types.beta.threads.runs``: run steps, tool calls and their deltas."""

from ....run_step import (
    CodeInterpreterToolCall,
    CodeInterpreterToolCallDelta,
    FileSearchToolCall,
    FileSearchToolCallDelta,
    FunctionToolCall,
    FunctionToolCallDelta,
    MessageCreationStepDetails,
    RunStep,
    RunStepDelta,
    StepListParams,
    StepRetrieveParams,
    ToolCall,
    ToolCallDelta,
    ToolCallDeltaObject,
    ToolCallsStepDetails,
)

__all__ = [
    "StepListParams", "StepRetrieveParams",
    "CodeInterpreterToolCall", "CodeInterpreterToolCallDelta", "FileSearchToolCall", "FileSearchToolCallDelta",
    "FunctionToolCall", "FunctionToolCallDelta", "MessageCreationStepDetails", "RunStep", "RunStepDelta", "ToolCall",
    "ToolCallDelta", "ToolCallDeltaObject", "ToolCallsStepDetails",
]
