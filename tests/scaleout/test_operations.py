"""One process's operations surface: readiness, metrics, JSON logs, file contents in the database."""

from __future__ import annotations

import io
import json
import logging

import pytest
from fastapi.testclient import TestClient

from openbeta.server.app import create_app
from openbeta.server.logs import JSONFormatter
from openbeta.server.settings import Settings


@pytest.fixture()
def app(tmp_path, database_url):
    settings = Settings(data_dir=tmp_path, provider="scripted", database_url=database_url, files_url="database",
                        public_metrics=True)
    with TestClient(create_app(settings)) as http:
        yield http


def test_readiness_fails_while_the_database_is_unreachable(app, monkeypatch):
    assert app.get("/ready").status_code == 200
    services = app.app.state.services

    def unreachable() -> None:
        raise ConnectionRefusedError("connection refused")

    monkeypatch.setattr(services.db, "ping", unreachable)
    answer = app.get("/ready")
    assert answer.status_code == 503 and answer.json()["status"] == "database_unreachable"
    assert app.get("/health").status_code == 200  # liveness: the process itself is fine


def test_metrics_count_requests_and_runs(app):
    assistant = app.post("/v1/assistants", json={"model": "m"}).json()
    run = app.post("/v1/threads/runs", json={"assistant_id": assistant["id"], "stream": True,
                                              "thread": {"messages": [{"role": "user", "content": "hi"}]}})
    assert "thread.run.completed" in run.text
    text = app.get("/metrics").text
    assert 'openbeta_http_requests_total{method="POST",route="create_assistant",status="200"} 1.0' in text
    assert 'openbeta_runs{status="completed"} 1.0' in text
    assert 'openbeta_queue_depth{kind="runs"} 0.0' in text
    assert 'openbeta_provider_seconds_count{phase="total"} 1.0' in text
    assert "openbeta_open_streams 0.0" in text and "openbeta_realtime_sessions 0.0" in text


def test_file_contents_in_the_database(app):
    payload = bytes(range(256)) * 64
    uploaded = app.post("/v1/files", files={"file": ("b.bin", payload)}, data={"purpose": "assistants"}).json()
    assert app.get(f"/v1/files/{uploaded['id']}/content").content == payload
    assert app.delete(f"/v1/files/{uploaded['id']}").json()["deleted"] is True
    from openbeta.server.store.tables import BlobRow
    with app.app.state.services.db.session() as s:
        assert s.get(BlobRow, uploaded["id"]) is None


def test_json_log_lines():
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JSONFormatter())
    logger = logging.getLogger("openbeta.test-json")
    logger.addHandler(handler)
    try:
        logger.warning("run transition refused run_id=%s", "run_1")
        try:
            raise ValueError("boom")
        except ValueError:
            logger.exception("failed")
    finally:
        logger.removeHandler(handler)
    first, second = [json.loads(line) for line in stream.getvalue().splitlines() if line.startswith("{")]
    assert first["level"] == "warning" and first["message"] == "run transition refused run_id=run_1"
    assert first["logger"] == "openbeta.test-json" and first["time"].endswith("Z")
    assert "ValueError: boom" in second["exception"]
