"""Wire objects of the beta API family, shared by the openbeta server and SDK."""

from ._base import RequestModel, WireModel
from .assistant import Assistant, AssistantCreateParams, AssistantDeleted, AssistantUpdateParams
from .message import Message, MessageCreateParams, MessageDeleted, MessageUpdateParams
from .shared import DeletedObject, ErrorObject, ErrorResponse, ListPage, ToolResources
from .thread import Thread, ThreadCreateParams, ThreadDeleted, ThreadUpdateParams

__all__ = [
    "Assistant",
    "AssistantCreateParams",
    "AssistantDeleted",
    "AssistantUpdateParams",
    "DeletedObject",
    "ErrorObject",
    "ErrorResponse",
    "ListPage",
    "Message",
    "MessageCreateParams",
    "MessageDeleted",
    "MessageUpdateParams",
    "RequestModel",
    "Thread",
    "ThreadCreateParams",
    "ThreadDeleted",
    "ThreadUpdateParams",
    "ToolResources",
    "WireModel",
]
