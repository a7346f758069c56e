"""Realtime: ephemeral sessions over REST, and the WebSocket ``/v1/realtime`` (its handshake, protocol
and session live in ``realtime/``: ``connect.py``, ``secrets.py``, ``session.py``)."""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi import APIRouter, Request, WebSocket

from ..bodies import read_json
from ..realtime import config as cfg
from ..realtime.connect import RealtimeFace
from .deps import Project, service

router = APIRouter(prefix="/realtime", tags=["Realtime"])
ws_router = APIRouter(prefix="/v1")
Realtime = service("realtime")


def _audio(request: Any) -> bool:
    return request.app.state.voice.available


@router.post("/sessions")
async def create_session(request: Request, project: str = Project, face: RealtimeFace = Realtime) -> dict:
    given = cfg.parse_beta(await read_json(request))
    return await asyncio.to_thread(face.secrets.create_session, project, given, audio=_audio(request))


@router.post("/transcription_sessions")
async def create_transcription_session(request: Request, project: str = Project,
                                       face: RealtimeFace = Realtime) -> dict:
    given = cfg.parse_beta(await read_json(request), transcription=True)
    return await asyncio.to_thread(face.secrets.create_transcription_session, project, given)


@router.post("/client_secrets")
async def create_client_secret(request: Request, project: str = Project, face: RealtimeFace = Realtime) -> dict:
    data = await read_json(request)
    cfg.check_client_secret(data)
    given: dict[str, Any] = {"expires_after": data.get("expires_after"), "session": data.get("session")}
    return await asyncio.to_thread(face.secrets.create_client_secret, project, given, audio=_audio(request))


@ws_router.websocket("/realtime")
async def realtime_socket(websocket: WebSocket) -> None:
    state = websocket.app.state
    await state.services.realtime.serve(websocket, state.voice, state.metrics.realtime_sessions,
                                        state.metrics.realtime_responses)
