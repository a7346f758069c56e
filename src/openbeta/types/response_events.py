"""Response stream events: what ``POST /v1/responses`` with ``stream: true`` (and
``GET /v1/responses/{id}?stream=true``) sends as ``event: <type>`` / ``data: <json>``, ending with
``data: [DONE]``.

Every event carries ``sequence_number``, from 0 and one more per event of the response. An item is
announced (``response.output_item.added``, at ``output_index`` = its place in ``output``) before any
event naming it, and done (``response.output_item.done``) before the response ends. A text answer::

    response.created, response.in_progress
    response.output_item.added            (message, in_progress)
    response.content_part.added           (output_text, "")
    response.output_text.delta ...        (response.output_text.annotation.added where a file is cited)
    response.output_text.done, response.content_part.done, response.output_item.done
    response.completed                    (or response.incomplete / response.failed)

A function call: ``output_item.added`` (function_call), ``function_call_arguments.delta`` ...,
``function_call_arguments.done``, ``output_item.done``. ``file_search``: ``output_item.added``,
``file_search_call.in_progress``, ``.searching``, ``.completed``, ``output_item.done``.
``code_interpreter``: ``output_item.added``, ``code_interpreter_call.in_progress``,
``code_interpreter_call_code.delta`` ..., ``code_interpreter_call_code.done``, ``.interpreting``,
``.completed``, ``output_item.done``. ``mcp``: its tools listed first (``output_item.added`` mcp_list_tools,
``mcp_list_tools.in_progress``, ``.completed`` or ``.failed``, ``output_item.done``); a call
(``output_item.added`` mcp_call, ``mcp_call.in_progress``, ``mcp_call_arguments.delta`` ...,
``mcp_call_arguments.done``, ``mcp_call.completed`` or ``.failed``, ``output_item.done``); a call that needs
approval (``output_item.added`` and ``output_item.done`` of its mcp_approval_request). A background response created queued opens with
``response.queued``. A cancelled response's stream ends after its open items are done (there is no
cancel event: retrieve the response).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal, Optional, Union, get_args, get_origin

from ._base import ByType, WireModel
from .responses import Annotation, Content, Item, Response


class _Event(WireModel):
    sequence_number: int


class _ItemEvent(_Event):
    item_id: str
    output_index: int


class _PartEvent(_ItemEvent):
    content_index: int


class ResponseLifecycleEvent(_Event):
    type: Literal["response.created", "response.queued", "response.in_progress", "response.completed",
                  "response.incomplete", "response.failed"]
    response: Response


class OutputItemEvent(_Event):
    type: Literal["response.output_item.added", "response.output_item.done"]
    output_index: int
    item: Item


class ContentPartEvent(_PartEvent):
    type: Literal["response.content_part.added", "response.content_part.done"]
    part: Content


class OutputTextDeltaEvent(_PartEvent):
    type: Literal["response.output_text.delta"] = "response.output_text.delta"
    delta: str
    logprobs: list[dict] = []


class OutputTextDoneEvent(_PartEvent):
    type: Literal["response.output_text.done"] = "response.output_text.done"
    text: str
    logprobs: list[dict] = []


class AnnotationAddedEvent(_PartEvent):
    type: Literal["response.output_text.annotation.added"] = "response.output_text.annotation.added"
    annotation_index: int
    annotation: Annotation


class FunctionCallArgumentsDeltaEvent(_ItemEvent):
    type: Literal["response.function_call_arguments.delta"] = "response.function_call_arguments.delta"
    delta: str


class FunctionCallArgumentsDoneEvent(_ItemEvent):
    type: Literal["response.function_call_arguments.done"] = "response.function_call_arguments.done"
    name: Optional[str] = None
    arguments: str


class ToolCallProgressEvent(_ItemEvent):
    """A server tool call's progress: no body beyond which item it is."""

    type: Literal[
        "response.file_search_call.in_progress", "response.file_search_call.searching",
        "response.file_search_call.completed", "response.code_interpreter_call.in_progress",
        "response.code_interpreter_call.interpreting", "response.code_interpreter_call.completed",
        "response.mcp_list_tools.in_progress", "response.mcp_list_tools.completed", "response.mcp_list_tools.failed",
        "response.mcp_call.in_progress", "response.mcp_call.completed", "response.mcp_call.failed",
    ]


class McpArgumentsDeltaEvent(_ItemEvent):
    type: Literal["response.mcp_call_arguments.delta"] = "response.mcp_call_arguments.delta"
    delta: str


class McpArgumentsDoneEvent(_ItemEvent):
    type: Literal["response.mcp_call_arguments.done"] = "response.mcp_call_arguments.done"
    arguments: str


class CodeDeltaEvent(_ItemEvent):
    type: Literal["response.code_interpreter_call_code.delta"] = "response.code_interpreter_call_code.delta"
    delta: str


class CodeDoneEvent(_ItemEvent):
    type: Literal["response.code_interpreter_call_code.done"] = "response.code_interpreter_call_code.done"
    code: str


class ErrorEvent(_Event):
    """The stream cannot go on (the response was deleted, or moved to another server); a response that
    fails ends with ``response.failed`` instead."""

    type: Literal["error"] = "error"
    code: Optional[str] = None
    message: str
    param: Optional[str] = None


class SocketErrorEvent(WireModel):
    """An ``error`` event of the WebSocket mode: a client event the server refused, with the HTTP ``status`` the
    same body would get, and the ``stream_id`` its ``response.create`` named."""

    type: Literal["error"] = "error"
    status: int
    error: dict[str, Any]
    stream_id: Optional[str] = None


class OtherEvent(_Event):
    """An event type this version does not know (a newer server's)."""

    type: str


ResponseStreamEvent = Annotated[
    Union[ResponseLifecycleEvent, OutputItemEvent, ContentPartEvent, OutputTextDeltaEvent, OutputTextDoneEvent,
          AnnotationAddedEvent, FunctionCallArgumentsDeltaEvent, FunctionCallArgumentsDoneEvent,
          ToolCallProgressEvent, McpArgumentsDeltaEvent, McpArgumentsDoneEvent, CodeDeltaEvent, CodeDoneEvent,
          ErrorEvent, OtherEvent],
    ByType(),
]


def _classes() -> dict[str, type[WireModel]]:
    table: dict[str, type[WireModel]] = {}
    for member in get_args(get_args(ResponseStreamEvent)[0]):
        annotation = member.model_fields["type"].annotation
        if get_origin(annotation) is Literal:
            table.update({kind: member for kind in get_args(annotation)})
    return table


#: Each declared event type and its class.
EVENT_CLASSES = _classes()


def build_event(kind: str, **body: Any) -> dict[str, Any]:
    """The event ``kind`` with ``body`` (``sequence_number`` and the rest), built with its declared class
    (a field it does not declare, or one of the wrong type, is an error) and rendered as sent."""
    event = EVENT_CLASSES[kind](type=kind, **body)
    if event.model_extra:
        raise ValueError(f"{kind} declares no {', '.join(sorted(event.model_extra))}")
    return event.to_dict()


#: Events after which a response's stream says no more (``error`` included).
FINAL_EVENTS = frozenset({"response.completed", "response.incomplete", "response.failed", "error"})

__all__ = [
    "AnnotationAddedEvent", "CodeDeltaEvent", "CodeDoneEvent", "ContentPartEvent", "EVENT_CLASSES", "ErrorEvent",
    "FINAL_EVENTS", "build_event",
    "FunctionCallArgumentsDeltaEvent", "FunctionCallArgumentsDoneEvent", "McpArgumentsDeltaEvent",
    "McpArgumentsDoneEvent", "OutputItemEvent",
    "OutputTextDeltaEvent", "OutputTextDoneEvent", "ResponseLifecycleEvent", "ResponseStreamEvent",
    "SocketErrorEvent", "ToolCallProgressEvent",
]
