"""Conversations: ``/conversations`` and their items."""

from __future__ import annotations

from fastapi import APIRouter, Request

from ...types.conversations import ConversationCreateParams, ConversationUpdateParams, ItemCreateParams
from ..paging import PageQuery
from ..services.conversations import ConversationService
from .deps import Project, body, pages, service
from .responses import includes

router = APIRouter(prefix="/conversations", tags=["Conversations"])
Conversations = service("conversations")


@router.post("")
def create_conversation(params: ConversationCreateParams = body(ConversationCreateParams), project: str = Project,
                        svc: ConversationService = Conversations) -> dict:
    return svc.create(project, params)


@router.get("/{conversation_id}")
def get_conversation(conversation_id: str, project: str = Project, svc: ConversationService = Conversations) -> dict:
    return svc.get(project, conversation_id)


@router.post("/{conversation_id}")
def update_conversation(conversation_id: str, params: ConversationUpdateParams = body(ConversationUpdateParams),
                        project: str = Project, svc: ConversationService = Conversations) -> dict:
    return svc.update(project, conversation_id, params)


@router.delete("/{conversation_id}")
def delete_conversation(conversation_id: str, project: str = Project,
                        svc: ConversationService = Conversations) -> dict:
    return svc.delete(project, conversation_id)


@router.post("/{conversation_id}/items")
def create_items(conversation_id: str, request: Request, params: ItemCreateParams = body(ItemCreateParams),
                 project: str = Project, svc: ConversationService = Conversations) -> dict:
    return svc.add_items(project, conversation_id, params, includes(request))


@router.get("/{conversation_id}/items")
def list_items(conversation_id: str, request: Request, page: PageQuery = pages(), project: str = Project,
               svc: ConversationService = Conversations) -> dict:
    return svc.list_items(project, conversation_id, page, includes(request))


@router.get("/{conversation_id}/items/{item_id}")
def get_item(conversation_id: str, item_id: str, request: Request, project: str = Project,
             svc: ConversationService = Conversations) -> dict:
    return svc.get_item(project, conversation_id, item_id, includes(request))


@router.delete("/{conversation_id}/items/{item_id}")
def delete_item(conversation_id: str, item_id: str, project: str = Project,
                svc: ConversationService = Conversations) -> dict:
    return svc.delete_item(project, conversation_id, item_id)
