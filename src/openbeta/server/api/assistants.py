from __future__ import annotations

from fastapi import APIRouter

from ...types.assistant import AssistantCreateParams, AssistantUpdateParams
from ..services.assistants import AssistantService
from ..store.pages import PageQuery
from .deps import body, pages, service

router = APIRouter(prefix="/assistants", tags=["Assistants"])
Assistants = service("assistants")


@router.post("")
def create_assistant(params: AssistantCreateParams = body(AssistantCreateParams),
                     svc: AssistantService = Assistants) -> dict:
    return svc.create(params)


@router.get("")
def list_assistants(page: PageQuery = pages(), svc: AssistantService = Assistants) -> dict:
    return svc.list(page)


@router.get("/{assistant_id}")
def get_assistant(assistant_id: str, svc: AssistantService = Assistants) -> dict:
    return svc.get(assistant_id)


@router.post("/{assistant_id}")
def modify_assistant(assistant_id: str, params: AssistantUpdateParams = body(AssistantUpdateParams),
                     svc: AssistantService = Assistants) -> dict:
    return svc.update(assistant_id, params)


@router.delete("/{assistant_id}")
def delete_assistant(assistant_id: str, svc: AssistantService = Assistants) -> dict:
    return svc.delete(assistant_id)
