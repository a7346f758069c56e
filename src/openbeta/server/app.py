"""``create_app(settings)``: the ASGI app. Everything it needs hangs off ``app.state``."""

from __future__ import annotations

import logging
import time
from contextlib import asynccontextmanager
from typing import AsyncIterator, Optional

from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .._version import __version__
from .api import assistants, chatkit, files, messages, organization, realtime, runs, threads, vector_stores
from .api.deps import current_project
from .api.unbuilt import unbuilt_error
from .errors import APIError, InvalidRequest
from .realtime.hooks import load_voice_kit
from .services.container import Services, build_services
from .settings import Settings

log = logging.getLogger("openbeta")


def error_response(exc: APIError) -> JSONResponse:
    return JSONResponse(exc.body(), status_code=exc.status_code, headers=exc.headers)


class RequestLog:
    """Logs each HTTP request's method, path, status, time until its response ended, and project.

    Plain ASGI, so streamed bodies pass straight through (no extra task or queue per chunk).
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def sending(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            project = (scope.get("state") or {}).get("project", "-")  # set by the key check, when it ran
            log.info("request method=%s path=%s status=%s ms=%.1f project=%s", scope["method"], scope["path"],
                     status, (time.perf_counter() - started) * 1000, project)


def api_router() -> APIRouter:
    """Every ``/v1`` route. Later parts of the API add their routers here.

    Object routes act for the caller's project (:func:`~openbeta.server.api.deps.current_project`);
    the admin routes under ``/v1/organization`` take the admin key instead.
    """
    router = APIRouter(prefix="/v1")
    scoped = APIRouter(dependencies=[Depends(current_project)])
    for module in (assistants, runs, threads, messages, files, vector_stores, realtime, chatkit):
        scoped.include_router(module.router)
    router.include_router(organization.router)
    router.include_router(scoped)
    return router


def create_app(settings: Optional[Settings] = None, services: Optional[Services] = None) -> FastAPI:
    settings = settings or Settings()
    services = services or build_services(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        for start in services.startup:
            await start()
        app.state.ready = True
        try:
            yield
        finally:
            app.state.ready = False
            for stop in reversed(services.shutdown):
                await stop()
            services.db.dispose()

    app = FastAPI(title="openbeta", version=__version__, lifespan=lifespan,
                  description="A self-hosted implementation of OpenAI's beta API family.")
    app.state.settings = settings
    app.state.services = services
    app.state.ready = False
    #: The voice pipeline realtime sessions use (``app.state.voice.available`` is false without it).
    app.state.voice = load_voice_kit(settings)

    @app.exception_handler(APIError)
    async def _api_error(_request: Request, exc: APIError) -> JSONResponse:
        return error_response(exc)

    @app.exception_handler(RequestValidationError)
    async def _validation_error(_request: Request, exc: RequestValidationError) -> JSONResponse:
        first = exc.errors()[0] if exc.errors() else {"loc": (), "msg": "invalid request"}
        loc = [str(p) for p in first.get("loc", ()) if p not in ("body", "query", "path")]
        param = ".".join(loc) or None
        return error_response(InvalidRequest(f"Invalid '{param}': {first.get('msg')}.", param=param,
                                             code="invalid_value"))

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        not_built = unbuilt_error(request.method, request.url.path) if exc.status_code in (404, 405) else None
        if not_built is not None:
            return error_response(not_built)
        if exc.status_code == 404:
            return error_response(APIError(f"Invalid URL ({request.method} {request.url.path})",
                                           status_code=404, type="invalid_request_error"))
        if exc.status_code == 405:
            return error_response(APIError(f"Invalid method for URL ({request.method} {request.url.path})",
                                           status_code=405, type="invalid_request_error"))
        return error_response(APIError(str(exc.detail), status_code=exc.status_code,
                                       type="invalid_request_error"))

    @app.exception_handler(Exception)
    async def _unexpected(_request: Request, _exc: Exception) -> JSONResponse:
        # Starlette re-raises the exception after this response; the server logs it once.
        return error_response(APIError("The server had an error while processing your request. Sorry about that!"))

    app.add_middleware(RequestLog)

    @app.get("/health", include_in_schema=False)
    async def health() -> JSONResponse:
        ok = app.state.ready
        return JSONResponse({"status": "ok" if ok else "starting", "version": __version__},
                            status_code=200 if ok else 503)

    app.include_router(api_router())
    app.include_router(realtime.ws_router)  # authenticates in the handshake itself (ephemeral keys too)
    app.include_router(chatkit.protocol_router)  # authenticated by ChatKit client secrets, not API keys
    return app
