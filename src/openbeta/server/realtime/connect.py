"""A realtime WebSocket connection (``/v1/realtime``), from handshake to its session's end.

The key is checked before the upgrade (a bad key gets an OpenAI-shaped ``401`` instead of a handshake):
an ephemeral client secret (``ek_...``, :mod:`.secrets`) opens a session in the project of the key that
minted it, with the configuration it was minted with; an API key opens one in its own project. The
protocol is beta when the ``OpenAI-Beta: realtime=v1`` header or the ``openai-beta.realtime-v1``
subprotocol is present, GA otherwise; the connection is then handed to a session actor
(:class:`~.session.RealtimeSession`), which asks the model through the server's provider handle.
"""

from __future__ import annotations

import asyncio
from typing import Any, Callable, Optional

from starlette.websockets import WebSocket

from ..auth import project_for
from ..errors import APIError, InvalidRequest
from ..providers.base import Provider
from ..settings import Settings
from ..sockets import Limits, refuse
from . import config as cfg
from .codec_beta import BetaCodec
from .codec_ga import GACodec
from .voicekit import VoiceKit
from .secrets import Grant, RealtimeService
from .session import RealtimeSession

#: Subprotocols browsers send instead of headers.
KEY_PROTOCOL = "openai-insecure-api-key."
BETA_PROTOCOL = "openai-beta.realtime-v1"


def _protocols(websocket: WebSocket) -> list[str]:
    header = websocket.headers.get("sec-websocket-protocol", "")
    return [p.strip() for p in header.split(",") if p.strip()]


def _token(websocket: WebSocket, protocols: list[str]) -> Optional[str]:
    scheme, _, token = websocket.headers.get("authorization", "").partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        return token.strip()
    return next((p[len(KEY_PROTOCOL):] for p in protocols if p.startswith(KEY_PROTOCOL)), None)


class RealtimeFace:
    """The realtime face: ephemeral secrets and sessions over REST (:attr:`secrets`) and WebSocket sessions
    (:meth:`serve`). Built once by the composition root."""

    def __init__(self, secrets: RealtimeService, keys: Any, provider: Callable[[], Provider],
                 settings: Settings) -> None:
        self.secrets = secrets
        #: The server's key ring (``services/projects.py``'s ``KeyRing``): API keys open sessions too.
        self.keys = keys
        self.provider = provider
        self.settings = settings

    async def _grant(self, websocket: WebSocket, token: Optional[str]) -> Grant:
        if token and token.startswith("ek_"):  # minted by a project's key: the session runs in that project
            grant = await asyncio.to_thread(self.secrets.authenticate, token)
        else:  # an API key: any project's (env or stored) opens a session in its project, as on REST routes
            grant = Grant(project=await project_for(self.keys, token))
        if websocket.query_params.get("call_id"):
            raise InvalidRequest("Connecting to a call (call_id) is not supported by this server: it serves "
                                 "WebSocket sessions only.", param="call_id", code="unsupported")
        return grant

    async def serve(self, websocket: WebSocket, voice: VoiceKit, sessions_gauge: Any, responses_gauge: Any) -> None:
        """Authenticate the handshake (or refuse it), accept it and serve its session until it ends."""
        protocols = _protocols(websocket)
        token = _token(websocket, protocols)
        try:
            grant = await self._grant(websocket, token)
        except APIError as exc:
            await refuse(websocket, exc)
            return
        beta = "realtime=v1" in websocket.headers.get("openai-beta", "").replace(" ", "").lower() \
            or BETA_PROTOCOL in protocols
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
                await self.secrets.check_project(grant.project)
        else:  # ... or if its API key is revoked or its project archived
            async def authorize() -> None:
                await project_for(self.keys, token)
        settings = self.settings
        session = RealtimeSession(codec=BetaCodec() if beta else GACodec(), config=config, project=grant.project,
                                  authorize=authorize, provider=self.provider, voice=voice, model=model,
                                  max_seconds=settings.realtime_session_seconds,
                                  limits=Limits(outbox_bytes=settings.realtime_outbox_bytes,
                                                outbox_events=settings.realtime_outbox_events,
                                                max_responses=settings.realtime_max_responses,
                                                send_timeout=settings.realtime_send_timeout_seconds),
                                  responses_gauge=responses_gauge)
        sessions_gauge.inc()
        try:
            await session.serve(websocket)
        finally:
            sessions_gauge.dec()


__all__ = ["RealtimeFace"]
