"""Realtime: ephemeral sessions over REST, and the WebSocket ``/v1/realtime``.

The WebSocket route authenticates before the upgrade (a bad key gets an OpenAI-shaped
``401`` instead of a handshake), picks the protocol (beta when the ``OpenAI-Beta:
realtime=v1`` header or the ``openai-beta.realtime-v1`` subprotocol is present, GA
otherwise) and hands the connection to a session actor.
"""

from __future__ import annotations

import asyncio
from typing import Any, Optional

from fastapi import APIRouter, Request, WebSocket
from fastapi.responses import JSONResponse

from ..errors import APIError, InvalidRequest
from ..realtime import config as cfg
from ..realtime.codec_beta import BetaCodec
from ..realtime.codec_ga import GACodec
from ..realtime.session import Limits, RealtimeSession
from ..services.realtime import Grant, RealtimeService
from .deps import Project, project_for, read_json, service, validate

router = APIRouter(prefix="/realtime", tags=["Realtime"])
ws_router = APIRouter(prefix="/v1")
Realtime = service("realtime")

#: Subprotocols browsers send instead of headers.
KEY_PROTOCOL = "openai-insecure-api-key."
BETA_PROTOCOL = "openai-beta.realtime-v1"


def _audio(request: Any) -> bool:
    return request.app.state.voice.available


@router.post("/sessions")
async def create_session(request: Request, project: str = Project, svc: RealtimeService = Realtime) -> dict:
    given = validate(cfg.BetaSessionParams, await read_json(request)).given()
    return await asyncio.to_thread(svc.create_session, project, given, audio=_audio(request))


@router.post("/transcription_sessions")
async def create_transcription_session(request: Request, project: str = Project,
                                       svc: RealtimeService = Realtime) -> dict:
    given = validate(cfg.BetaTranscriptionSessionParams, await read_json(request)).given()
    return await asyncio.to_thread(svc.create_transcription_session, project, given)


@router.post("/client_secrets")
async def create_client_secret(request: Request, project: str = Project, svc: RealtimeService = Realtime) -> dict:
    data = await read_json(request)
    validate(cfg.GAClientSecretParams, data)
    session = data.get("session")
    given: dict[str, Any] = {"expires_after": data.get("expires_after"), "session": session}
    return await asyncio.to_thread(svc.create_client_secret, project, given, audio=_audio(request))


def _protocols(websocket: WebSocket) -> list[str]:
    header = websocket.headers.get("sec-websocket-protocol", "")
    return [p.strip() for p in header.split(",") if p.strip()]


def _token(websocket: WebSocket, protocols: list[str]) -> Optional[str]:
    scheme, _, token = websocket.headers.get("authorization", "").partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        return token.strip()
    return next((p[len(KEY_PROTOCOL):] for p in protocols if p.startswith(KEY_PROTOCOL)), None)


async def _refuse(websocket: WebSocket, exc: APIError) -> None:
    """Answer the handshake with an HTTP error (the ASGI denial-response extension), else close it."""
    try:
        await websocket.send_denial_response(JSONResponse(exc.body(), status_code=exc.status_code))
    except RuntimeError:
        await websocket.close(code=1008, reason=exc.message[:120])


@ws_router.websocket("/realtime")
async def realtime_socket(websocket: WebSocket) -> None:
    app = websocket.app
    services = app.state.services
    protocols = _protocols(websocket)
    try:
        token = _token(websocket, protocols)
        if token and token.startswith("ek_"):  # minted by a project's key: the session runs in that project
            grant = await asyncio.to_thread(services.realtime.authenticate, token)
        else:  # an API key: any project's (env or stored) opens a session in its project, as on REST routes
            grant = Grant(project=await project_for(services.keys, token))
        if websocket.query_params.get("call_id"):
            raise InvalidRequest("Connecting to a call (call_id) is not supported by this server: it serves "
                                 "WebSocket sessions only.", param="call_id", code="unsupported")
    except APIError as exc:
        await _refuse(websocket, exc)
        return
    beta = "realtime=v1" in websocket.headers.get("openai-beta", "").replace(" ", "").lower() \
        or BETA_PROTOCOL in protocols
    voice = app.state.voice
    query = websocket.query_params
    kind = "transcription" if query.get("intent") == "transcription" else "realtime"
    if grant.config is not None:
        config = dict(grant.config)
        kind = config.get("kind", kind)
    else:
        config = cfg.default_config(kind, model=query.get("model") or "gpt-realtime", audio=voice.available)
    model = query.get("model") or config.get("model") or "gpt-realtime"
    config["model"] = model
    await websocket.accept(subprotocol="realtime" if "realtime" in protocols else None)
    if grant.ephemeral:  # the session ends if its project is archived (not when its secret expires)
        async def authorize() -> None:
            await services.realtime.check_project(grant.project)
    else:  # ... or if its API key is revoked or its project archived
        async def authorize() -> None:
            await project_for(services.keys, token)
    settings = app.state.settings
    session = RealtimeSession(codec=BetaCodec() if beta else GACodec(), config=config, project=grant.project,
                              authorize=authorize,
                              provider=services.realtime_provider, voice=voice, model=model,
                              max_seconds=settings.realtime_session_seconds,
                              limits=Limits(outbox_bytes=settings.realtime_outbox_bytes,
                                            outbox_events=settings.realtime_outbox_events,
                                            max_responses=settings.realtime_max_responses,
                                            send_timeout=settings.realtime_send_timeout_seconds),
                              responses_gauge=app.state.metrics.realtime_responses)
    open_sessions = app.state.metrics.realtime_sessions
    open_sessions.inc()
    try:
        await session.serve(websocket)
    finally:
        open_sessions.dec()
