"""ChatKit attachment uploads: the upload and content URLs ``attachments.create`` hands out
(``/v1/chatkit/attachments/{id}/upload?token=...``, ``.../content?token=...``).

The URL's token stands for the project (only its hash is stored, on the attachment's row). An upload
takes a multipart ``file`` field or the raw bytes, at most the size ``attachments.create`` declared
(within its session's file size limit and the server's upload limit), once: a second upload, or one
racing the first, is a 409. The bytes become an openbeta file (purpose ``assistants``).
"""

from __future__ import annotations

import hashlib
import io
from typing import Any, Iterator, Optional

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.formparsers import MultiPartException
from starlette.requests import Request

from ...types.file import FileUploadParams
from ..bodies import ENVELOPE_BYTES, count_received, read_body
from ..errors import Conflict, InvalidRequest, NotFound, PayloadTooLarge
from ..ids import new_id
from ..services.files import FileService
from ..validation import refuse_nul
from .sessions import SessionService
from .threads import PENDING, ChatKitThreads, uploaded

#: Where an attachment's row keeps the size ``attachments.create`` declared (its upload's bound).
DECLARED_SIZE = "declared_size"


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _too_large(limit: int) -> PayloadTooLarge:
    return PayloadTooLarge(f"The file is larger than this attachment allows: at most {limit} bytes (the size "
                           "declared by attachments.create, within the session's limit).", param="file",
                           code="file_too_large")


class Uploads:
    def __init__(self, sessions: SessionService, threads: ChatKitThreads, files: FileService) -> None:
        self.sessions = sessions
        self.threads = threads
        self.files = files

    def attachment(self, attachment_id: str, token: Optional[str]) -> Any:
        """The attachment's row, when ``token`` is the one its URLs carry (else 404, as for no attachment)."""
        refuse_nul(attachment_id, "attachment_id")
        row = self.threads.attachment(None, attachment_id)  # the URL's token stands for the project
        if not token or row.upload_token_hash != token_hash(token):
            raise NotFound.of("attachment", attachment_id)
        return row

    def limit(self, row: Any, max_upload: int) -> int:
        """Most bytes an attachment's upload takes: its declared size, within its session's file size limit
        (a session cancelled or expired takes no more uploads) and the server's upload limit."""
        limit = max_upload
        if row.session_id:
            session = self.sessions.active(row.session_id)
            upload = session["chatkit_configuration"]["file_upload"]
            limit = min(limit, int(upload["max_file_size"]) * 1024 * 1024)
        declared = row.body.get(DECLARED_SIZE)
        return min(limit, int(declared)) if isinstance(declared, int) else limit

    async def receive(self, attachment_id: str, token: Optional[str], request: Request,
                      max_upload: int) -> dict[str, Any]:
        """Store the upload ``request`` carries as the attachment's file; the attachment, uploaded."""
        row = await run_in_threadpool(self.attachment, attachment_id, token)
        limit = await run_in_threadpool(self.limit, row, max_upload)
        length = request.headers.get("content-length", "")
        multipart = request.headers.get("content-type", "").startswith("multipart/form-data")
        if length.isdigit() and int(length) > limit + (ENVELOPE_BYTES if multipart else 0):
            raise _too_large(limit)
        marker = PENDING + new_id("")
        if not await run_in_threadpool(self.threads.claim_upload, attachment_id, marker):
            raise Conflict(f"Attachment {attachment_id} is already uploaded.", code="already_uploaded")
        file: Optional[dict] = None
        form = None
        try:
            if multipart:
                count_received(request, limit + ENVELOPE_BYTES, _too_large(limit))
                try:
                    form = await request.form(max_files=1, max_fields=10)
                except MultiPartException as exc:
                    raise InvalidRequest(f"Invalid multipart body: {exc.message}") from None
                upload = form.get("file")
                if not isinstance(upload, UploadFile):
                    raise InvalidRequest("Missing the 'file' field.", param="file", code="missing_required_parameter")
                if upload.size is not None and upload.size > limit:
                    raise _too_large(limit)
                source: Any = upload.file
            else:
                source = io.BytesIO(await read_body(request, limit, _too_large(limit)))
            file = await run_in_threadpool(self.files.create, row.project_id, source,
                                           row.body.get("name") or attachment_id, FileUploadParams(purpose="assistants"))
        finally:
            if form is not None:
                await form.close()
            kept = await run_in_threadpool(self.threads.finish_upload, attachment_id, marker,
                                           file["id"] if file else None)
            if file is not None and not kept:  # the attachment was deleted while its bytes were stored
                await run_in_threadpool(self.files.delete, row.project_id, file["id"])
        if not kept:
            raise NotFound.of("attachment", attachment_id)
        return await run_in_threadpool(self.threads.save_attachment, row.project_id, attachment_id, row.user, {})

    async def content(self, attachment_id: str, token: Optional[str]) -> tuple[str, Iterator[bytes]]:
        """The attachment's bytes (as chunks) and media type; 404 before its upload is done."""
        row = await run_in_threadpool(self.attachment, attachment_id, token)
        file_id = uploaded(row)
        if file_id is None:
            raise NotFound(f"Attachment {attachment_id} has no content yet.")
        _, chunks = await run_in_threadpool(self.files.content, row.project_id, file_id)
        return row.body.get("mime_type") or "application/octet-stream", chunks


__all__ = ["DECLARED_SIZE", "Uploads", "token_hash"]
