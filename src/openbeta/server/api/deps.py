"""What routes share: the caller's project, JSON bodies validated into request models, page queries,
the app's services, poll hints. Each is a FastAPI dependency (or a one-line render helper) over the
modules below the faces that do the work: ``auth.py``, ``validation.py``, ``bodies.py``, ``paging.py``."""

from __future__ import annotations

from typing import Any, TypeVar

from fastapi import Depends, Request, Response
from pydantic import BaseModel
from starlette.requests import HTTPConnection

from ..auth import bearer, project_for
from ..bodies import read_json
from ..paging import PageQuery, page_query
from ..services.polling import poll_headers
from ..validation import refuse_nul, validate

M = TypeVar("M", bound=BaseModel)


async def current_project(request: HTTPConnection) -> str:
    """The id of the project the request acts for, from its bearer key (see
    :mod:`openbeta.server.services.projects` and :func:`~openbeta.server.auth.project_for`); every
    ``/v1`` object route depends on it, and it is kept on ``request.state.project``. Typed on
    ``HTTPConnection``, so WebSocket routes can depend on it too.
    """
    known = getattr(request.state, "project", None)
    if known is None:
        known = request.state.project = await project_for(request.app.state.services.keys, bearer(request))
    return known


#: ``project: str = Project``: the caller's project id (see :func:`current_project`).
Project: Any = Depends(current_project)


async def no_nul_in_url(request: Request) -> None:
    """Every ``/v1`` route's check (after the key check) that no path segment or query parameter holds
    a NUL character (see :func:`~openbeta.server.validation.refuse_nul`)."""
    for name, value in request.path_params.items():
        if isinstance(value, str):
            refuse_nul(value, name)
    for name, value in request.query_params.multi_items():
        refuse_nul(name, name.replace("\x00", "\\u0000"))
        refuse_nul(value, name)


def body(model: type[M]) -> Any:
    """``params: X = body(X)``: the request's JSON, validated into ``X``."""

    async def dependency(request: Request) -> M:
        return validate(model, await read_json(request))

    return Depends(dependency)


def pages(maximum: int = 100) -> Any:
    """``page: PageQuery = pages()``: the page query; ``pages(10_000)`` lets ``limit`` reach 10 000."""

    async def dependency(request: Request) -> PageQuery:  # async: no thread-pool hop for parsing
        return page_query(request.query_params, maximum)

    return Depends(dependency)


def service(name: str) -> Any:
    """``svc = service("assistants")``: a service from the app's container."""

    async def dependency(request: Request) -> Any:  # async: no thread-pool hop for a lookup
        return getattr(request.app.state.services, name)

    return Depends(dependency)


def hinted(response: Response, obj: dict[str, Any]) -> dict[str, Any]:
    """``obj``, with the ``openai-poll-after-ms`` header of an object still moving (see ``services/polling.py``)
    set on ``response``: what the SDKs' polling helpers read between two reads."""
    response.headers.update(poll_headers(obj))
    return obj


__all__ = ["Project", "body", "current_project", "hinted", "no_nul_in_url", "pages", "service"]
