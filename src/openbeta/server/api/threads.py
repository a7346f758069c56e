from __future__ import annotations

from fastapi import APIRouter

from ...types.thread import ThreadCreateParams, ThreadUpdateParams
from ..services.threads import ThreadService
from ..paging import PageQuery
from .deps import Project, body, pages, service

router = APIRouter(prefix="/threads", tags=["Assistants"])
Threads = service("threads")


@router.post("")
def create_thread(params: ThreadCreateParams = body(ThreadCreateParams), project: str = Project,
                  svc: ThreadService = Threads) -> dict:
    return svc.create(project, params)


@router.get("")
def list_threads(page: PageQuery = pages(), project: str = Project, svc: ThreadService = Threads) -> dict:
    """openbeta extension (OpenAI's API has no thread list): a cursor page of the project's threads."""
    return svc.list(project, page)


@router.get("/{thread_id}")
def get_thread(thread_id: str, project: str = Project, svc: ThreadService = Threads) -> dict:
    return svc.get(project, thread_id)


@router.post("/{thread_id}")
def modify_thread(thread_id: str, params: ThreadUpdateParams = body(ThreadUpdateParams),
                  project: str = Project, svc: ThreadService = Threads) -> dict:
    return svc.update(project, thread_id, params)


@router.delete("/{thread_id}")
def delete_thread(thread_id: str, project: str = Project, svc: ThreadService = Threads) -> dict:
    return svc.delete(project, thread_id)
