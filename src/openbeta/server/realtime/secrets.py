"""Realtime sessions over REST: ephemeral client secrets (``ek_...``) and the session they open.

A secret is stored only as its SHA-256, with its kind, expiry and the session
configuration it was minted with and the project of the key that minted it; a
WebSocket handshake that presents it starts from that configuration, in that project. :meth:`RealtimeService.authenticate` is the one place
that decides whether a realtime handshake's key is good.
"""

from __future__ import annotations

import asyncio
import hashlib
import secrets
import time
from dataclasses import dataclass
from typing import Any, Optional

from sqlalchemy import delete, select

from ..errors import Unauthorized
from ..hooks import ProjectArchived
from ..ids import new_id, now
from ..services.projects import CACHE_SECONDS
from ..store import Database
from ..store.tables import DEFAULT_PROJECT_ID, ProjectRow, RealtimeSecretRow
from . import config as cfg

#: Lifetime of a beta session's key ("all tokens expire after one minute") and a GA key's default.
BETA_SECRET_SECONDS = 60
GA_SECRET_SECONDS = 600
#: Expired secrets are deleted this long after they expire.
SWEEP_GRACE_SECONDS = 3600


def _hash(value: str) -> str:
    return hashlib.sha256(value.encode("utf-8", "surrogateescape")).hexdigest()


@dataclass
class Grant:
    """Who opened a realtime connection: an API key (no config) or an ephemeral key (its session config),
    acting for ``project``."""

    project: str = DEFAULT_PROJECT_ID
    config: Optional[dict[str, Any]] = None
    ephemeral: bool = False


def _present(value: Any) -> Any:
    """``value`` without its ``null`` entries, when it is an object."""
    return {k: v for k, v in value.items() if v is not None} if isinstance(value, dict) else value


def _rest_shaped(body: dict[str, Any]) -> dict[str, Any]:
    """A session as the REST answers show it: no ``null`` where the spec's response schemas have none.

    A transcription's unset ``language`` and ``prompt``, and an unset GA ``audio.input.transcription``,
    ``audio.input.noise_reduction`` and ``include``, are left out (the session events over the WebSocket
    keep them, as their schemas allow)."""
    body = dict(body)
    if "input_audio_transcription" in body:
        body["input_audio_transcription"] = _present(body["input_audio_transcription"])
    audio = body.get("audio")
    if isinstance(audio, dict) and isinstance(audio.get("input"), dict):
        audio_input = {k: v for k, v in audio["input"].items()
                       if not (v is None and k in ("transcription", "noise_reduction"))}
        if "transcription" in audio_input:
            audio_input["transcription"] = _present(audio_input["transcription"])
        body["audio"] = {**audio, "input": audio_input}
    if body.get("include", []) is None:
        del body["include"]
    return body


def _shown(token: str) -> str:
    return token[:3] + "*" * 4 + token[-4:] if len(token) > 8 else "*" * len(token)


class RealtimeService:
    def __init__(self, db: Database) -> None:
        self.db = db
        #: Projects seen archived (at once for an archive made in this process, via :meth:`project_archived`).
        self._archived: set[str] = set()
        #: project id -> until when it is known active (re-read from the database after that).
        self._active_until: dict[str, float] = {}

    def project_archived(self, event: ProjectArchived) -> None:
        """On :class:`~openbeta.server.hooks.ProjectArchived`: the project's open sessions end at their next event."""
        self._archived.add(event.project_id)
        self._active_until.pop(event.project_id, None)

    def _read_archived(self, project_id: str) -> bool:
        with self.db.session() as s:
            return s.scalar(select(ProjectRow.archived_at).where(ProjectRow.id == project_id)) is not None

    async def check_project(self, project_id: str) -> None:
        """Raise :class:`Unauthorized` if the project an ephemeral key opened a session in was archived.

        Cheap per client event: the database is read at most every ``CACHE_SECONDS`` per project,
        so an archive made by another process is seen within that time; one made here, at once."""
        if project_id not in self._archived and time.monotonic() >= self._active_until.get(project_id, 0.0):
            if await asyncio.to_thread(self._read_archived, project_id):
                self._archived.add(project_id)
            else:
                self._active_until[project_id] = time.monotonic() + CACHE_SECONDS
        if project_id in self._archived:
            raise Unauthorized("The project of this ephemeral client secret is archived.", code="invalid_api_key")

    # ------------------------------------------------------------ secrets

    def mint(self, project: str, kind: str, config: dict[str, Any], seconds: int) -> tuple[str, int]:
        """A new ephemeral key of ``project`` for ``config``; returns (key, expires_at)."""
        value = "ek_" + secrets.token_urlsafe(24)
        created = now()
        expires_at = created + seconds
        with self.db.session() as s:
            s.execute(delete(RealtimeSecretRow).where(RealtimeSecretRow.expires_at < created - SWEEP_GRACE_SECONDS))
            s.add(RealtimeSecretRow(secret_hash=_hash(value), project_id=project, kind=kind, created_at=created, expires_at=expires_at,
                                    body=config))
        return value, expires_at

    def lookup(self, value: str) -> Optional[tuple[RealtimeSecretRow, Optional[int]]]:
        """The secret's row and when its project was archived (None: active), or None if unknown."""
        with self.db.session() as s:
            found = s.execute(select(RealtimeSecretRow, ProjectRow.archived_at)
                              .outerjoin(ProjectRow, ProjectRow.id == RealtimeSecretRow.project_id)
                              .where(RealtimeSecretRow.secret_hash == _hash(value))).first()
            if found is None:
                return None
            s.expunge(found[0])
            return found[0], found[1]

    def authenticate(self, token: str) -> Grant:
        """The grant for a realtime handshake's ephemeral key (``ek_...``), or :class:`Unauthorized`
        (a 401 before the upgrade); API keys are checked by the route, as on every other route.

        The key must exist, not have expired (checked here, at the handshake only: a live session
        outlives its key) and belong to a project that is not archived; the session runs in that project.
        """
        found = self.lookup(token)
        if found is None:
            raise Unauthorized(f"Incorrect API key provided: {_shown(token)}.", code="invalid_api_key")
        row, archived_at = found
        if archived_at is not None:
            raise Unauthorized("The project of this ephemeral client secret is archived.", code="invalid_api_key")
        if row.expires_at <= now():
            raise Unauthorized("The ephemeral client secret has expired. Create a new one.",
                               code="invalid_api_key")
        return Grant(project=row.project_id, config=dict(row.body), ephemeral=True)

    # ------------------------------------------------------------ REST

    @staticmethod
    def _seconds(given: dict[str, Any], default: int) -> int:
        expires_after = (given.get("client_secret") or {}).get("expires_after") or given.get("expires_after") or {}
        return int(expires_after.get("seconds") or default)

    def create_session(self, project: str, given: dict[str, Any], *, audio: bool) -> dict[str, Any]:
        """``POST /realtime/sessions`` (beta): the session and its ``client_secret``."""
        config = cfg.apply(cfg.default_config("realtime", model=given.get("model") or "gpt-realtime", audio=audio),
                           given)
        value, expires_at = self.mint(project, "realtime", config, self._seconds(given, BETA_SECRET_SECONDS))
        body = cfg.render_beta(config, session_id=new_id("sess_"), expires_at=None)
        body = {k: v for k, v in body.items() if not (k in ("expires_at", "turn_detection", "input_audio_transcription",
                                                            "input_audio_noise_reduction", "tracing", "include")
                                                     and v is None)}
        body["client_secret"] = {"value": value, "expires_at": expires_at}
        return _rest_shaped(body)

    def create_transcription_session(self, project: str, given: dict[str, Any]) -> dict[str, Any]:
        """``POST /realtime/transcription_sessions`` (beta)."""
        config = cfg.apply(cfg.default_config("transcription"), given)
        value, expires_at = self.mint(project, "transcription", config, self._seconds(given, BETA_SECRET_SECONDS))
        body = cfg.render_beta(config, session_id=new_id("sess_"), expires_at=None)
        body = {k: v for k, v in body.items() if v is not None}
        body["client_secret"] = {"value": value, "expires_at": expires_at}
        return _rest_shaped(body)

    def create_client_secret(self, project: str, given: dict[str, Any], *, audio: bool) -> dict[str, Any]:
        """``POST /realtime/client_secrets`` (GA): ``{value, expires_at, session}``."""
        session = given.get("session")
        changes = cfg.parse_ga(session) if session else {"kind": "realtime"}
        kind = changes.get("kind", "realtime")
        config = cfg.apply(cfg.default_config(kind, model=changes.get("model") or "gpt-realtime", audio=audio),
                           changes)
        value, expires_at = self.mint(project, kind, config, self._seconds(given, GA_SECRET_SECONDS))
        return {"value": value, "expires_at": expires_at,
                "session": _rest_shaped(cfg.render_ga(config, session_id=new_id("sess_"), expires_at=expires_at))}
