"""``openbeta.types.beta``: the beta objects under the official SDK's names (re-exported, not copied)."""

from ..assistant import Assistant, AssistantDeleted
from ..shared import (
    CodeInterpreterTool,
    FileSearchTool,
    FunctionTool,
    ResponseFormatJSONObject,
    ResponseFormatJSONSchema,
    ResponseFormatText,
    ToolResources,
)
from ..stream_events import AssistantStreamEvent
from ..thread import Thread, ThreadDeleted
from . import chatkit, realtime, threads

AssistantTool = FunctionTool | FileSearchTool | CodeInterpreterTool

__all__ = [
    "Assistant", "AssistantDeleted", "AssistantStreamEvent", "AssistantTool", "CodeInterpreterTool",
    "FileSearchTool", "FunctionTool", "ResponseFormatJSONObject", "ResponseFormatJSONSchema", "ResponseFormatText",
    "Thread", "ThreadDeleted", "ToolResources", "chatkit", "realtime", "threads",
]
