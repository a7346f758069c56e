"""``openbeta.types.beta.threads``: messages, runs and their stream deltas."""

from ...message import (
    Annotation,
    Attachment,
    FileCitationAnnotation,
    FilePathAnnotation,
    ImageFile,
    ImageFileContentBlock,
    ImageURL,
    ImageURLContentBlock,
    Message,
    MessageContent,
    MessageDeleted,
    RefusalContentBlock,
    Text,
    TextContentBlock,
)
from ...run import RequiredAction, Run, RunStatus
from ...stream_events import (
    ImageFileDeltaBlock,
    ImageURLDeltaBlock,
    MessageContentDelta,
    MessageDelta,
    RefusalDeltaBlock,
    TextDelta,
    TextDeltaBlock,
)
from . import runs

__all__ = [
    "Annotation", "Attachment", "FileCitationAnnotation", "FilePathAnnotation", "ImageFile",
    "ImageFileContentBlock", "ImageFileDeltaBlock", "ImageURL", "ImageURLContentBlock", "ImageURLDeltaBlock",
    "Message", "MessageContent", "MessageContentDelta", "MessageDelta", "MessageDeleted", "RefusalContentBlock",
    "RefusalDeltaBlock", "RequiredAction", "Run", "RunStatus", "Text", "TextContentBlock", "TextDelta",
    "TextDeltaBlock", "runs",
]
