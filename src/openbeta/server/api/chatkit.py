"""ChatKit: the REST face (``/v1/chatkit/sessions``, ``/v1/chatkit/threads``; API key) in ``router``,
and the ChatKit server protocol (``POST /v1/chatkit``; a session's client secret) with its
attachment upload URLs in ``protocol_router``."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import StreamingResponse

from ...types.chatkit import SessionCreateParams
from ..bodies import read_body
from ..chatkit import ChatKitServices
from ..errors import InvalidRequest
from ..paging import PageQuery
from .deps import Project, body, pages, service
from .sse import sse_frames_response

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
async def chatkit_protocol(request: Request, ck: ChatKitServices = ChatKit) -> Any:
    caller = await ck.caller(request.headers.get("authorization", ""), request.headers.get("x-chatkit-user"),
                             request.headers.get("x-chatkit-workflow"))
    raw = await read_body(request, request.app.state.settings.max_body_bytes)
    result = await ck.process(caller, raw, str(request.base_url).rstrip("/"))
    if isinstance(result, bytes):
        return Response(result, media_type="application/json")
    return sse_frames_response(result)


@protocol_router.api_route("/attachments/{attachment_id}/upload", methods=["POST", "PUT"], include_in_schema=False)
async def upload_attachment(attachment_id: str, request: Request, ck: ChatKitServices = ChatKit) -> dict:
    """The upload URL ``attachments.create`` hands out (see ``chatkit/uploads.py``)."""
    return await ck.uploads.receive(attachment_id, request.query_params.get("token"), request,
                                    request.app.state.settings.max_upload_bytes)


@protocol_router.get("/attachments/{attachment_id}/content", include_in_schema=False)
async def attachment_content(attachment_id: str, request: Request, ck: ChatKitServices = ChatKit) -> Any:
    media_type, chunks = await ck.uploads.content(attachment_id, request.query_params.get("token"))
    return StreamingResponse(chunks, media_type=media_type)
