from __future__ import annotations

from fastapi import APIRouter

from ...types.thread import ThreadCreateParams, ThreadUpdateParams
from ..services.threads import ThreadService
from ..store.pages import PageQuery
from .deps import body, pages, service

router = APIRouter(prefix="/threads", tags=["Assistants"])
Threads = service("threads")


@router.post("")
def create_thread(params: ThreadCreateParams = body(ThreadCreateParams), svc: ThreadService = Threads) -> dict:
    return svc.create(params)


@router.get("")
def list_threads(page: PageQuery = pages(), svc: ThreadService = Threads) -> dict:
    """openbeta extension (OpenAI's API has no thread list): a cursor page of threads."""
    return svc.list(page)


@router.get("/{thread_id}")
def get_thread(thread_id: str, svc: ThreadService = Threads) -> dict:
    return svc.get(thread_id)


@router.post("/{thread_id}")
def modify_thread(thread_id: str, params: ThreadUpdateParams = body(ThreadUpdateParams),
                  svc: ThreadService = Threads) -> dict:
    return svc.update(thread_id, params)


@router.delete("/{thread_id}")
def delete_thread(thread_id: str, svc: ThreadService = Threads) -> dict:
    return svc.delete(thread_id)
