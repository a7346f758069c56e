"""``openbeta.types.beta``: the beta objects under the official SDK's names (re-exported, not copied).

Request parameters (``AssistantCreateParams``, ``ThreadCreateAndRunParams`` ...) are the models the
server validates requests with: ``ThreadCreateAndRunParams.model_validate(params)`` checks a dict
the way the server will (the official SDK's names for them are ``TypedDict``\ s of the same fields).
"""

from ..assistant import Assistant, AssistantCreateParams, AssistantDeleted, AssistantUpdateParams
from ..run import NamedToolChoice, ThreadCreateAndRunParams, ToolChoice, ToolChoiceFunction
from ..shared import (
    CodeInterpreterTool,
    FileSearchTool,
    FunctionTool,
    ListParams,
    ResponseFormat,
    ResponseFormatJSONObject,
    ResponseFormatJSONSchema,
    ResponseFormatText,
    Tool,
    ToolResources,
)
from ..stream_events import AssistantStreamEvent
from ..thread import Thread, ThreadCreateParams, ThreadDeleted, ThreadUpdateParams
from . import chatkit, realtime, threads

AssistantTool = FunctionTool | FileSearchTool | CodeInterpreterTool

# request parameters, under the official SDK's names
AssistantListParams = ListParams
AssistantToolParam = Tool
CodeInterpreterToolParam = CodeInterpreterTool
FileSearchToolParam = FileSearchTool
FunctionToolParam = FunctionTool
AssistantResponseFormatOptionParam = ResponseFormat
AssistantToolChoiceOptionParam = ToolChoice
AssistantToolChoiceParam = NamedToolChoice
AssistantToolChoiceFunctionParam = ToolChoiceFunction

__all__ = [
    "AssistantCreateParams", "AssistantListParams", "AssistantResponseFormatOptionParam",
    "AssistantToolChoiceFunctionParam", "AssistantToolChoiceOptionParam", "AssistantToolChoiceParam",
    "AssistantToolParam", "AssistantUpdateParams", "CodeInterpreterToolParam", "FileSearchToolParam",
    "FunctionToolParam", "ThreadCreateAndRunParams", "ThreadCreateParams", "ThreadUpdateParams",
    "Assistant", "AssistantDeleted", "AssistantStreamEvent", "AssistantTool", "CodeInterpreterTool",
    "FileSearchTool", "FunctionTool", "ResponseFormatJSONObject", "ResponseFormatJSONSchema", "ResponseFormatText",
    "Thread", "ThreadDeleted", "ToolResources", "chatkit", "realtime", "threads",
]
