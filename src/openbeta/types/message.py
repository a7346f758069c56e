"""Messages: ``/v1/threads/{thread_id}/messages``."""

from __future__ import annotations

from typing import Annotated, Literal, Optional, Union

from pydantic import Field

from ._base import RequestModel, WireModel
from .shared import ListParams, MetadataMixin

MAX_MESSAGE_CHARS = 256_000
MAX_ATTACHMENTS = 10


# ---------------------------------------------------------------- content as stored and returned

class FileCitation(WireModel):
    file_id: str


class FileCitationAnnotation(WireModel):
    type: Literal["file_citation"] = "file_citation"
    text: str
    file_citation: FileCitation
    start_index: int
    end_index: int


class FilePath(WireModel):
    file_id: str


class FilePathAnnotation(WireModel):
    type: Literal["file_path"] = "file_path"
    text: str
    file_path: FilePath
    start_index: int
    end_index: int


Annotation = Annotated[Union[FileCitationAnnotation, FilePathAnnotation], Field(discriminator="type")]


class Text(WireModel):
    value: str
    annotations: list[Annotation] = Field(default_factory=list)


class TextContentBlock(WireModel):
    type: Literal["text"] = "text"
    text: Text


class ImageFile(WireModel):
    file_id: str
    detail: Literal["auto", "low", "high"] = "auto"


class ImageFileContentBlock(WireModel):
    type: Literal["image_file"] = "image_file"
    image_file: ImageFile


class ImageURL(WireModel):
    url: str
    detail: Literal["auto", "low", "high"] = "auto"


class ImageURLContentBlock(WireModel):
    type: Literal["image_url"] = "image_url"
    image_url: ImageURL


class RefusalContentBlock(WireModel):
    type: Literal["refusal"] = "refusal"
    refusal: str


MessageContent = Annotated[
    Union[TextContentBlock, ImageFileContentBlock, ImageURLContentBlock, RefusalContentBlock],
    Field(discriminator="type"),
]


class AttachmentToolCodeInterpreter(WireModel):
    type: Literal["code_interpreter"] = "code_interpreter"


class AttachmentToolFileSearch(WireModel):
    type: Literal["file_search"] = "file_search"


AttachmentTool = Annotated[
    Union[AttachmentToolCodeInterpreter, AttachmentToolFileSearch], Field(discriminator="type")
]


class Attachment(WireModel):
    file_id: Optional[str] = None
    tools: Optional[list[AttachmentTool]] = None


class IncompleteDetails(WireModel):
    reason: Literal["content_filter", "max_tokens", "run_cancelled", "run_expired", "run_failed"]


class Message(WireModel):
    id: str
    object: Literal["thread.message"] = "thread.message"
    created_at: int
    thread_id: str
    status: Literal["in_progress", "incomplete", "completed"] = "completed"
    incomplete_details: Optional[IncompleteDetails] = None
    completed_at: Optional[int] = None
    incomplete_at: Optional[int] = None
    role: Literal["user", "assistant"]
    content: list[MessageContent] = Field(default_factory=list)
    assistant_id: Optional[str] = None
    run_id: Optional[str] = None
    attachments: Optional[list[Attachment]] = None
    metadata: Optional[dict[str, str]] = None


class MessageDeleted(WireModel):
    id: str
    object: Literal["thread.message.deleted"] = "thread.message.deleted"
    deleted: bool = True


# ---------------------------------------------------------------- content as sent by callers

class TextPartParam(RequestModel):
    type: Literal["text"]
    text: str


class ImageFileParam(RequestModel):
    file_id: str
    detail: Literal["auto", "low", "high"] = "auto"


class ImageFilePartParam(RequestModel):
    type: Literal["image_file"]
    image_file: ImageFileParam


#: ``format: uri``: an absolute URI (a scheme, then no whitespace), such as ``https:`` or ``data:``.
URI_PATTERN = r"^[A-Za-z][A-Za-z0-9+.-]*:[^\s]+$"


class ImageURLParam(RequestModel):
    url: Annotated[str, Field(pattern=URI_PATTERN)]
    detail: Literal["auto", "low", "high"] = "auto"


class ImageURLPartParam(RequestModel):
    type: Literal["image_url"]
    image_url: ImageURLParam


ContentPartParam = Annotated[
    Union[TextPartParam, ImageFilePartParam, ImageURLPartParam], Field(discriminator="type")
]


class AttachmentParam(RequestModel):
    file_id: str
    tools: Optional[list[AttachmentTool]] = None


class MessageCreateParams(MetadataMixin):
    role: Literal["user", "assistant"]
    content: Union[Annotated[str, Field(max_length=MAX_MESSAGE_CHARS)], Annotated[list[ContentPartParam], Field(min_length=1)]]
    attachments: Optional[Annotated[list[AttachmentParam], Field(max_length=MAX_ATTACHMENTS)]] = None


class MessageUpdateParams(MetadataMixin):
    pass


class MessageListParams(ListParams):
    #: Only the messages this run created.
    run_id: Optional[str] = None


def content_blocks(content: Union[str, list[ContentPartParam]]) -> list[dict]:
    """Turn request content (a string or parts) into stored content blocks."""
    if isinstance(content, str):
        return [TextContentBlock(text=Text(value=content)).to_dict()]
    blocks: list[dict] = []
    for part in content:
        if isinstance(part, TextPartParam):
            blocks.append(TextContentBlock(text=Text(value=part.text)).to_dict())
        elif isinstance(part, ImageFilePartParam):
            blocks.append(
                ImageFileContentBlock(
                    image_file=ImageFile(file_id=part.image_file.file_id, detail=part.image_file.detail)
                ).to_dict()
            )
        else:
            blocks.append(
                ImageURLContentBlock(
                    image_url=ImageURL(url=part.image_url.url, detail=part.image_url.detail)
                ).to_dict()
            )
    return blocks
