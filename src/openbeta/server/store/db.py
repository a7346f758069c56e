"""The database: an engine, sessions, and migrations run at start."""

from __future__ import annotations

import json
import logging
import re
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator, Union

from alembic import command
from alembic.config import Config
from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.orm import Session, sessionmaker

log = logging.getLogger("openbeta.store")

MIGRATIONS = Path(__file__).parent / "migrations"
#: A ``\\uD800``-``\\uDFFF`` escape in stored JSON text (pairs match too: they are checked after parsing).
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")
#: ``FULL``: under WAL, ``NORMAL`` may lose the last commits on power loss, so an
#: answered write could vanish. ``bench/sqlite_sync.py`` measures the cost.
SQLITE_SYNCHRONOUS = "FULL"
#: The PostgreSQL advisory lock key migrations hold.
MIGRATION_LOCK = 0x6F62_6D67


def _sqlite_pragmas(dbapi_conn, _record) -> None:  # pragma: no cover - driver callback
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute(f"PRAGMA synchronous={SQLITE_SYNCHRONOUS}")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.close()


def _repaired(value: Any) -> Any:
    """``value`` with every lone surrogate in its strings and keys replaced by U+FFFD."""
    if isinstance(value, str):
        return _LONE_SURROGATE.sub("\ufffd", value)
    if isinstance(value, dict):
        return {_repaired(k): _repaired(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_repaired(v) for v in value]
    return value


def load_document(text: Union[str, bytes]) -> Any:
    """A stored JSON column's value, readable whatever was stored.

    Rows written before request bodies were checked may hold lone UTF-16
    surrogates, which cannot be encoded in an answer: they are read back with
    U+FFFD in their place (and logged), so one such row does not fail a whole list.
    """
    if isinstance(text, bytes):
        text = text.decode("utf-8")
    value = json.loads(text)
    if _SURROGATE_ESCAPE.search(text):
        repaired = _repaired(value)
        if repaired != value:
            log.warning("a stored JSON document holds a lone surrogate; read with U+FFFD in its place")
            return repaired
    return value


class Database:
    def __init__(self, url: str) -> None:
        self.url = url
        self.is_sqlite = url.startswith("sqlite")
        kwargs: dict = {"future": True, "json_deserializer": load_document}
        if self.is_sqlite:
            kwargs["connect_args"] = {"check_same_thread": False, "timeout": 30}
        else:
            kwargs.update(pool_size=10, max_overflow=20, pool_pre_ping=True)
        self.engine: Engine = create_engine(url, **kwargs)
        if self.is_sqlite:
            event.listen(self.engine, "connect", _sqlite_pragmas)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)

    def migrate(self) -> None:
        """Bring the schema to the newest revision (Alembic ``upgrade head``)."""
        cfg = Config()
        cfg.set_main_option("script_location", str(MIGRATIONS))
        with self.engine.begin() as conn:
            if not self.is_sqlite:  # replicas starting together migrate one at a time
                conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK})
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "head")

    def ping(self) -> None:
        """Raise unless the database answers a trivial query."""
        with self.engine.connect() as conn:
            conn.execute(text("SELECT 1"))

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A unit of work: committed when the block ends, rolled back on error."""
        with self._sessions() as session:
            with session.begin():
                yield session

    def dispose(self) -> None:
        self.engine.dispose()


def _admin(server_url: str, statement: str) -> str:
    """Run ``statement`` outside a transaction on the PostgreSQL server; return the server's URL."""
    url = make_url(server_url.replace("postgresql://", "postgresql+psycopg://", 1))
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.execute(text(statement))
    finally:
        engine.dispose()
    return url.render_as_string(hide_password=False)


def create_postgres_database(server_url: str, name: str) -> str:
    """Create database ``name`` on the PostgreSQL server at ``server_url``; return its URL."""
    url = _admin(server_url, f'CREATE DATABASE "{name}"')
    return make_url(url).set(database=name).render_as_string(hide_password=False)


def drop_postgres_database(server_url: str, name: str) -> None:
    """Drop database ``name`` (closing its connections) on the PostgreSQL server at ``server_url``."""
    _admin(server_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
