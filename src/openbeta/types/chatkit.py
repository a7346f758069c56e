"""ChatKit (beta): sessions and threads, as the client reads them. Lenient wire objects."""

from __future__ import annotations

from typing import Any, Literal, Optional, Union

from pydantic import Field, StrictBool, StrictFloat, StrictInt, StrictStr
from typing_extensions import Annotated

from ._base import ByType, RequestModel, WireModel


class ChatKitWorkflow(WireModel):
    id: str
    version: Optional[str] = None
    state_variables: Optional[dict[str, Any]] = None
    tracing: Optional[dict[str, Any]] = None


class ChatSession(WireModel):
    """``chatkit.session``: what ``chatkit.sessions.create`` / ``cancel`` return."""

    id: str
    object: Literal["chatkit.session"] = "chatkit.session"
    expires_at: int
    client_secret: str
    workflow: ChatKitWorkflow
    user: str
    rate_limits: Optional[dict[str, Any]] = None
    max_requests_per_1_minute: Optional[int] = None
    status: Literal["active", "expired", "cancelled"]
    chatkit_configuration: Optional[dict[str, Any]] = None


class ChatKitThread(WireModel):
    """``chatkit.thread``; ``status`` is ``{"type": "active" | "locked" | "closed", ...}``."""

    id: str
    object: Literal["chatkit.thread"] = "chatkit.thread"
    created_at: int
    title: Optional[str] = None
    status: dict[str, Any]
    user: str


class ChatKitThreadDeleted(WireModel):
    id: str
    object: Literal["chatkit.thread.deleted"] = "chatkit.thread.deleted"
    deleted: bool


class ChatKitThreadItem(WireModel):
    """One item of a ChatKit thread; a type this SDK does not know parses as this, every field kept."""

    id: str
    object: Literal["chatkit.thread_item"] = "chatkit.thread_item"
    type: str
    thread_id: str
    created_at: int


class ChatKitAttachment(WireModel):
    id: str
    type: Literal["image", "file"]
    name: str
    mime_type: str
    preview_url: Optional[str] = None


class ChatKitThreadUserMessageItem(ChatKitThreadItem):
    """``content``: ``{"type": "input_text" | "quoted_text", "text"}`` parts."""

    type: Literal["chatkit.user_message"] = "chatkit.user_message"
    content: list[dict[str, Any]]
    attachments: list[ChatKitAttachment] = []
    inference_options: Optional[dict[str, Any]] = None


class ChatKitResponseOutputText(WireModel):
    """``annotations``: ``{"type": "file", "source": {"type": "file", "filename"}}`` or the ``url`` twin."""

    type: Literal["output_text"] = "output_text"
    text: str
    annotations: list[dict[str, Any]] = []


class ChatKitThreadAssistantMessageItem(ChatKitThreadItem):
    type: Literal["chatkit.assistant_message"] = "chatkit.assistant_message"
    content: list[ChatKitResponseOutputText]


class ChatKitWidgetItem(ChatKitThreadItem):
    type: Literal["chatkit.widget"] = "chatkit.widget"
    widget: str  # the widget, serialized as JSON


class ChatKitClientToolCallItem(ChatKitThreadItem):
    type: Literal["chatkit.client_tool_call"] = "chatkit.client_tool_call"
    status: Literal["in_progress", "completed"]
    call_id: str
    name: str
    arguments: str  # JSON
    output: Optional[str] = None  # JSON


class ChatKitTaskItem(ChatKitThreadItem):
    type: Literal["chatkit.task"] = "chatkit.task"
    task_type: Literal["custom", "thought"]
    heading: Optional[str] = None
    summary: Optional[str] = None


class ChatKitTaskGroupTask(WireModel):
    type: Literal["custom", "thought"]
    heading: Optional[str] = None
    summary: Optional[str] = None


class ChatKitTaskGroupItem(ChatKitThreadItem):
    type: Literal["chatkit.task_group"] = "chatkit.task_group"
    tasks: list[ChatKitTaskGroupTask]


#: An item of ``threads.list_items``, by its ``type``.
ChatKitItem = Annotated[Union[ChatKitThreadUserMessageItem, ChatKitThreadAssistantMessageItem, ChatKitWidgetItem,
                              ChatKitClientToolCallItem, ChatKitTaskItem, ChatKitTaskGroupItem, ChatKitThreadItem],
                        ByType()]


# ---------------------------------------------------------------- requests (``POST /chatkit/sessions``)

StateValue = Union[Annotated[StrictStr, Field(max_length=10_485_760)], StrictBool, StrictInt, StrictFloat]


class WorkflowTracingParam(RequestModel):
    enabled: Optional[bool] = None


class WorkflowParam(RequestModel):
    id: Annotated[str, Field(min_length=1)]
    version: Optional[str] = None
    state_variables: Optional[Annotated[dict[Annotated[str, Field(max_length=64)], StateValue],
                                        Field(max_length=64)]] = None
    tracing: Optional[WorkflowTracingParam] = None


class ExpiresAfterParam(RequestModel):
    anchor: Literal["created_at"]
    seconds: Annotated[int, Field(ge=1, le=600)]


class RateLimitsParam(RequestModel):
    max_requests_per_1_minute: Optional[Annotated[int, Field(ge=1)]] = None


class AutomaticThreadTitlingParam(RequestModel):
    enabled: Optional[bool] = None


class FileUploadParam(RequestModel):
    enabled: Optional[bool] = None
    max_file_size: Optional[Annotated[int, Field(ge=1, le=512)]] = None
    max_files: Optional[Annotated[int, Field(ge=1)]] = None


class HistoryParam(RequestModel):
    enabled: Optional[bool] = None
    recent_threads: Optional[Annotated[int, Field(ge=1)]] = None


class ChatKitConfigurationParam(RequestModel):
    automatic_thread_titling: Optional[AutomaticThreadTitlingParam] = None
    file_upload: Optional[FileUploadParam] = None
    history: Optional[HistoryParam] = None


class SessionCreateParams(RequestModel):
    user: Annotated[str, Field(min_length=1, max_length=512)]
    workflow: WorkflowParam
    expires_after: Optional[ExpiresAfterParam] = None
    rate_limits: Optional[RateLimitsParam] = None
    chatkit_configuration: Optional[ChatKitConfigurationParam] = None


__all__ = ["SessionCreateParams", "ChatKitAttachment", "ChatKitClientToolCallItem", "ChatKitItem",
           "ChatKitResponseOutputText", "ChatKitTaskGroupItem", "ChatKitTaskGroupTask", "ChatKitTaskItem",
           "ChatKitThreadAssistantMessageItem", "ChatKitThreadUserMessageItem", "ChatKitWidgetItem", "ChatKitThread", "ChatKitThreadDeleted", "ChatKitThreadItem", "ChatKitWorkflow", "ChatSession"]
