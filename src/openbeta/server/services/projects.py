"""Projects and API keys: which project a request acts for, and the admin records behind it.

How isolation works, in one place:

- Every assistant, thread, file and vector store row carries ``project_id``; every other object
  (messages, runs, steps, vector store files, batches, chunks) hangs off one of those and is only
  reached through it. Services take the caller's project as an explicit argument and scope every
  query with :func:`~openbeta.server.services.base.owned`, so another project's id is simply
  "not found", with the same 404 an unknown id gets.
- A request's project comes from its bearer key: the ``/v1`` router's dependency
  :func:`openbeta.server.api.deps.current_project` asks :class:`KeyRing` (through
  :func:`openbeta.server.auth.project_for`) and keeps the answer on ``request.state.project``; routes
  receive it with ``project: str = Project``. Other faces (realtime sessions, ChatKit) call
  ``auth.project_for(keys, token)`` with the key as it arrives there and bind what they mint to that
  project id.
- Keys: each ``OPENBETA_API_KEYS`` entry is ``key`` (default project) or ``name:key`` (project
  ``name``, created at start-up if missing); they are held in memory as SHA-256 -> project, so they
  cost no database work per request. Keys made through the admin API or ``openbeta keys create``
  are stored as their SHA-256 only; one is looked up on first use and then cached for
  :data:`CACHE_SECONDS` (hits and misses), so a revocation or archive made by another process (the
  CLI, a second server) takes effect within that many seconds; in the process that made it, at once.
- Open mode: with no ``OPENBETA_API_KEYS`` and no key ever stored, any bearer (or none) acts for
  the default project, as before projects existed.
- ``OPENBETA_ADMIN_KEY`` is for ``/v1/organization/...`` only (like OpenAI's admin keys it cannot
  call the object routes); project keys get 403 there.
"""

from __future__ import annotations

import logging
import secrets
import threading
import time
from typing import Any, Callable, Iterable, Optional

from sqlalchemy import func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..auth import Caller, key_hash
from ..errors import Conflict, InvalidRequest, NotFound
from ..hooks import Hook, KeyRevoked, ProjectArchived
from ..ids import DEFAULT_PROJECT_ID, new_id, now
from ..paging import PageQuery
from ..store import Database
from ..store.rows import load
from ..store.tables import APIKeyRow, ProjectRow
from .base import list_page

log = logging.getLogger("openbeta")

#: How long a stored key's lookup (found, revoked or unknown) is trusted before it is read again.
CACHE_SECONDS = 5.0
#: ``last_used_at`` is written at most this often per key.
TOUCH_SECONDS = 60
KEY_PREFIX = "sk-proj-"
MAX_NAME = 256


def parse_key_entry(entry: str) -> tuple[Optional[str], str]:
    """An ``OPENBETA_API_KEYS`` entry as (project name or ``None`` for the default, key).

    ``name:key`` names the project; a bare key (no ``:``) is in the default project.
    """
    name, sep, key = entry.partition(":")
    if not sep:
        return None, entry
    return (name.strip() or None), key.strip()


def render_project(row: ProjectRow) -> dict[str, Any]:
    return {"id": row.id, "object": "organization.project", "name": row.name, "created_at": row.created_at,
            "archived_at": row.archived_at, "status": "archived" if row.archived_at else "active"}


def render_key(row: APIKeyRow) -> dict[str, Any]:
    return {"id": row.id, "object": "organization.project.api_key", "name": row.name,
            "redacted_value": row.redacted_value, "created_at": row.created_at,
            "last_used_at": row.last_used_at, "expires_at": None,
            "owner": {"type": "service_account"}, "owner_project_access": "active"}


def _check_name(name: Any, param: str = "name") -> str:
    if not isinstance(name, str) or not name.strip():
        raise InvalidRequest(f"Missing required parameter: '{param}'.", param=param,
                             code="missing_required_parameter")
    name = name.strip()
    if "\x00" in name:
        raise InvalidRequest(f"Invalid '{param}': a NUL character (\\u0000) is not allowed here.", param=param,
                             code="invalid_value")
    if len(name) > MAX_NAME:
        raise InvalidRequest(f"Invalid '{param}': string too long. Expected a string with maximum length "
                             f"{MAX_NAME}, but got a string with length {len(name)} instead.",
                             param=param, code="string_above_max_length")
    return name


class ProjectService:
    """Projects and their stored keys, for the admin API and the ``openbeta`` CLI."""

    def __init__(self, db: Database, key_revoked: Optional[Hook[KeyRevoked]] = None,
                 project_archived: Optional[Hook[ProjectArchived]] = None) -> None:
        self.db = db
        #: Fired when keys stop working, so the process's key cache (and realtime) forget them at once.
        self.key_revoked: Hook[KeyRevoked] = key_revoked or Hook()
        self.project_archived: Hook[ProjectArchived] = project_archived or Hook()

    # ------------------------------------------------------------ projects

    def create_project(self, name: Any) -> dict[str, Any]:
        name = _check_name(name)
        try:
            with self.db.session() as s:
                if s.scalar(select(ProjectRow.id).where(ProjectRow.name == name)) is not None:
                    raise Conflict(f"A project named '{name}' already exists.", param="name",
                                   code="project_name_taken")
                row = ProjectRow(id=new_id("proj_"), name=name, created_at=now(), archived_at=None)
                s.add(row)
        except IntegrityError:
            raise Conflict(f"A project named '{name}' already exists.", param="name",
                           code="project_name_taken") from None
        return render_project(row)

    def get_project(self, project_id: str) -> dict[str, Any]:
        with self.db.session() as s:
            return render_project(load(s, ProjectRow, project_id, "project"))

    def find_project(self, id_or_name: str) -> dict[str, Any]:
        """A project by id or by name (the CLI's ``--project``)."""
        with self.db.session() as s:
            row = s.scalar(select(ProjectRow).where(or_(ProjectRow.id == id_or_name, ProjectRow.name == id_or_name)))
            if row is None:
                raise NotFound(f"No project found with id or name '{id_or_name}'.")
            return render_project(row)

    def list_projects(self, page: PageQuery, include_archived: bool = False) -> dict[str, Any]:
        with self.db.session() as s:
            where = [] if include_archived else [ProjectRow.archived_at.is_(None)]
            return list_page(s, ProjectRow, page, *where, render=render_project)

    def update_project(self, project_id: str, name: Any) -> dict[str, Any]:
        name = _check_name(name)
        with self.db.session() as s:
            row = load(s, ProjectRow, project_id, "project", for_update=True)
            taken = s.scalar(select(ProjectRow.id).where(ProjectRow.name == name, ProjectRow.id != project_id))
            if taken is not None:
                raise Conflict(f"A project named '{name}' already exists.", param="name", code="project_name_taken")
            row.name = name
            return render_project(row)

    def archive_project(self, project_id: str) -> dict[str, Any]:
        """Archive a project: its keys stop working; its objects stay (and come back if it is ever restored)."""
        if project_id == DEFAULT_PROJECT_ID:
            raise InvalidRequest("The default project cannot be archived.", code="invalid_value")
        with self.db.session() as s:
            row = load(s, ProjectRow, project_id, "project", for_update=True)
            if row.archived_at is None:
                row.archived_at = now()
            body = render_project(row)
        self.project_archived.fire(ProjectArchived(project_id))
        return body

    # ------------------------------------------------------------ keys

    def _active_project(self, s: Session, project_id: str) -> ProjectRow:
        row = load(s, ProjectRow, project_id, "project")
        if row.archived_at is not None:
            raise InvalidRequest(f"Project '{project_id}' is archived.", code="project_archived")
        return row

    def create_key(self, project_id: str, name: Any) -> dict[str, Any]:
        """A new key; the answer carries its ``value``, which is never shown again."""
        name = _check_name(name)
        value = KEY_PREFIX + secrets.token_urlsafe(32)
        with self.db.session() as s:
            self._active_project(s, project_id)
            row = APIKeyRow(id=new_id("key_"), project_id=project_id, name=name, key_hash=key_hash(value),
                            redacted_value=f"{value[:len(KEY_PREFIX)]}...{value[-4:]}", created_at=now())
            s.add(row)
        return {**render_key(row), "value": value}

    def _key(self, s: Session, project_id: str, key_id: str) -> APIKeyRow:
        load(s, ProjectRow, project_id, "project")
        return load(s, APIKeyRow, key_id, "API key", APIKeyRow.project_id == project_id,
                    APIKeyRow.revoked_at.is_(None))

    def get_key(self, project_id: str, key_id: str) -> dict[str, Any]:
        with self.db.session() as s:
            return render_key(self._key(s, project_id, key_id))

    def list_keys(self, project_id: str, page: PageQuery) -> dict[str, Any]:
        with self.db.session() as s:
            load(s, ProjectRow, project_id, "project")
            return list_page(s, APIKeyRow, page, APIKeyRow.revoked_at.is_(None),
                             group=(APIKeyRow.project_id, project_id), render=render_key)

    def revoke_key(self, project_id: str, key_id: str) -> dict[str, Any]:
        with self.db.session() as s:
            row = self._key(s, project_id, key_id)
            row.revoked_at = now()
            digest = row.key_hash
        self.key_revoked.fire(KeyRevoked(project_id, [digest]))
        return {"id": key_id, "object": "organization.project.api_key.deleted", "deleted": True}

    def revoke_key_by_id(self, key_id: str) -> dict[str, Any]:
        """Revoke a key knowing only its id (the CLI's ``openbeta keys revoke ID``)."""
        with self.db.session() as s:
            project_id = s.scalar(select(APIKeyRow.project_id).where(APIKeyRow.id == key_id,
                                                                     APIKeyRow.revoked_at.is_(None)))
        if project_id is None:
            raise NotFound.of("API key", key_id)
        return self.revoke_key(project_id, key_id)

    def all_keys(self, project_id: Optional[str] = None) -> list[dict[str, Any]]:
        """Every stored key (revoked ones too, with ``revoked_at``), oldest first, for the CLI."""
        with self.db.session() as s:
            stmt = select(APIKeyRow).order_by(APIKeyRow.seq)
            if project_id is not None:
                stmt = stmt.where(APIKeyRow.project_id == project_id)
            return [{**render_key(r), "project_id": r.project_id, "revoked_at": r.revoked_at}
                    for r in s.scalars(stmt)]

    # ------------------------------------------------------------ start-up

    def ensure_projects(self, names: Iterable[str]) -> dict[str, str]:
        """Project ids for ``names`` (a project id is accepted as its own name); missing ones are created."""
        out: dict[str, str] = {}
        for name in dict.fromkeys(names):
            for _attempt in range(2):  # another process may create the same project at the same moment
                with self.db.session() as s:
                    row = s.scalar(select(ProjectRow).where(or_(ProjectRow.id == name, ProjectRow.name == name)))
                if row is not None:
                    if row.archived_at is not None:
                        log.warning("project %s (%s) is archived: its OPENBETA_API_KEYS entries are refused",
                                    row.id, row.name)
                        break
                    out[name] = row.id
                    break
                try:
                    out[name] = self.create_project(name)["id"]
                    log.info("created project %s (%s) for OPENBETA_API_KEYS", out[name], name)
                    break
                except Conflict:
                    continue
        return out


class KeyRing:
    """Bearer key -> :class:`Caller`. Env keys live in memory; stored keys are cached for
    :data:`CACHE_SECONDS`. Methods that may read the database are blocking (call them off the loop);
    :meth:`cached` never touches the database."""

    def __init__(self, db: Database, env_keys: dict[str, str], admin_key: Optional[str],
                 clock: Callable[[], float] = time.monotonic, *, configured: Optional[bool] = None) -> None:
        self.db = db
        #: SHA-256 of an ``OPENBETA_API_KEYS`` key -> its project id.
        self.env_keys = dict(env_keys)
        #: Whether ``OPENBETA_API_KEYS`` was set: then keys are required, even if every entry's
        #: project is archived.
        self.configured = bool(env_keys) if configured is None else configured
        self.admin_hash = key_hash(admin_key) if admin_key else None
        self.clock = clock
        self._cache: dict[str, tuple[float, Any]] = {}
        self._stored_any: Optional[tuple[float, bool]] = None
        self._touched: dict[str, float] = {}
        self._lock = threading.Lock()

    @classmethod
    def from_settings(cls, db: Database, projects: ProjectService, entries: list[str],
                      admin_key: Optional[str]) -> "KeyRing":
        parsed = [parse_key_entry(entry) for entry in entries]
        ids = projects.ensure_projects(name for name, _ in parsed if name)
        env = {key_hash(key): (ids.get(name) if name else DEFAULT_PROJECT_ID) for name, key in parsed if key}
        return cls(db, {h: p for h, p in env.items() if p}, admin_key, configured=bool(parsed))

    # ------------------------------------------------------------ open mode

    def open_cached(self) -> Optional[bool]:
        """Whether any bearer is accepted, or ``None`` when that needs a (blocking) :meth:`open`."""
        if self.configured:
            return False
        known = self._stored_any
        if known is not None and (known[1] or self.clock() < known[0]):
            return not known[1]
        return None

    def open(self) -> bool:
        """True while no ``OPENBETA_API_KEYS`` are set and no key was ever stored (re-read every few seconds)."""
        cached = self.open_cached()
        if cached is not None:
            return cached
        with self.db.session() as s:
            stored = s.scalar(select(func.max(APIKeyRow.seq))) is not None  # an index seek on any database
        self._stored_any = (self.clock() + CACHE_SECONDS, stored)
        return not stored

    # ------------------------------------------------------------ keys

    def is_admin(self, digest: str) -> bool:
        return self.admin_hash is not None and secrets.compare_digest(digest, self.admin_hash)

    def cached(self, digest: str) -> Optional[Any]:
        """The caller (or refusal reason) for a key hash without touching the database, if known."""
        project = self.env_keys.get(digest)
        if project is not None:
            return Caller(project)
        hit = self._cache.get(digest)
        if hit is not None and self.clock() < hit[0]:
            return hit[1]
        return None

    def lookup(self, digest: str) -> Any:
        """The caller for a key hash, or why it is refused: ``"revoked"``, ``"archived"`` or ``"unknown"``."""
        known = self.cached(digest)
        if known is not None:
            return known
        with self.db.session() as s:
            found = s.execute(select(APIKeyRow.id, APIKeyRow.project_id, APIKeyRow.revoked_at,
                                     ProjectRow.archived_at)
                              .join(ProjectRow, ProjectRow.id == APIKeyRow.project_id)
                              .where(APIKeyRow.key_hash == digest)).first()
        if found is None:
            result: Any = "unknown"
        elif found.revoked_at is not None:
            result = "revoked"
        elif found.archived_at is not None:
            result = "archived"
        else:
            result = Caller(found.project_id, found.id)
            self._stored_any = (self.clock() + CACHE_SECONDS, True)
        with self._lock:
            if len(self._cache) > 10_000:
                self._cache.clear()
            self._cache[digest] = (self.clock() + CACHE_SECONDS, result)
        return result

    def forget(self, project_id: str, digests: Optional[list[str]]) -> None:
        """Drop cached answers at once: ``digests`` (revoked keys), or all of ``project_id`` (archived)."""
        with self._lock:
            if digests is not None:
                for digest in digests:
                    self._cache.pop(digest, None)
                return
            for digest, (_, result) in list(self._cache.items()):
                if isinstance(result, Caller) and result.project_id == project_id:
                    del self._cache[digest]
            self.env_keys = {h: p for h, p in self.env_keys.items() if p != project_id}

    def note_stored(self) -> None:
        """A key was just stored: open mode ends now in this process."""
        self._stored_any = (self.clock() + CACHE_SECONDS, True)

    # ------------------------------------------------------------ last use

    def touch_due(self, key_id: str) -> bool:
        """Whether ``last_used_at`` of ``key_id`` should be written now (at most once a minute);
        claims the slot when it is."""
        moment = self.clock()
        with self._lock:
            if moment - self._touched.get(key_id, -TOUCH_SECONDS) < TOUCH_SECONDS:
                return False
            self._touched[key_id] = moment
            if len(self._touched) > 10_000:
                self._touched.clear()
            return True

    def touch(self, key_id: str) -> None:
        """Write ``last_used_at`` (blocking); a failure is logged, never the request's problem."""
        try:
            with self.db.session() as s:
                s.execute(update(APIKeyRow).where(APIKeyRow.id == key_id).values(last_used_at=now()))
        except Exception:
            log.exception("could not record the last use of key %s", key_id)
