"""Files: ``/v1/files`` (spec ``OpenAIFile``, ``DeleteFileResponse``)."""

from __future__ import annotations

from typing import Literal, Optional

from ._base import WireModel

FilePurpose = Literal[
    "assistants", "assistants_output", "batch", "batch_output", "fine-tune", "fine-tune-results", "vision",
    "user_data",
]


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


__all__ = ["FileDeleted", "FileObject", "FilePurpose"]
