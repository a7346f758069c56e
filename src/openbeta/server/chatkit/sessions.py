"""ChatKit sessions: ``POST /chatkit/sessions`` and ``/cancel``, and who a protocol request speaks for.

A session names a workflow (an openbeta assistant) and an end user, and carries a
client secret that a browser sends as ``Authorization: Bearer <secret>`` to the
protocol endpoint. Only the secret's SHA-256 is stored. A session belongs to the project
of the API key that created it; everything its secret makes (threads, items,
attachments, runs, files) lives in that project. :meth:`SessionService.authenticate`
is the one place a secret becomes a :class:`Caller`; every protocol request goes through it.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass, field
from typing import Any, Optional

from sqlalchemy import select

from ...types.chatkit import SessionCreateParams
from ..auth import project_for
from ..errors import InvalidRequest, RateLimited, Unauthorized
from ..ids import new_id, now
from ..store import Database
from ..store.rows import load, owned, set_body
from ..store.tables import DEFAULT_PROJECT_ID, AssistantRow, ChatKitSessionRow, ProjectRow
from ..validation import refuse_nul

DEFAULT_EXPIRY_SECONDS = 600
DEFAULT_REQUESTS_PER_MINUTE = 10
SECRET_PREFIX = "ek_"


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def masked(secret: str) -> str:
    """What later reads of a session show in place of its secret (only ``create`` returns it whole)."""
    return secret[:len(SECRET_PREFIX) + 4] + "*" * 8


def resolved_configuration(given: dict[str, Any]) -> dict[str, Any]:
    """``chatkit_configuration`` with every default filled in."""
    titling = given.get("automatic_thread_titling") or {}
    upload = given.get("file_upload") or {}
    history = given.get("history") or {}
    return {
        "automatic_thread_titling": {"enabled": titling.get("enabled", True) is not False},
        "file_upload": {"enabled": bool(upload.get("enabled", False)),
                        "max_file_size": upload.get("max_file_size") or 512,
                        "max_files": upload.get("max_files") or 10},
        "history": {"enabled": history.get("enabled", True) is not False,
                    "recent_threads": history.get("recent_threads")},
    }


def render_session(row: ChatKitSessionRow, at: Optional[int] = None) -> dict[str, Any]:
    """The session as the API shows it; ``status`` turns ``expired`` once ``expires_at`` passes."""
    body = dict(row.body)
    if row.status == "active" and (at or now()) >= row.expires_at:
        body["status"] = "expired"
    else:
        body["status"] = row.status
    return body


@dataclass
class Caller:
    """Whom a protocol request speaks for: an end user, through a workflow (an assistant).

    ``session`` is the session's body (``None`` for a server-to-server caller with an API key);
    ``project`` the project it acts for (its session's, or its API key's).
    """

    user: str
    assistant_id: str
    project: str = DEFAULT_PROJECT_ID
    session: Optional[dict[str, Any]] = None
    configuration: dict[str, Any] = field(default_factory=lambda: resolved_configuration({}))

    @property
    def session_id(self) -> Optional[str]:
        return self.session["id"] if self.session else None

    @property
    def workflow(self) -> dict[str, Any]:
        if self.session:
            return self.session["workflow"]
        return {"id": self.assistant_id, "version": None, "state_variables": None, "tracing": {"enabled": True}}


class SessionService:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def caller(self, keys: Any, authorization: str, user: Optional[str] = None,
                     workflow: Optional[str] = None) -> Caller:
        """Whom a protocol request speaks for: ``Authorization: Bearer <client secret>``, or (server to
        server) ``Bearer <API key>`` of any project with the end user and workflow named in ``user`` and
        ``workflow`` (the ``X-ChatKit-User`` and ``X-ChatKit-Workflow`` headers); ``keys`` is the server's
        :class:`~openbeta.server.services.projects.KeyRing`. Every lookup of a secret goes through here."""
        from starlette.concurrency import run_in_threadpool


        scheme, _, token = authorization.partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not token:
            raise Unauthorized("You didn't provide a ChatKit client secret. Send it as "
                               "'Authorization: Bearer <client_secret>'.", code="missing_client_secret")
        if user is None:
            return await run_in_threadpool(self.authenticate, token)
        project = await project_for(keys, token)
        if not workflow:
            raise InvalidRequest("Missing the X-ChatKit-Workflow header: the assistant that answers for "
                                 "this server-to-server request.", param="X-ChatKit-Workflow",
                                 code="missing_required_parameter")
        if not user or len(user) > 512:
            raise InvalidRequest("The X-ChatKit-User header must be 1 to 512 characters.", param="X-ChatKit-User",
                                 code="invalid_value")
        return await run_in_threadpool(self.server_caller, project, user, workflow)

    def create(self, project: str, params: SessionCreateParams) -> dict[str, Any]:

        refuse_nul(params.user, "user")
        given = params.given()
        workflow = given["workflow"]
        secret = SECRET_PREFIX + secrets.token_urlsafe(36)
        created = now()
        expires = given.get("expires_after") or {}
        per_minute = (given.get("rate_limits") or {}).get("max_requests_per_1_minute") or DEFAULT_REQUESTS_PER_MINUTE
        body = {
            "id": new_id("cksess_"),
            "object": "chatkit.session",
            "expires_at": created + expires.get("seconds", DEFAULT_EXPIRY_SECONDS),
            "client_secret": masked(secret),
            "workflow": {
                "id": workflow["id"],
                "version": workflow.get("version"),
                "state_variables": workflow.get("state_variables"),
                "tracing": {"enabled": (workflow.get("tracing") or {}).get("enabled", True) is not False},
            },
            "user": params.user,
            "rate_limits": {"max_requests_per_1_minute": per_minute},
            "max_requests_per_1_minute": per_minute,
            "status": "active",
            "chatkit_configuration": resolved_configuration(given.get("chatkit_configuration") or {}),
        }
        with self.db.session() as s:
            load(s, AssistantRow, workflow["id"], "workflow", owned(AssistantRow, project), param="workflow.id")
            s.add(ChatKitSessionRow(id=body["id"], project_id=project, secret_hash=hash_secret(secret), user=params.user,
                                    status="active", created_at=created, expires_at=body["expires_at"],
                                    window_start=0, window_count=0, body=body))
        return dict(body, client_secret=secret)

    def cancel(self, project: str, session_id: str) -> dict[str, Any]:
        with self.db.session() as s:
            row = load(s, ChatKitSessionRow, session_id, "session", owned(ChatKitSessionRow, project),
                       for_update=True)
            if render_session(row)["status"] == "active":  # an expired session stays expired
                row.status = "cancelled"
                set_body(row, dict(row.body, status="cancelled"))
            return render_session(row)

    def authenticate(self, secret: str) -> Caller:
        """The caller a client secret stands for, counting one request against its per-minute limit.

        Unknown, cancelled and expired secrets, and those of an archived project: 401. Over the limit: 429.
        """
        at = now()
        with self.db.session() as s:
            found = s.execute(select(ChatKitSessionRow, ProjectRow.archived_at)
                              .outerjoin(ProjectRow, ProjectRow.id == ChatKitSessionRow.project_id)
                              .where(ChatKitSessionRow.secret_hash == hash_secret(secret))).first()
            if found is None:
                raise Unauthorized("Invalid client secret: no ChatKit session has it.", code="invalid_client_secret")
            row, archived_at = found
            if archived_at is not None:
                raise Unauthorized(f"The project of ChatKit session {row.id} is archived: its client secret is no "
                                   "longer accepted.", code="invalid_client_secret")
            body = render_session(row, at)
            if body["status"] != "active":
                raise Unauthorized(f"ChatKit session {row.id} is {body['status']}: its client secret is no "
                                   "longer accepted.", code=f"session_{body['status']}")
            row = load(s, ChatKitSessionRow, row.id, "session", for_update=True)
            if at - row.window_start >= 60:
                row.window_start, row.window_count = at, 0
            limit = body["rate_limits"]["max_requests_per_1_minute"]
            if row.window_count >= limit:
                retry = max(1, 60 - (at - row.window_start))
                raise RateLimited(f"Rate limit reached for ChatKit session {row.id}: {limit} requests per minute. "
                                  f"Please try again in {retry}s.", code="rate_limit_exceeded",
                                  headers={"Retry-After": str(retry)})
            row.window_count += 1
            return Caller(user=row.user, assistant_id=body["workflow"]["id"], project=row.project_id, session=body,
                          configuration=body["chatkit_configuration"])

    def active(self, session_id: str) -> dict[str, Any]:
        """A session that still accepts work (its uploads included): cancelled or expired ones are 401."""
        with self.db.session() as s:
            body = render_session(load(s, ChatKitSessionRow, session_id, "session"))
        if body["status"] != "active":
            raise Unauthorized(f"ChatKit session {session_id} is {body['status']}: it accepts no more uploads.",
                               code=f"session_{body['status']}")
        return body

    def server_caller(self, project: str, user: str, assistant_id: str) -> Caller:
        """A server-to-server caller (an API key of ``project``): the end user and workflow are given
        explicitly; the workflow must be an assistant of that project."""
        with self.db.session() as s:
            load(s, AssistantRow, assistant_id, "workflow", owned(AssistantRow, project), param="X-ChatKit-Workflow")
        return Caller(user=user, assistant_id=assistant_id, project=project)
