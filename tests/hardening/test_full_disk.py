"""A full disk: deletes still work (and free space), other writes answer 507 insufficient_storage.

On SQLite the database lives on a small tmpfs filled to the last byte (skipped where
tmpfs cannot be mounted); on every database a storage double raises ENOSPC."""

from __future__ import annotations

import errno
import os
import sqlite3
import subprocess
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.exc import OperationalError

from hardening_helpers import assert_error
from openbeta.server.app import create_app
from openbeta.server.settings import Settings


@pytest.fixture
def tiny_disk(tmp_path) -> Path:
    disk = tmp_path / "disk"
    disk.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(disk)], capture_output=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.decode(errors='replace').strip()}")
    try:
        yield disk
    finally:
        subprocess.run(["umount", "-l", str(disk)], check=False)


def fill(disk: Path) -> None:
    try:  # closing the file may meet the full disk too
        with open(disk / "filler", "wb", buffering=0) as out:
            while True:
                out.write(b"\0" * 65536)
    except OSError as exc:
        assert exc.errno == errno.ENOSPC


def upload(client, size: int = 200_000):
    return client.post("/v1/files", files={"file": ("a.bin", os.urandom(size))}, data={"purpose": "assistants"})


def storage_full(response) -> None:
    assert_error(response, 507, None, "insufficient_storage", type="server_error")


def test_full_disk_on_sqlite(tiny_disk, db_kind):
    if db_kind != "sqlite":
        pytest.skip("the database's own disk is filled on SQLite only")
    settings = Settings(data_dir=tiny_disk, provider="scripted", embeddings="none", ingestion_workers=0,
                        disk_reserve_bytes=512 * 1024)
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        files = [upload(client).json()["id"] for _ in range(2)]
        assistant = client.post("/v1/assistants", json={"model": "m"}).json()
        thread = client.post("/v1/threads", json={}).json()
        store = client.post("/v1/vector_stores", json={"file_ids": [files[1]]}).json()
        fill(tiny_disk)
        storage_full(upload(client))
        storage_full(client.post("/v1/assistants", json={"model": "m", "instructions": "i" * 100_000}))
        storage_full(client.post("/v1/threads", json={"metadata": {"k": "v" * 500}}))
        # Deletes run on the full disk, and reads keep working.
        assert client.delete(f"/v1/files/{files[0]}").json()["deleted"] is True
        assert client.delete(f"/v1/assistants/{assistant['id']}").json()["deleted"] is True
        assert client.delete(f"/v1/threads/{thread['id']}").json()["deleted"] is True
        assert client.delete(f"/v1/vector_stores/{store['id']}/files/{files[1]}").json()["deleted"] is True
        assert client.delete(f"/v1/vector_stores/{store['id']}").json()["deleted"] is True
        assert [f["id"] for f in client.get("/v1/files").json()["data"]] == [files[1]]
        assert client.get(f"/v1/assistants/{assistant['id']}").status_code == 404
        # Once space is freed, writes work again.
        (tiny_disk / "filler").unlink()
        assert upload(client, 1000).status_code == 200
        assert client.post("/v1/assistants", json={"model": "m"}).status_code == 200


def test_storage_double_answers_507(api, monkeypatch):
    files = api.app.state.services.files
    kept = upload(api, 1000).json()

    def no_space(*_args, **_kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(files.blobs, "put", no_space)
    storage_full(upload(api, 1000))

    def database_full(*_args, **_kwargs):
        raise OperationalError("INSERT ...", {}, sqlite3.OperationalError("database or disk is full"))

    monkeypatch.setattr(api.app.state.services.assistants, "create", database_full)
    storage_full(api.post("/v1/assistants", json={"model": "m"}))

    class DiskFull(Exception):
        sqlstate = "53100"  # PostgreSQL's disk_full

    def postgres_full(*_args, **_kwargs):
        raise OperationalError("INSERT ...", {}, DiskFull("could not extend file"))

    monkeypatch.setattr(api.app.state.services.threads, "create", postgres_full)
    storage_full(api.post("/v1/threads", json={}))
    # Deletes need no new space: the blob store's delete still runs.
    assert api.delete(f"/v1/files/{kept['id']}").json()["deleted"] is True

    def other_fault(*_args, **_kwargs):
        raise OSError(errno.EIO, "I/O error")

    monkeypatch.setattr(files.blobs, "put", other_fault)
    assert upload(api, 1000).status_code == 500
