"""ChatKit: the REST face (``/v1/chatkit/sessions``, ``/v1/chatkit/threads``; API key) in ``router``,
and the ChatKit server protocol (``POST /v1/chatkit``; a session's client secret) with its
attachment upload URLs in ``protocol_router``."""

from __future__ import annotations

import io
from typing import Any, Optional

from fastapi import APIRouter, Request, Response
from fastapi.responses import StreamingResponse
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.formparsers import MultiPartException

from ...types.chatkit import SessionCreateParams
from ...types.file import FileUploadParams
from ..chatkit import ChatKitServices
from ..chatkit.threads import uploaded
from ..errors import Conflict, InvalidRequest, NotFound, PayloadTooLarge
from ..ids import new_id
from ..store.pages import PageQuery
from .deps import ENVELOPE_BYTES, Project, body, count_received, pages, read_body, refuse_nul, service

router = APIRouter(prefix="/chatkit", tags=["ChatKit"])
protocol_router = APIRouter(prefix="/v1/chatkit", tags=["ChatKit"])
ChatKit = service("chatkit")


# ---------------------------------------------------------------- REST

@router.post("/sessions")
def create_session(params: SessionCreateParams = body(SessionCreateParams), project: str = Project,
                   ck: ChatKitServices = ChatKit) -> dict:
    return ck.sessions.create(project, params)


@router.post("/sessions/{session_id}/cancel")
def cancel_session(session_id: str, project: str = Project, ck: ChatKitServices = ChatKit) -> dict:
    return ck.sessions.cancel(project, session_id)


@router.get("/threads")
def list_threads(request: Request, page: PageQuery = pages(), project: str = Project,
                 ck: ChatKitServices = ChatKit) -> dict:
    user = request.query_params.get("user")
    if user is not None and not 1 <= len(user) <= 512:
        raise InvalidRequest("Invalid 'user': expected 1 to 512 characters.", param="user", code="invalid_value")
    return ck.threads.list(project, page, user)


@router.get("/threads/{thread_id}")
def get_thread(thread_id: str, project: str = Project, ck: ChatKitServices = ChatKit) -> dict:
    return ck.threads.get(project, thread_id)


@router.delete("/threads/{thread_id}")
def delete_thread(thread_id: str, project: str = Project, ck: ChatKitServices = ChatKit) -> dict:
    return ck.threads.delete(project, thread_id)


@router.get("/threads/{thread_id}/items")
def list_items(thread_id: str, page: PageQuery = pages(), project: str = Project,
               ck: ChatKitServices = ChatKit) -> dict:
    return ck.threads.list_items(project, thread_id, page)


# ---------------------------------------------------------------- the protocol

@protocol_router.post("")
async def chatkit_protocol(request: Request) -> Any:
    services = request.app.state.services
    ck: ChatKitServices = services.chatkit
    server = ck.server(services)
    from ..chatkit.endpoint import process
    from ..chatkit.protocol import Context

    caller = await ck.sessions.caller(services.keys, request.headers.get("authorization", ""),
                                      request.headers.get("x-chatkit-user"), request.headers.get("x-chatkit-workflow"))
    raw = await read_body(request, request.app.state.settings.max_body_bytes)
    result = await process(server, raw, Context(caller=caller, base_url=str(request.base_url).rstrip("/")))
    if isinstance(result, bytes):
        return Response(result, media_type="application/json")
    return StreamingResponse(result, media_type="text/event-stream",
                             headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})


def _attachment(ck: ChatKitServices, attachment_id: str, token: Optional[str]) -> Any:
    from ..chatkit.protocol import token_hash

    refuse_nul(attachment_id, "attachment_id")
    row = ck.threads.attachment(None, attachment_id)  # the URL's token stands for the project
    if not token or row.upload_token_hash != token_hash(token):
        raise NotFound.of("attachment", attachment_id)
    return row


def _upload_limit(ck: ChatKitServices, row: Any, max_upload: int) -> int:
    """Most bytes an attachment's upload takes: its declared size, within its session's file size limit
    (a session cancelled or expired takes no more uploads) and the server's upload limit."""
    from ..chatkit.protocol import DECLARED_SIZE

    limit = max_upload
    if row.session_id:
        session = ck.sessions.active(row.session_id)
        upload = session["chatkit_configuration"]["file_upload"]
        limit = min(limit, int(upload["max_file_size"]) * 1024 * 1024)
    declared = row.body.get(DECLARED_SIZE)
    return min(limit, int(declared)) if isinstance(declared, int) else limit


def _too_large(limit: int) -> PayloadTooLarge:
    return PayloadTooLarge(f"The file is larger than this attachment allows: at most {limit} bytes (the size "
                           "declared by attachments.create, within the session's limit).", param="file",
                           code="file_too_large")


@protocol_router.api_route("/attachments/{attachment_id}/upload", methods=["POST", "PUT"], include_in_schema=False)
async def upload_attachment(attachment_id: str, request: Request) -> dict:
    """The upload URL ``attachments.create`` hands out: a multipart ``file`` field or the raw bytes, at
    most the size it declared. One upload per attachment: a second, or one racing the first, is a 409."""
    from ..chatkit.threads import PENDING

    services = request.app.state.services
    ck: ChatKitServices = services.chatkit
    row = await run_in_threadpool(_attachment, ck, attachment_id, request.query_params.get("token"))
    limit = await run_in_threadpool(_upload_limit, ck, row, request.app.state.settings.max_upload_bytes)
    length = request.headers.get("content-length", "")
    multipart = request.headers.get("content-type", "").startswith("multipart/form-data")
    if length.isdigit() and int(length) > limit + (ENVELOPE_BYTES if multipart else 0):
        raise _too_large(limit)
    marker = PENDING + new_id("")
    if not await run_in_threadpool(ck.threads.claim_upload, attachment_id, marker):
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
        file = await run_in_threadpool(services.files.create, row.project_id, source,
                                       row.body.get("name") or attachment_id, FileUploadParams(purpose="assistants"))
    finally:
        if form is not None:
            await form.close()
        kept = await run_in_threadpool(ck.threads.finish_upload, attachment_id, marker,
                                       file["id"] if file else None)
        if file is not None and not kept:  # the attachment was deleted while its bytes were stored
            await run_in_threadpool(services.files.delete, row.project_id, file["id"])
    if not kept:
        raise NotFound.of("attachment", attachment_id)
    return await run_in_threadpool(ck.threads.save_attachment, row.project_id, attachment_id, row.user, {})


@protocol_router.get("/attachments/{attachment_id}/content", include_in_schema=False)
async def attachment_content(attachment_id: str, request: Request) -> Any:
    services = request.app.state.services
    row = await run_in_threadpool(_attachment, services.chatkit, attachment_id, request.query_params.get("token"))
    file_id = uploaded(row)
    if file_id is None:
        raise NotFound(f"Attachment {attachment_id} has no content yet.")
    _, chunks = await run_in_threadpool(services.files.content, row.project_id, file_id)
    return StreamingResponse(chunks, media_type=row.body.get("mime_type") or "application/octet-stream")
