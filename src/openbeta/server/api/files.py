"""``/v1/files``: multipart upload, list, retrieve, delete, download."""

from __future__ import annotations

from typing import Any, Optional, get_args
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import StreamingResponse
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData, UploadFile
from starlette.formparsers import MultiPartException

from ...types.file import FilePurpose, FileUploadParams
from ..errors import InvalidRequest, PayloadTooLarge
from ..services.files import FileService
from ..paging import PageQuery
from ..bodies import ENVELOPE_BYTES, count_received
from ..validation import validate
from .deps import Project, pages, service

router = APIRouter(prefix="/files", tags=["Files"])
Files = service("files")
PURPOSES: tuple[str, ...] = get_args(FilePurpose)


def _nest(items: list[tuple[str, Any]]) -> dict[str, Any]:
    """Form fields to a dict: ``expires_after[seconds]=3600`` -> ``{"expires_after": {"seconds": 3600}}``."""
    data: dict[str, Any] = {}
    for key, value in items:
        if "[" in key and key.endswith("]"):
            outer, inner = key[:-1].split("[", 1)
            target = data.setdefault(outer, {})
            if isinstance(target, dict):
                target[inner] = int(value) if inner == "seconds" and str(value).isdigit() else value
        else:
            data[key] = value
    return data


def _too_large(max_bytes: int) -> PayloadTooLarge:
    return PayloadTooLarge(f"File is too large: the maximum upload size is {max_bytes} bytes.",
                           param="file", code="file_too_large")


async def upload_form(request: Request, max_bytes: int, fields: str) -> FormData:
    """A multipart upload's form (its one file and up to 16 fields), its size bounded by ``max_bytes``
    before and while it is read; ``fields``: what the form must hold, for the error when it is not one."""
    limit = max_bytes + ENVELOPE_BYTES
    length = request.headers.get("content-length", "")
    if length.isdigit() and int(length) > limit:
        raise _too_large(max_bytes)
    count_received(request, limit, _too_large(max_bytes))
    if not request.headers.get("content-type", "").startswith("multipart/form-data"):
        raise InvalidRequest(f"Uploads must be sent as multipart/form-data with {fields}.",
                             code="invalid_content_type")
    try:
        return await request.form(max_files=1, max_fields=16)
    except MultiPartException as exc:
        raise InvalidRequest(f"Could not parse the multipart form: {exc.message}", code="invalid_value") from None


def uploaded(form: FormData) -> UploadFile:
    """The form's ``file`` (400 when it has none)."""
    upload = form.get("file")
    if not isinstance(upload, UploadFile):
        raise InvalidRequest("Missing required parameter: 'file'.", param="file", code="missing_required_parameter")
    return upload


@router.post("")
async def upload_file(request: Request, project: str = Project, svc: FileService = Files) -> dict:
    form = await upload_form(request, svc.max_bytes, "'file' and 'purpose' fields")
    try:
        upload = uploaded(form)
        params = validate(FileUploadParams, _nest([(k, v) for k, v in form.multi_items() if k != "file"]))
        filename = upload.filename or "file"
        return await run_in_threadpool(svc.create, project, upload.file, filename, params)
    finally:
        await form.close()


@router.get("")
def list_files(purpose: Optional[str] = None, page: PageQuery = pages(10_000), project: str = Project,
               svc: FileService = Files) -> dict:
    if purpose is not None and purpose not in PURPOSES:
        raise InvalidRequest(f"Invalid value: '{purpose}'. Supported values are: "
                             f"{', '.join(repr(p) for p in PURPOSES)}.", param="purpose", code="invalid_value")
    return svc.list(project, page, purpose)


@router.get("/{file_id}")
def retrieve_file(file_id: str, project: str = Project, svc: FileService = Files) -> dict:
    return svc.get(project, file_id)


@router.delete("/{file_id}")
def delete_file(file_id: str, project: str = Project, svc: FileService = Files) -> dict:
    return svc.delete(project, file_id)


@router.get("/{file_id}/content")
def download_file(file_id: str, project: str = Project, svc: FileService = Files) -> StreamingResponse:
    body, chunks = svc.content(project, file_id)
    return StreamingResponse(chunks, media_type="application/octet-stream",
                             headers={"Content-Length": str(body["bytes"]),
                                      "Content-Disposition": content_disposition(body["filename"])})


def content_disposition(filename: str) -> str:
    """``attachment`` with an ASCII ``filename`` and the exact name as ``filename*`` (RFC 6266)."""
    name = "".join(ch for ch in filename if ch.isprintable())
    fallback = "".join(ch if " " <= ch < "\x7f" and ch not in '"\\' else "_" for ch in name) or "file"
    if fallback == name:
        return f'attachment; filename="{fallback}"'
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"
