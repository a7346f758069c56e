from __future__ import annotations

from typing import Optional

from fastapi import APIRouter

from ...types.message import MessageCreateParams, MessageUpdateParams
from ..services.messages import MessageService
from ..paging import PageQuery
from .deps import Project, body, pages, service

router = APIRouter(prefix="/threads/{thread_id}/messages", tags=["Assistants"])
Messages = service("messages")


@router.post("")
def create_message(thread_id: str, params: MessageCreateParams = body(MessageCreateParams),
                   project: str = Project, svc: MessageService = Messages) -> dict:
    return svc.create(project, thread_id, params)


@router.get("")
def list_messages(thread_id: str, run_id: Optional[str] = None, page: PageQuery = pages(),
                  project: str = Project, svc: MessageService = Messages) -> dict:
    return svc.list(project, thread_id, page, run_id=run_id)


@router.get("/{message_id}")
def get_message(thread_id: str, message_id: str, project: str = Project, svc: MessageService = Messages) -> dict:
    return svc.get(project, thread_id, message_id)


@router.post("/{message_id}")
def modify_message(thread_id: str, message_id: str, params: MessageUpdateParams = body(MessageUpdateParams),
                   project: str = Project, svc: MessageService = Messages) -> dict:
    return svc.update(project, thread_id, message_id, params)


@router.delete("/{message_id}")
def delete_message(thread_id: str, message_id: str, project: str = Project, svc: MessageService = Messages) -> dict:
    return svc.delete(project, thread_id, message_id)
