"""Key resolution in process: no database work for env keys, a short cache for stored keys,
open mode, and the migration that puts existing rows in the default project."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event, text

from openbeta.server.app import create_app
from openbeta.server.services.projects import CACHE_SECONDS, parse_key_entry
from openbeta.server.settings import Settings

ADMIN = {"Authorization": "Bearer sk-admin-0"}


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


class KeyQueries:
    """Counts the SQL statements that read or write ``api_keys``."""

    def __init__(self, engine) -> None:
        self.count = 0
        event.listen(engine, "before_cursor_execute", self._seen)

    def _seen(self, _conn, _cursor, statement, *_args) -> None:
        if "api_keys" in statement:
            self.count += 1


def test_parse_key_entry():
    assert parse_key_entry("sk-plain") == (None, "sk-plain")
    assert parse_key_entry("team-a:sk-a") == ("team-a", "sk-a")
    assert parse_key_entry(":sk-a") == (None, "sk-a")


def test_env_keys_cost_no_key_queries(tmp_path, database_url):
    app = create_app(Settings(data_dir=tmp_path, database_url=database_url, api_keys=["sk-one", "team:sk-two"]))
    with TestClient(app) as client:
        queries = KeyQueries(app.state.services.db.engine)
        for _ in range(20):
            assert client.get("/v1/assistants", headers=bearer("sk-one")).status_code == 200
            assert client.get("/v1/assistants", headers=bearer("sk-two")).status_code == 200
        assert queries.count == 0


def test_stored_keys_are_cached_and_revocation_lands_within_the_cache_time(tmp_path, database_url):
    app = create_app(Settings(data_dir=tmp_path, database_url=database_url, admin_key="sk-admin-0"))
    with TestClient(app) as client:
        services = app.state.services
        project = client.post("/v1/organization/projects", json={"name": "p"}, headers=ADMIN).json()
        key = client.post(f"/v1/organization/projects/{project['id']}/api_keys", json={"name": "k"},
                          headers=ADMIN).json()
        queries = KeyQueries(services.db.engine)
        for _ in range(20):
            assert client.get("/v1/assistants", headers=bearer(key["value"])).status_code == 200
        assert queries.count <= 2  # one lookup, one last_used_at write; then the cache answers
        ring = services.keys
        clock = [ring.clock()]
        ring.clock = lambda: clock[0]
        # Revoked by another process (here: straight in the database), this one's cache still answers ...
        with services.db.session() as s:
            s.execute(text("UPDATE api_keys SET revoked_at = 1 WHERE id = :id"), {"id": key["id"]})
        assert client.get("/v1/assistants", headers=bearer(key["value"])).status_code == 200
        # ... until CACHE_SECONDS have passed.
        clock[0] += CACHE_SECONDS + 0.1
        assert client.get("/v1/assistants", headers=bearer(key["value"])).status_code == 401


def test_open_mode_ends_when_a_key_is_stored(tmp_path, database_url):
    app = create_app(Settings(data_dir=tmp_path, database_url=database_url, admin_key="sk-admin-0"))
    with TestClient(app) as client:
        made = client.post("/v1/assistants", json={"model": "m"})  # no key at all: the default project
        assert made.status_code == 200
        project = client.post("/v1/organization/projects", json={"name": "p"}, headers=ADMIN).json()
        key = client.post(f"/v1/organization/projects/{project['id']}/api_keys", json={"name": "k"},
                          headers=ADMIN).json()
        assert client.get("/v1/assistants").status_code == 401
        assert client.get("/v1/assistants", headers=bearer(key["value"])).json()["data"] == []
        client.delete(f"/v1/organization/projects/{project['id']}/api_keys/{key['id']}", headers=ADMIN)
        assert client.get("/v1/assistants").status_code == 401  # revoking every key does not reopen


def test_existing_rows_move_to_the_default_project(tmp_path, database_url):
    """Rows written before projects existed stay visible to the existing (bare) keys."""
    from alembic import command
    from alembic.config import Config

    from openbeta.server.store.db import MIGRATIONS, Database

    settings = Settings(data_dir=tmp_path, database_url=database_url, api_keys=["sk-old", "other:sk-new"])
    db = Database(settings.resolved_database_url())
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    with db.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0003")
    with db.engine.begin() as conn:
        conn.execute(text("INSERT INTO assistants (id, created_at, body) VALUES ('asst_old', 1, :body)"),
                     {"body": '{"id": "asst_old", "object": "assistant", "created_at": 1, "model": "m"}'})
    db.dispose()
    with TestClient(create_app(settings)) as client:
        old = client.get("/v1/assistants", headers=bearer("sk-old")).json()["data"]
        assert [a["id"] for a in old] == ["asst_old"]
        assert client.get("/v1/assistants/asst_old", headers=bearer("sk-new")).status_code == 404
        assert client.get("/v1/assistants", headers=bearer("sk-new")).json()["data"] == []


def test_archiving_the_only_env_project_does_not_open_the_server(tmp_path, database_url):
    settings = Settings(data_dir=tmp_path, database_url=database_url, api_keys=["solo:sk-solo"],
                        admin_key="sk-admin-0")
    with TestClient(create_app(settings)) as client:
        assert client.get("/v1/assistants", headers=bearer("sk-solo")).status_code == 200
        solo = next(p for p in client.get("/v1/organization/projects", headers=ADMIN).json()["data"]
                    if p["name"] == "solo")
        assert client.post(f"/v1/organization/projects/{solo['id']}/archive", headers=ADMIN).status_code == 200
        assert client.get("/v1/assistants", headers=bearer("sk-solo")).status_code == 401
        assert client.get("/v1/assistants").status_code == 401
    with TestClient(create_app(settings)) as client:  # and after a restart
        assert client.get("/v1/assistants", headers=bearer("sk-solo")).status_code == 401
        assert client.get("/v1/assistants", headers=bearer("anything")).status_code == 401
