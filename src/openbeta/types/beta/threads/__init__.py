"""``openbeta.types.beta.threads``: messages, runs and their stream deltas."""

from ...message import (
    Annotation,
    Attachment,
    ContentPartParam,
    FileCitationAnnotation,
    FilePathAnnotation,
    ImageFile,
    ImageFileContentBlock,
    ImageURL,
    ImageURLContentBlock,
    ImageFileParam,
    ImageFilePartParam,
    ImageURLParam,
    ImageURLPartParam,
    Message,
    MessageContent,
    MessageCreateParams,
    MessageDeleted,
    MessageListParams,
    MessageUpdateParams,
    RefusalContentBlock,
    Text,
    TextContentBlock,
    TextPartParam,
)
from ...run import RequiredAction, Run, RunCreateParams, RunStatus, RunUpdateParams, SubmitToolOutputsParams
from ...shared import ListParams
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

# request parameters, under the official SDK's names
RunListParams = ListParams
RunSubmitToolOutputsParams = SubmitToolOutputsParams
TextContentBlockParam = TextPartParam
ImageFileContentBlockParam = ImageFilePartParam
ImageURLContentBlockParam = ImageURLPartParam
MessageContentPartParam = ContentPartParam

__all__ = [
    "ImageFileContentBlockParam", "ImageFileParam", "ImageURLContentBlockParam", "ImageURLParam",
    "MessageContentPartParam", "MessageCreateParams", "MessageListParams", "MessageUpdateParams", "RunCreateParams",
    "RunListParams", "RunSubmitToolOutputsParams", "RunUpdateParams", "TextContentBlockParam",
    "Annotation", "Attachment", "FileCitationAnnotation", "FilePathAnnotation", "ImageFile",
    "ImageFileContentBlock", "ImageFileDeltaBlock", "ImageURL", "ImageURLContentBlock", "ImageURLDeltaBlock",
    "Message", "MessageContent", "MessageContentDelta", "MessageDelta", "MessageDeleted", "RefusalContentBlock",
    "RefusalDeltaBlock", "RequiredAction", "Run", "RunStatus", "Text", "TextContentBlock", "TextDelta",
    "TextDeltaBlock", "runs",
]
