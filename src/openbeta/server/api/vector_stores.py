"""``/v1/vector_stores``: stores, their files, file batches, and search."""

from __future__ import annotations

from typing import Optional

from fastapi import APIRouter, Query, Response
from fastapi.responses import StreamingResponse

from ...types.vector_store import (FileBatchCreateParams, SearchParams, VectorStoreCreateParams,
                                   VectorStoreFileCreateParams, VectorStoreFileUpdateParams,
                                   VectorStoreUpdateParams)
from ..services.vector_stores import VectorStoreService
from ..paging import PageQuery
from .deps import Project, body, hinted, pages, service

router = APIRouter(prefix="/vector_stores", tags=["Vector stores"])
Stores = service("vector_stores")
StatusFilter = Query(default=None, alias="filter")


@router.post("")
def create_vector_store(params: VectorStoreCreateParams = body(VectorStoreCreateParams),
                        project: str = Project, svc: VectorStoreService = Stores) -> dict:
    return svc.create(project, params)


@router.get("")
def list_vector_stores(page: PageQuery = pages(), project: str = Project, svc: VectorStoreService = Stores) -> dict:
    return svc.list(project, page)


@router.get("/{vector_store_id}")
def retrieve_vector_store(vector_store_id: str, project: str = Project, svc: VectorStoreService = Stores) -> dict:
    return svc.get(project, vector_store_id)


@router.post("/{vector_store_id}")
def modify_vector_store(vector_store_id: str, params: VectorStoreUpdateParams = body(VectorStoreUpdateParams),
                        project: str = Project, svc: VectorStoreService = Stores) -> dict:
    return svc.update(project, vector_store_id, params)


@router.delete("/{vector_store_id}")
def delete_vector_store(vector_store_id: str, project: str = Project, svc: VectorStoreService = Stores) -> dict:
    return svc.delete(project, vector_store_id)


@router.post("/{vector_store_id}/search")
def search_vector_store(vector_store_id: str, params: SearchParams = body(SearchParams),
                        project: str = Project, svc: VectorStoreService = Stores) -> dict:
    return svc.search_page(project, vector_store_id, params)


# ---------------------------------------------------------------- files in a store

@router.post("/{vector_store_id}/files")
def create_vector_store_file(vector_store_id: str, response: Response,
                             params: VectorStoreFileCreateParams = body(VectorStoreFileCreateParams),
                             project: str = Project, svc: VectorStoreService = Stores) -> dict:
    return hinted(response, svc.add_file(project, vector_store_id, params))


@router.get("/{vector_store_id}/files")
def list_vector_store_files(vector_store_id: str, status: Optional[str] = StatusFilter, page: PageQuery = pages(),
                            project: str = Project, svc: VectorStoreService = Stores) -> dict:
    return svc.list_files(project, vector_store_id, page, status)


@router.get("/{vector_store_id}/files/{file_id}")
def retrieve_vector_store_file(vector_store_id: str, file_id: str, response: Response, project: str = Project,
                               svc: VectorStoreService = Stores) -> dict:
    return hinted(response, svc.get_file(project, vector_store_id, file_id))


@router.post("/{vector_store_id}/files/{file_id}")
def update_vector_store_file(vector_store_id: str, file_id: str,
                             params: VectorStoreFileUpdateParams = body(VectorStoreFileUpdateParams),
                             project: str = Project, svc: VectorStoreService = Stores) -> dict:
    return svc.update_file(project, vector_store_id, file_id, params)


@router.delete("/{vector_store_id}/files/{file_id}")
def delete_vector_store_file(vector_store_id: str, file_id: str, project: str = Project,
                             svc: VectorStoreService = Stores) -> dict:
    return svc.delete_file(project, vector_store_id, file_id)


@router.get("/{vector_store_id}/files/{file_id}/content")
def retrieve_vector_store_file_content(vector_store_id: str, file_id: str, project: str = Project,
                                       svc: VectorStoreService = Stores) -> StreamingResponse:
    return StreamingResponse(svc.file_content(project, vector_store_id, file_id), media_type="application/json")


# ---------------------------------------------------------------- file batches

@router.post("/{vector_store_id}/file_batches")
def create_file_batch(vector_store_id: str, response: Response,
                      params: FileBatchCreateParams = body(FileBatchCreateParams),
                      project: str = Project, svc: VectorStoreService = Stores) -> dict:
    return hinted(response, svc.create_batch(project, vector_store_id, params))


@router.get("/{vector_store_id}/file_batches/{batch_id}")
def retrieve_file_batch(vector_store_id: str, batch_id: str, response: Response, project: str = Project,
                        svc: VectorStoreService = Stores) -> dict:
    return hinted(response, svc.get_batch(project, vector_store_id, batch_id))


@router.post("/{vector_store_id}/file_batches/{batch_id}/cancel")
def cancel_file_batch(vector_store_id: str, batch_id: str, response: Response, project: str = Project,
                      svc: VectorStoreService = Stores) -> dict:
    return hinted(response, svc.cancel_batch(project, vector_store_id, batch_id))


@router.get("/{vector_store_id}/file_batches/{batch_id}/files")
def list_file_batch_files(vector_store_id: str, batch_id: str, status: Optional[str] = StatusFilter,
                          page: PageQuery = pages(), project: str = Project, svc: VectorStoreService = Stores) -> dict:
    return svc.list_files(project, vector_store_id, page, status, batch_id=batch_id)
