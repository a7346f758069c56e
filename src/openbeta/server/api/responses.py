"""Responses: ``/responses`` (create, retrieve, delete, cancel, input items, input tokens, compact), in both
flavours: ``?beta=true`` (``client.beta.responses``) reads a body as the spec's ``Beta*`` shapes
(:func:`~..responses.service.check_beta`); the objects answered are the same (the beta ones differ only by
what multi-agent responses add)."""

from __future__ import annotations

from typing import Any, AsyncIterator, Optional

from fastapi import APIRouter, Request, WebSocket
from fastapi.responses import StreamingResponse
from starlette.concurrency import run_in_threadpool

from ...types.responses import CompactParams, InputTokensParams, ResponseCreateParams
from ..bodies import read_json
from ..errors import InvalidRequest
from ..paging import PageQuery
from ..responses.service import ResponseService, check_beta, check_body
from ..responses.socket import serve_socket
from ..validation import validate
from .deps import Project, pages, service
from .sse import KEEPALIVE, sse, sse_frames_response

router = APIRouter(prefix="/responses", tags=["Responses"])
ws_router = APIRouter(prefix="/v1")
Responses = service("responses")
INCLUDABLE = ("file_search_call.results",)


async def body(request: Request) -> dict[str, Any]:
    """A create, input_tokens or compact body, as GA or, with ``?beta=true``, as the beta flavour."""
    data = await read_json(request)
    if request.query_params.get("beta") == "true":
        check_beta(data)
    return data


def includes(request: Request) -> list[str]:
    return request.query_params.getlist("include[]") + request.query_params.getlist("include")


async def frames(events: AsyncIterator[Optional[tuple[str, Any]]]) -> AsyncIterator[str]:
    """A response's events as SSE (``event: <type>``, ``data: <json>``), ending with ``data: [DONE]``."""
    try:
        async for item in events:
            yield KEEPALIVE if item is None else sse(*item)
        yield "data: [DONE]\n\n"
    finally:
        await events.aclose()  # type: ignore[attr-defined]


def streamed(events: AsyncIterator[Optional[tuple[str, Any]]]) -> StreamingResponse:
    return sse_frames_response(frames(events))


@router.post("")
async def create_response(request: Request, project: str = Project, svc: ResponseService = Responses) -> Any:
    data = await body(request)
    check_body(data)
    params = validate(ResponseCreateParams, data)
    created = await _blocking(svc.create, project, params)
    if params.stream:
        return streamed(svc.stream(created))
    if params.background:
        svc.start(created)
        return created.prelude[0]["response"]
    return await svc.finished(created, project)


@ws_router.websocket("/responses")
async def responses_socket(websocket: WebSocket) -> None:
    """The WebSocket mode (``client.responses.connect()``): ``responses/socket.py``."""
    state = websocket.app.state
    await serve_socket(websocket, state.services.responses, state.services.keys, state.settings)


@router.post("/input_tokens")
async def input_tokens(request: Request, project: str = Project, svc: ResponseService = Responses) -> dict:
    data = await body(request)
    check_body(data)
    return await _blocking(svc.input_tokens, project, validate(InputTokensParams, data))


@router.post("/compact")
async def compact(request: Request, project: str = Project, svc: ResponseService = Responses) -> dict:
    return await svc.compact(project, validate(CompactParams, await body(request)))


@router.get("/{response_id}")
async def get_response(response_id: str, request: Request, project: str = Project,
                       svc: ResponseService = Responses) -> Any:
    query = request.query_params
    if query.get("stream") in ("true", "1"):
        after = query.get("starting_after")
        try:
            start = int(after) if after is not None else -1
        except ValueError:
            raise InvalidRequest("Invalid 'starting_after': expected an integer.", param="starting_after",
                                 code="invalid_type") from None
        await _blocking(svc.check, project, response_id)
        return streamed(svc.follow(response_id, start))
    return await _blocking(svc.get, project, response_id, includes(request))


@router.delete("/{response_id}")
async def delete_response(response_id: str, project: str = Project, svc: ResponseService = Responses) -> dict:
    return await _blocking(svc.delete, project, response_id)


@router.post("/{response_id}/cancel")
async def cancel_response(response_id: str, project: str = Project, svc: ResponseService = Responses) -> dict:
    return await _blocking(svc.cancel, project, response_id)


@router.get("/{response_id}/input_items")
async def list_input_items(response_id: str, request: Request, page: PageQuery = pages(), project: str = Project,
                           svc: ResponseService = Responses) -> dict:
    return await _blocking(svc.input_items, project, response_id, page, includes(request))


async def _blocking(fn: Any, *args: Any) -> Any:
    """A service call (blocking: database work) off the event loop."""
    return await run_in_threadpool(fn, *args)
