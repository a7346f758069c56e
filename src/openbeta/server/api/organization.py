"""``/v1/organization/projects``: the admin API for projects and their API keys.

Shaped like OpenAI's admin API (``organization.project`` and
``organization.project.api_key`` objects, cursor lists, archive instead of delete).
One addition: ``POST /v1/organization/projects/{project_id}/api_keys`` makes a key
and answers it once with its ``value``. Only ``OPENBETA_ADMIN_KEY`` may call these.
"""

from __future__ import annotations

import secrets
from typing import Any

from fastapi import APIRouter, Depends, Request
from starlette.concurrency import run_in_threadpool

from ..errors import APIError, InvalidRequest, Unauthorized
from ..auth import Caller, bearer, bearer_hash
from ..bodies import read_json
from ..paging import page_query
from ..services.projects import ProjectService
from .deps import no_nul_in_url, service


async def require_admin(request: Request) -> None:
    """401 without the admin key (403 for a project key; 403 when no admin key is configured)."""
    ring = request.app.state.services.keys
    token = bearer(request)
    if ring.admin_hash is None:
        raise APIError("The admin API is disabled: set OPENBETA_ADMIN_KEY to enable it.", status_code=403,
                       type="invalid_request_error", code="admin_api_disabled")
    if token is None:
        raise Unauthorized(
            "You didn't provide an API key. You need to provide your admin key in an Authorization header "
            "using Bearer auth (i.e. Authorization: Bearer YOUR_ADMIN_KEY).", code="missing_api_key")
    digest = bearer_hash(token)
    if secrets.compare_digest(digest, ring.admin_hash):
        return
    if isinstance(ring.cached(digest), Caller) or ring.open_cached():
        raise APIError("This route needs the admin key (OPENBETA_ADMIN_KEY); project API keys cannot manage "
                       "projects.", status_code=403, type="invalid_request_error", code="insufficient_permissions")
    raise Unauthorized("Incorrect admin key provided.", code="invalid_api_key")


router = APIRouter(prefix="/organization/projects", tags=["Projects"], dependencies=[Depends(require_admin), Depends(no_nul_in_url)])
Projects = service("projects")


def _name(data: dict[str, Any]) -> Any:
    unknown = sorted(set(data) - {"name"})
    if unknown:
        raise InvalidRequest(f"Unrecognized request argument supplied: {unknown[0]}", param=unknown[0],
                             code="unknown_parameter")
    return data.get("name")


@router.post("")
async def create_project(request: Request, svc: ProjectService = Projects) -> dict:
    data = await read_json(request)
    return await run_in_threadpool(svc.create_project, _name(data))


@router.get("")
def list_projects(request: Request, svc: ProjectService = Projects) -> dict:
    page = page_query(request.query_params, 100)
    page.order = "asc"  # oldest first, as OpenAI lists projects
    include = request.query_params.get("include_archived", "false").lower()
    if include not in ("true", "false"):
        raise InvalidRequest(f"Invalid value: '{include}'. Supported values are: 'true' and 'false'.",
                             param="include_archived", code="invalid_value")
    return svc.list_projects(page, include == "true")


@router.get("/{project_id}")
def retrieve_project(project_id: str, svc: ProjectService = Projects) -> dict:
    return svc.get_project(project_id)


@router.post("/{project_id}")
async def modify_project(project_id: str, request: Request, svc: ProjectService = Projects) -> dict:
    data = await read_json(request)
    return await run_in_threadpool(svc.update_project, project_id, _name(data))


@router.post("/{project_id}/archive")
def archive_project(project_id: str, svc: ProjectService = Projects) -> dict:
    return svc.archive_project(project_id)


@router.get("/{project_id}/api_keys")
def list_api_keys(project_id: str, request: Request, svc: ProjectService = Projects) -> dict:
    page = page_query(request.query_params, 100)
    page.order = "asc"
    return svc.list_keys(project_id, page)


@router.post("/{project_id}/api_keys")
async def create_api_key(project_id: str, request: Request, svc: ProjectService = Projects) -> dict:
    data = await read_json(request)
    key = await run_in_threadpool(svc.create_key, project_id, _name(data))
    request.app.state.services.keys.note_stored()
    return key


@router.get("/{project_id}/api_keys/{key_id}")
def retrieve_api_key(project_id: str, key_id: str, svc: ProjectService = Projects) -> dict:
    return svc.get_key(project_id, key_id)


@router.delete("/{project_id}/api_keys/{key_id}")
def delete_api_key(project_id: str, key_id: str, svc: ProjectService = Projects) -> dict:
    return svc.revoke_key(project_id, key_id)
