from __future__ import annotations

from fastapi import APIRouter

from ...types.assistant import AssistantCreateParams, AssistantUpdateParams
from ..services.assistants import AssistantService
from ..paging import PageQuery
from .deps import Project, body, pages, service

router = APIRouter(prefix="/assistants", tags=["Assistants"])
Assistants = service("assistants")


@router.post("")
def create_assistant(params: AssistantCreateParams = body(AssistantCreateParams),
                     project: str = Project, svc: AssistantService = Assistants) -> dict:
    return svc.create(project, params)


@router.get("")
def list_assistants(page: PageQuery = pages(), project: str = Project, svc: AssistantService = Assistants) -> dict:
    return svc.list(project, page)


@router.get("/{assistant_id}")
def get_assistant(assistant_id: str, project: str = Project, svc: AssistantService = Assistants) -> dict:
    return svc.get(project, assistant_id)


@router.post("/{assistant_id}")
def modify_assistant(assistant_id: str, params: AssistantUpdateParams = body(AssistantUpdateParams),
                     project: str = Project, svc: AssistantService = Assistants) -> dict:
    return svc.update(project, assistant_id, params)


@router.delete("/{assistant_id}")
def delete_assistant(assistant_id: str, project: str = Project, svc: AssistantService = Assistants) -> dict:
    return svc.delete(project, assistant_id)
