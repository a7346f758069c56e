"""What routes share: JSON bodies validated into request models, page queries, services."""

from __future__ import annotations

import json
from typing import Any, Callable, Optional, TypeVar

from fastapi import Depends, Request
from pydantic import BaseModel, ValidationError

from ..errors import InvalidRequest, from_validation_error
from ..store.pages import PageQuery

M = TypeVar("M", bound=BaseModel)


async def read_json(request: Request) -> dict[str, Any]:
    raw = await request.body()
    if not raw.strip():
        return {}
    try:
        data = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise InvalidRequest(
            "We could not parse the JSON body of your request. (HINT: This likely means you aren't using "
            "your HTTP library correctly. The OpenAI API expects a JSON payload, but what was sent was not "
            "valid JSON.)")
    if not isinstance(data, dict):
        raise InvalidRequest("The request body must be a JSON object.", code="invalid_type")
    return data


def validate(model: type[M], data: dict[str, Any]) -> M:
    try:
        return model.model_validate(data, extra="forbid")
    except ValidationError as exc:
        raise from_validation_error(exc, data) from None


def body(model: type[M]) -> Any:
    """``params: X = body(X)``: the request's JSON, validated into ``X``."""

    async def dependency(request: Request) -> M:
        return validate(model, await read_json(request))

    return Depends(dependency)


def _one(request: Request, name: str) -> Optional[str]:
    values = request.query_params.getlist(name)
    return values[-1] if values else None


async def page_query(request: Request) -> PageQuery:  # async: no thread-pool hop for parsing
    return limited_page_query(request, 100)


def limited_page_query(request: Request, maximum: int) -> PageQuery:
    limit_raw = _one(request, "limit")
    limit = 20
    if limit_raw is not None:
        try:
            limit = int(limit_raw)
        except ValueError:
            raise InvalidRequest(
                f"Invalid type for 'limit': expected an integer, but got a string instead.",
                param="limit", code="invalid_type") from None
        if not 1 <= limit <= maximum:
            raise InvalidRequest(
                f"Invalid 'limit': integer {'below minimum value' if limit < 1 else 'above maximum value'}. "
                f"Expected a value {'>= 1' if limit < 1 else f'<= {maximum}'}, but got {limit} instead.",
                param="limit", code="integer_below_min_value" if limit < 1 else "integer_above_max_value")
    order = _one(request, "order") or "desc"
    if order not in ("asc", "desc"):
        raise InvalidRequest(f"Invalid value: '{order}'. Supported values are: 'asc' and 'desc'.",
                             param="order", code="invalid_value")
    return PageQuery(limit=limit, order=order,  # type: ignore[arg-type]
                     after=_one(request, "after") or None, before=_one(request, "before") or None)


def pages(maximum: int = 100) -> Any:
    """``page: PageQuery = pages(10_000)``: a page query whose ``limit`` may reach ``maximum``."""

    async def dependency(request: Request) -> PageQuery:
        return limited_page_query(request, maximum)

    return Depends(dependency)


Pages = Depends(page_query)


def service(name: str) -> Any:
    """``svc = service("assistants")``: a service from the app's container."""

    async def dependency(request: Request) -> Any:  # async: no thread-pool hop for a lookup
        return getattr(request.app.state.services, name)

    return Depends(dependency)


__all__ = ["body", "validate", "read_json", "page_query", "pages", "Pages", "service", "Callable"]
