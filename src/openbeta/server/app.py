"""``create_app(settings)``: the ASGI app. Everything it needs hangs off ``app.state``."""

from __future__ import annotations

import asyncio
import logging
import secrets
import time
from contextlib import asynccontextmanager
from typing import AsyncIterator, Callable, Optional

from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi_offline import FastAPIOffline
from sqlalchemy.exc import SQLAlchemyError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .._version import __version__
from .api import (assistants, chatkit, console, containers, conversations, docs, files, messages, models, organization,
                  realtime, responses, runs, threads, vector_stores)
from .api import openapi as openapi_docs
from .api.deps import current_project, no_nul_in_url
from .api.unbuilt import unbuilt_error
from .auth import bearer, bearer_hash, key_hash
from .errors import APIError, InvalidRequest, RequestTimeout, Unauthorized
from .metrics import CONTENT_TYPE, Metrics
from .realtime.voicekit import load_voice_kit
from .compose import Services, build_services
from .settings import Settings
from .storage import DeletesOnFullDisk, insufficient_storage, is_disk_full, sqlite_reserve

log = logging.getLogger("openbeta")


def error_response(exc: APIError) -> JSONResponse:
    return JSONResponse(exc.body(), status_code=exc.status_code, headers=exc.headers)


class RequestLog:
    """Logs each HTTP request's method, path, status, time until its response ended, and project.

    Plain ASGI, so streamed bodies pass straight through (no extra task or queue per chunk).
    """

    def __init__(self, app: ASGIApp, observe: Optional[Callable[[str, str, int, float], None]] = None) -> None:
        self.app = app
        self.observe = observe

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
            took = time.perf_counter() - started
            project = (scope.get("state") or {}).get("project", "-")  # set by the key check, when it ran
            log.info("request method=%s path=%s status=%s ms=%.1f project=%s", scope["method"], scope["path"],
                     status, took * 1000, project)
            if self.observe is not None:
                route = getattr(scope.get("route"), "name", None) or "unmatched"  # the operation's handler
                self.observe(scope["method"], route, status, took)


class BodyTimeout:
    """A request body whose next part takes longer than ``seconds`` to arrive answers 408.

    Plain ASGI around ``receive``: it bounds every body read (JSON, multipart)
    while the body is unfinished, and nothing after it (a stream's wait for the
    client to disconnect is not bounded).
    """

    def __init__(self, app: ASGIApp, seconds: float) -> None:
        self.app = app
        self.seconds = seconds

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        finished = False

        async def receiving() -> Message:
            nonlocal finished
            if finished:
                return await receive()
            try:
                message = await asyncio.wait_for(receive(), self.seconds)
            except asyncio.TimeoutError:
                finished = True
                raise RequestTimeout(
                    f"The request body did not arrive in time: no part of it came for {self.seconds:g} seconds.",
                    code="request_timeout", headers={"Connection": "close"}) from None
            finished = message["type"] != "http.request" or not message.get("more_body", False)
            return message

        await self.app(scope, receiving, send)


async def check_metrics_access(request: Request) -> None:
    """``/metrics`` shows every project's counts: it takes the admin key or ``OPENBETA_METRICS_TOKEN``
    (unless ``OPENBETA_PUBLIC_METRICS`` opens it)."""
    settings: Settings = request.app.state.settings
    if settings.public_metrics:
        return
    ring = request.app.state.services.keys
    token = bearer(request)
    allowed = [h for h in (ring.admin_hash, key_hash(settings.metrics_token) if settings.metrics_token else None)
               if h is not None]
    if not allowed:
        raise APIError("/metrics is disabled: set OPENBETA_ADMIN_KEY or OPENBETA_METRICS_TOKEN (and send it as a "
                       "bearer token), or OPENBETA_PUBLIC_METRICS=true.", status_code=403,
                       type="invalid_request_error", code="metrics_disabled")
    if token is None:
        raise Unauthorized("You didn't provide an API key. /metrics needs the admin key or the metrics token in an "
                           "Authorization header using Bearer auth.", code="missing_api_key")
    digest = bearer_hash(token)
    if not any(secrets.compare_digest(digest, h) for h in allowed):
        raise Unauthorized("Incorrect key provided: /metrics needs the admin key or the metrics token.",
                           code="invalid_api_key")


async def check_api_key(request: Request) -> None:
    """The key check of every ``/v1`` object route (and of the docs and unmatched ``/v1`` paths):
    the caller's project, see :func:`~openbeta.server.api.deps.current_project`."""
    await current_project(request)


_METHODS = ("DELETE", "GET", "PATCH", "POST", "PUT")


def _route_table(routes: list) -> list[tuple[str, set[str]]]:
    """(path format, methods) of every HTTP route, however routers nest them."""
    try:
        from fastapi.routing import iter_route_contexts  # FastAPI keeps included routers nested
    except ImportError:  # older FastAPI: included routes are flattened into the app's own list
        leaves: list = list(routes)
    else:
        leaves = list(iter_route_contexts(routes))
    return [(leaf.path_format, set(leaf.methods or ())) for leaf in leaves
            if getattr(leaf, "path_format", None) and getattr(leaf, "methods", None)]


def allowed_methods(request: Request) -> str:
    """The ``Allow`` header of a 405: every method a route fully matches at this path.

    A path that a route spells out word for word (``/v1/threads/runs``) is that path's routes' alone: a
    route whose parameter would take the same segment (``/v1/threads/{thread_id}``, ``runs`` as an id)
    does not count there.
    """
    literal = {method for path, methods in _route_table(request.app.router.routes) if path == request.url.path
               for method in methods}
    if literal:
        return ", ".join(method for method in _METHODS if method in literal)
    allowed = []
    for method in _METHODS:
        scope = {**request.scope, "method": method}
        if any(route.matches(scope)[0] == Match.FULL for route in request.app.router.routes):
            allowed.append(method)
    return ", ".join(allowed)


def api_router() -> APIRouter:
    """Every ``/v1`` route. Later parts of the API add their routers here.

    Object routes act for the caller's project (:func:`~openbeta.server.api.deps.current_project`);
    the admin routes under ``/v1/organization`` take the admin key instead.
    """
    router = APIRouter(prefix="/v1")
    scoped = APIRouter(dependencies=[Depends(current_project), Depends(no_nul_in_url)])
    for module in (assistants, runs, threads, messages, files, vector_stores, realtime, chatkit, models, responses,
                   conversations, containers):
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
            app.state.draining = True
            for stop in reversed(services.shutdown):
                await stop()
            services.db.dispose()

    public = settings.public_docs
    if public:  # the interactive docs (/docs, /redoc) load their scripts from fastapi-offline, not a CDN
        app = FastAPIOffline(title="openbeta", version=__version__, lifespan=lifespan, redoc_url=None,
                             description="A self-hosted implementation of OpenAI's beta API family.")
        app.include_router(docs.router)  # /redoc, under a policy that keeps its loads on this server
    else:
        app = FastAPI(title="openbeta", version=__version__, lifespan=lifespan,
                      description="A self-hosted implementation of OpenAI's beta API family.",
                      docs_url=None, redoc_url=None, openapi_url=None)
    app.state.settings = settings
    app.state.services = services
    app.state.ready = False
    app.state.draining = False
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
        if request.url.path == "/v1" or request.url.path.startswith("/v1/"):
            try:  # no route is named (nor its methods) to a caller without a key
                await check_api_key(request)
            except APIError as refused:
                return error_response(refused)
        not_built = unbuilt_error(request.method, request.url.path) if exc.status_code in (404, 405) else None
        if not_built is not None:
            return error_response(not_built)
        if exc.status_code == 404:
            return error_response(APIError(f"Invalid URL ({request.method} {request.url.path})",
                                           status_code=404, type="invalid_request_error"))
        if exc.status_code == 405:
            return error_response(APIError(f"Invalid method for URL ({request.method} {request.url.path})",
                                           status_code=405, type="invalid_request_error",
                                           headers={"Allow": allowed_methods(request)}))
        return error_response(APIError(str(exc.detail), status_code=exc.status_code,
                                       type="invalid_request_error"))

    async def _storage_error(_request: Request, exc: Exception) -> JSONResponse:
        if is_disk_full(exc):
            return error_response(insufficient_storage())
        raise exc  # any other fault: a 500, logged once by the server

    app.add_exception_handler(OSError, _storage_error)
    app.add_exception_handler(SQLAlchemyError, _storage_error)

    @app.exception_handler(Exception)
    async def _unexpected(_request: Request, _exc: Exception) -> JSONResponse:
        # Starlette re-raises the exception after this response; the server logs it once. The
        # connection is closed after it, so a keep-alive client is told rather than reset.
        return error_response(APIError("The server had an error while processing your request. Sorry about that!",
                                       headers={"Connection": "close"}))

    metrics = Metrics(services, voice=app.state.voice)
    app.state.metrics = metrics
    reserve = sqlite_reserve(services.db, settings.disk_reserve_bytes)
    if reserve is not None:
        reserve.lay()
        app.add_middleware(DeletesOnFullDisk, reserve=reserve)
    app.add_middleware(BodyTimeout, seconds=settings.body_timeout_seconds)
    app.add_middleware(RequestLog, observe=metrics.observe_request)

    if not public:
        @app.get("/openapi.json", include_in_schema=False, dependencies=[Depends(check_api_key)])
        async def openapi() -> JSONResponse:
            return JSONResponse(app.openapi())

    @app.get("/health", include_in_schema=False)
    async def health() -> JSONResponse:
        """Liveness: the process is up and started."""
        ok = app.state.ready
        return JSONResponse({"status": "ok" if ok else "starting", "version": __version__},
                            status_code=200 if ok else 503)

    @app.get("/ready", include_in_schema=False)
    async def ready() -> JSONResponse:
        """Readiness: started, not draining, and the database answers (a load balancer's check)."""
        if not app.state.ready:
            return JSONResponse({"status": "starting" if not app.state.draining else "draining"}, status_code=503)
        try:
            await asyncio.wait_for(asyncio.to_thread(services.db.ping), 5)
        except Exception as exc:
            return JSONResponse({"status": "database_unreachable", "error": type(exc).__name__}, status_code=503)
        return JSONResponse({"status": "ready", "version": __version__, "replica": services.runs.engine.replica})

    @app.get("/metrics", include_in_schema=False, dependencies=[Depends(check_metrics_access)])
    async def metrics_text() -> Response:
        return Response(await asyncio.to_thread(metrics.render), media_type=CONTENT_TYPE)

    app.include_router(api_router())
    app.include_router(realtime.ws_router)  # authenticates in the handshake itself (ephemeral keys too)
    app.include_router(chatkit.protocol_router)  # authenticated by ChatKit client secrets, not API keys
    app.include_router(console.router)  # the web console: static, public; it calls /v1 with the user's key
    app.mount("/console", console.static_files(), name="console")
    openapi_docs.install(app)
    return app


def app_from_environment() -> FastAPI:
    """The app of one ``openbeta serve --workers N`` worker process: settings from ``OPENBETA_*``."""
    from . import http_edge
    from .logs import configure_logging

    settings = Settings()
    configure_logging(settings)
    http_edge.configure(settings)
    return create_app(settings)
