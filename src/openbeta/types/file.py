"""Files: ``/v1/files``."""

from __future__ import annotations

from typing import Annotated, Literal, Optional

from pydantic import Field

from ._base import RequestModel, WireModel

#: What an upload may ask for (``CreateFileRequest.purpose``).
UploadPurpose = Literal["assistants", "batch", "fine-tune", "vision", "user_data", "evals"]
#: What a stored file may carry (``OpenAIFile.purpose``).
FilePurpose = Literal["assistants", "assistants_output", "batch", "batch_output", "fine-tune",
                      "fine-tune-results", "vision", "user_data", "evals"]


class FileExpiresAfter(RequestModel):
    anchor: Literal["created_at"]
    seconds: Annotated[int, Field(ge=3600, le=2_592_000)]


class FileUploadParams(RequestModel):
    """The non-file form fields of ``POST /files``."""

    purpose: UploadPurpose
    expires_after: Optional[FileExpiresAfter] = None


class FileObject(WireModel):
    id: str
    object: Literal["file"] = "file"
    bytes: int
    created_at: int
    expires_at: Optional[int] = None
    filename: str
    purpose: str
    status: Literal["uploaded", "processed", "error"] = "processed"
    status_details: Optional[str] = None


class FileDeleted(WireModel):
    id: str
    object: Literal["file"] = "file"
    deleted: bool


__all__ = ["FileDeleted", "FileExpiresAfter", "FileObject", "FilePurpose", "FileUploadParams", "UploadPurpose"]
