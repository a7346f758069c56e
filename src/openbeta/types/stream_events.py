"""Assistant stream events: what ``stream: true`` sends as ``event: <name>`` / ``data: <json>``.

The order a run emits them, for a plain reply::

    thread.created                      (create-and-run only)
    thread.run.created, thread.run.queued, thread.run.in_progress
    thread.run.step.created, thread.run.step.in_progress
    thread.message.created, thread.message.in_progress
    thread.message.delta ...            (text fragments)
    thread.message.completed, thread.run.step.completed
    thread.run.completed                (or requires_action / incomplete / failed / cancelled / expired)
    done                                (data: [DONE])
"""

from __future__ import annotations

from typing import Annotated, Any, Literal, Optional, Union

from pydantic import Field

from ._base import WireModel
from .message import Annotation, FileCitation, FilePath, Message, MessageContent
from .run import Run
from .run_step import RunStep, RunStepDelta
from .shared import ErrorObject
from .thread import Thread

RUN_EVENTS = (
    "thread.run.created", "thread.run.queued", "thread.run.in_progress", "thread.run.requires_action",
    "thread.run.completed", "thread.run.incomplete", "thread.run.failed", "thread.run.cancelling",
    "thread.run.cancelled", "thread.run.expired",
)
STEP_EVENTS = (
    "thread.run.step.created", "thread.run.step.in_progress", "thread.run.step.completed",
    "thread.run.step.failed", "thread.run.step.cancelled", "thread.run.step.expired",
)
MESSAGE_EVENTS = (
    "thread.message.created", "thread.message.in_progress", "thread.message.completed",
    "thread.message.incomplete",
)


# ---------------------------------------------------------------- message deltas

class FileCitationDelta(WireModel):
    index: int
    type: Literal["file_citation"] = "file_citation"
    text: Optional[str] = None
    file_citation: Optional[FileCitation] = None
    start_index: Optional[int] = None
    end_index: Optional[int] = None


class FilePathDelta(WireModel):
    index: int
    type: Literal["file_path"] = "file_path"
    text: Optional[str] = None
    file_path: Optional[FilePath] = None
    start_index: Optional[int] = None
    end_index: Optional[int] = None


AnnotationDelta = Annotated[Union[FileCitationDelta, FilePathDelta], Field(discriminator="type")]


class TextDelta(WireModel):
    value: Optional[str] = None
    annotations: Optional[list[AnnotationDelta]] = None


class TextDeltaBlock(WireModel):
    index: int
    type: Literal["text"] = "text"
    text: Optional[TextDelta] = None


class ImageFileDeltaBlock(WireModel):
    index: int
    type: Literal["image_file"] = "image_file"
    image_file: Optional[dict[str, Any]] = None


class ImageURLDeltaBlock(WireModel):
    index: int
    type: Literal["image_url"] = "image_url"
    image_url: Optional[dict[str, Any]] = None


class RefusalDeltaBlock(WireModel):
    index: int
    type: Literal["refusal"] = "refusal"
    refusal: Optional[str] = None


MessageContentDelta = Annotated[
    Union[TextDeltaBlock, ImageFileDeltaBlock, ImageURLDeltaBlock, RefusalDeltaBlock],
    Field(discriminator="type"),
]


class MessageDeltaBody(WireModel):
    role: Optional[Literal["user", "assistant"]] = None
    content: Optional[list[MessageContentDelta]] = None


class MessageDelta(WireModel):
    id: str
    object: Literal["thread.message.delta"] = "thread.message.delta"
    delta: MessageDeltaBody


# ---------------------------------------------------------------- the events

class ThreadCreatedEvent(WireModel):
    event: Literal["thread.created"] = "thread.created"
    data: Thread


class RunEvent(WireModel):
    event: Literal[RUN_EVENTS]  # type: ignore[valid-type]
    data: Run


class RunStepEvent(WireModel):
    event: Literal[STEP_EVENTS]  # type: ignore[valid-type]
    data: RunStep


class RunStepDeltaEvent(WireModel):
    event: Literal["thread.run.step.delta"] = "thread.run.step.delta"
    data: RunStepDelta


class MessageEvent(WireModel):
    event: Literal[MESSAGE_EVENTS]  # type: ignore[valid-type]
    data: Message


class MessageDeltaEvent(WireModel):
    event: Literal["thread.message.delta"] = "thread.message.delta"
    data: MessageDelta


class ErrorEvent(WireModel):
    event: Literal["error"] = "error"
    data: ErrorObject


class DoneEvent(WireModel):
    event: Literal["done"] = "done"
    data: Literal["[DONE]"] = "[DONE]"


AssistantStreamEvent = Annotated[
    Union[
        ThreadCreatedEvent, RunEvent, RunStepEvent, RunStepDeltaEvent, MessageEvent, MessageDeltaEvent,
        ErrorEvent, DoneEvent,
    ],
    Field(discriminator="event"),
]

__all__ = [
    "Annotation",
    "AssistantStreamEvent",
    "DoneEvent",
    "ErrorEvent",
    "MESSAGE_EVENTS",
    "MessageContent",
    "MessageDelta",
    "MessageDeltaEvent",
    "MessageEvent",
    "RUN_EVENTS",
    "RunEvent",
    "RunStepDeltaEvent",
    "RunStepEvent",
    "STEP_EVENTS",
    "ThreadCreatedEvent",
]
