"""``/v1/containers`` and their files: create, list, retrieve, delete; a file is added as a multipart
upload (``file``) or as a JSON ``{"file_id"}`` of a stored file, and downloaded from ``.../content``."""

from __future__ import annotations

from typing import Optional

from fastapi import APIRouter, Request
from fastapi.responses import StreamingResponse
from starlette.concurrency import run_in_threadpool

from ...types.containers import ContainerCreateParams, ContainerFileCreateParams
from ..bodies import read_json
from ..paging import PageQuery
from ..services.containers import ContainerService
from ..validation import validate
from .deps import Project, body, pages, service
from .files import content_disposition, upload_form, uploaded

router = APIRouter(prefix="/containers", tags=["Containers"])
Containers = service("containers")


@router.post("")
def create_container(params: ContainerCreateParams = body(ContainerCreateParams), project: str = Project,
                     svc: ContainerService = Containers) -> dict:
    return svc.create(project, params)


@router.get("")
def list_containers(name: Optional[str] = None, page: PageQuery = pages(), project: str = Project,
                    svc: ContainerService = Containers) -> dict:
    return svc.list(project, page, name)


@router.get("/{container_id}")
def retrieve_container(container_id: str, project: str = Project, svc: ContainerService = Containers) -> dict:
    return svc.get(project, container_id)


@router.delete("/{container_id}")
def delete_container(container_id: str, project: str = Project, svc: ContainerService = Containers) -> dict:
    return svc.delete(project, container_id)


@router.post("/{container_id}/files")
async def create_container_file(container_id: str, request: Request, project: str = Project,
                                svc: ContainerService = Containers) -> dict:
    if not request.headers.get("content-type", "").startswith("multipart/form-data"):
        params = validate(ContainerFileCreateParams, await read_json(request))
        return await run_in_threadpool(svc.add_stored, project, container_id, params.file_id)
    form = await upload_form(request, svc.store.max_upload, "a 'file' field")
    try:
        upload = uploaded(form)
        return await run_in_threadpool(svc.upload, project, container_id, upload.file, upload.filename or "file")
    finally:
        await form.close()


@router.get("/{container_id}/files")
def list_container_files(container_id: str, page: PageQuery = pages(), project: str = Project,
                         svc: ContainerService = Containers) -> dict:
    return svc.list_files(project, container_id, page)


@router.get("/{container_id}/files/{file_id}")
def retrieve_container_file(container_id: str, file_id: str, project: str = Project,
                            svc: ContainerService = Containers) -> dict:
    return svc.get_file(project, container_id, file_id)


@router.delete("/{container_id}/files/{file_id}")
def delete_container_file(container_id: str, file_id: str, project: str = Project,
                          svc: ContainerService = Containers) -> dict:
    return svc.delete_file(project, container_id, file_id)


@router.get("/{container_id}/files/{file_id}/content")
def container_file_content(container_id: str, file_id: str, project: str = Project,
                           svc: ContainerService = Containers) -> StreamingResponse:
    file, chunks = svc.content(project, container_id, file_id)
    return StreamingResponse(chunks, media_type="application/octet-stream",
                             headers={"Content-Length": str(file["bytes"]),
                                      "Content-Disposition": content_disposition(file["path"].rsplit("/", 1)[-1])})
