"""Who a request acts for: bearer tokens, how keys are hashed, and a key's project.

Every face authenticates through :func:`project_for`: the ``/v1`` routes (with the token of their
``Authorization`` header, see ``api/deps.py``), realtime handshakes (a header or a WebSocket
subprotocol) and ChatKit's protocol (a session's client secret, or an API key). The keys themselves,
and the cache that answers most lookups without the database, are
:class:`~openbeta.server.services.projects.KeyRing`'s; this module only asks it.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any, Optional, Protocol, Union

from starlette.concurrency import run_in_threadpool
from starlette.requests import HTTPConnection

from .errors import APIError, Unauthorized
from .ids import DEFAULT_PROJECT_ID


@dataclass(frozen=True)
class Caller:
    """Who a request is: its project, and the stored key it used (``None`` for env keys and open mode)."""

    project_id: str
    key_id: Optional[str] = None


class Keys(Protocol):
    """What :func:`project_for` asks of the key ring (``services/projects.py``'s ``KeyRing``)."""

    def is_admin(self, digest: str) -> bool: ...

    def open_cached(self) -> Optional[bool]: ...

    def open(self) -> bool: ...

    def cached(self, digest: str) -> Optional[Any]: ...

    def lookup(self, digest: str) -> Union[Caller, str]: ...

    def touch_due(self, key_id: str) -> bool: ...

    def touch(self, key_id: str) -> None: ...


def key_hash(key: str) -> str:
    """The SHA-256 (hex) a key is stored and looked up by."""
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def bearer(request: HTTPConnection) -> Optional[str]:
    """The request's bearer token, if it sent one."""
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    token = token.strip()
    return token if scheme.lower() == "bearer" and token else None


def bearer_hash(token: str) -> str:
    """SHA-256 of the header's own bytes (ASGI headers decode as latin-1), as keys are stored."""
    return hashlib.sha256(token.encode("latin-1")).hexdigest()


def _refused(token: str, reason: str) -> Unauthorized:
    if reason == "revoked":
        return Unauthorized("This API key has been revoked.", code="invalid_api_key")
    if reason == "archived":
        return Unauthorized("The project of this API key is archived.", code="invalid_api_key")
    shown = token[:3] + "*" * 4 + token[-4:] if len(token) > 8 else "*" * len(token)
    return Unauthorized(f"Incorrect API key provided: {shown}.", code="invalid_api_key")


async def project_for(ring: Keys, token: Optional[str]) -> str:
    """The id of the project a bearer ``token`` (or none) acts for; 401 for a missing, unknown or
    revoked key, 403 for the admin key (it only manages projects).

    For faces whose key does not come in an ``Authorization`` header (a WebSocket subprotocol,
    a client secret exchanged for a key): pass the token here. Async: it runs on the event loop,
    and touches the database only for a stored key it has not seen in the last few seconds (and to
    note its last use, at most once a minute).
    """
    digest = bearer_hash(token) if token else None
    if digest is not None and ring.is_admin(digest):
        raise APIError("The admin key can only call the /v1/organization routes; use a project API key.",
                       status_code=403, type="invalid_request_error", code="admin_key_not_allowed")
    is_open = ring.open_cached()
    if is_open is None:
        is_open = await run_in_threadpool(ring.open)
    if is_open:
        return DEFAULT_PROJECT_ID
    if token is None or digest is None:
        raise Unauthorized(
            "You didn't provide an API key. You need to provide your API key in an Authorization header "
            "using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).", code="missing_api_key")
    found = ring.cached(digest)
    if found is None:
        found = await run_in_threadpool(ring.lookup, digest)
    if not isinstance(found, Caller):
        raise _refused(token, str(found))
    if found.key_id is not None and ring.touch_due(found.key_id):
        await run_in_threadpool(ring.touch, found.key_id)
    return found.project_id


__all__ = ["Caller", "Keys", "bearer", "bearer_hash", "key_hash", "project_for"]
