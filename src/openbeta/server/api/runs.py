"""Runs and run steps: ``/threads/{thread_id}/runs``, ``/threads/runs``, ``.../steps``."""

from __future__ import annotations

from typing import Any, Optional, Sequence

from fastapi import APIRouter, Request, Response

from ...types.run import RunCreateParams, RunUpdateParams, SubmitToolOutputsParams, ThreadCreateAndRunParams
from ..paging import PageQuery
from ..runs.launch import Launch
from ..services.runs import RunService, check_include
from .deps import Project, body, hinted, pages, service
from .sse import sse_response

router = APIRouter(tags=["Assistants"])
Runs = service("runs")


def started(svc: RunService, launch: Launch, stream: Optional[bool], response: Response,
            include: Sequence[str] = ()) -> Any:
    """The run as JSON (with its poll hint), or its events as ``text/event-stream`` when ``stream`` is true."""
    events = svc.launch(launch, bool(stream), include)
    if events is None:
        return hinted(response, launch.run)
    return sse_response(events)


def includes(request: Request) -> list[str]:
    return request.query_params.getlist("include[]") + request.query_params.getlist("include")


@router.post("/threads/runs")
def create_thread_and_run(response: Response, params: ThreadCreateAndRunParams = body(ThreadCreateAndRunParams),
                          project: str = Project, svc: RunService = Runs) -> Any:
    return started(svc, svc.create_thread_and_run(project, params), params.stream, response)


@router.post("/threads/{thread_id}/runs")
def create_run(thread_id: str, request: Request, response: Response, params: RunCreateParams = body(RunCreateParams),
               project: str = Project, svc: RunService = Runs) -> Any:
    include = includes(request)
    if include:
        check_include(include)
    return started(svc, svc.create(project, thread_id, params), params.stream, response, include)


@router.get("/threads/{thread_id}/runs")
def list_runs(thread_id: str, page: PageQuery = pages(), project: str = Project, svc: RunService = Runs) -> dict:
    return svc.list(project, thread_id, page)


@router.get("/threads/{thread_id}/runs/{run_id}")
def get_run(thread_id: str, run_id: str, response: Response, project: str = Project,
            svc: RunService = Runs) -> dict:
    return hinted(response, svc.get(project, thread_id, run_id))


@router.post("/threads/{thread_id}/runs/{run_id}")
def modify_run(thread_id: str, run_id: str, params: RunUpdateParams = body(RunUpdateParams),
               project: str = Project, svc: RunService = Runs) -> dict:
    return svc.update(project, thread_id, run_id, params)


@router.post("/threads/{thread_id}/runs/{run_id}/cancel")
def cancel_run(thread_id: str, run_id: str, response: Response, project: str = Project,
               svc: RunService = Runs) -> dict:
    return hinted(response, svc.cancel(project, thread_id, run_id))


@router.post("/threads/{thread_id}/runs/{run_id}/submit_tool_outputs")
def submit_tool_outputs(thread_id: str, run_id: str, response: Response,
                        params: SubmitToolOutputsParams = body(SubmitToolOutputsParams),
                        project: str = Project, svc: RunService = Runs) -> Any:
    return started(svc, svc.submit_tool_outputs(project, thread_id, run_id, params), params.stream, response)


@router.get("/threads/{thread_id}/runs/{run_id}/steps")
def list_run_steps(thread_id: str, run_id: str, request: Request, page: PageQuery = pages(),
                   project: str = Project, svc: RunService = Runs) -> dict:
    return svc.list_steps(project, thread_id, run_id, page, includes(request))


@router.get("/threads/{thread_id}/runs/{run_id}/steps/{step_id}")
def get_run_step(thread_id: str, run_id: str, step_id: str, request: Request, project: str = Project,
                 svc: RunService = Runs) -> dict:
    return svc.get_step(project, thread_id, run_id, step_id, includes(request))
