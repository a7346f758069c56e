"""``/v1/files`` through the official SDK."""

from __future__ import annotations

import os

import httpx
import openai
import pytest


def test_upload_retrieve_download_byte_for_byte(kit, client):
    data = os.urandom(200_000) + b"\x00\xff end"
    created = kit.upload("blob.bin", data, purpose="user_data")
    assert created.id.startswith("file-")
    assert created.object == "file"
    assert created.bytes == len(data)
    assert created.filename == "blob.bin"
    assert created.purpose == "user_data"
    assert created.status == "processed"
    assert created.expires_at is None
    assert client.files.retrieve(created.id) == created
    assert client.files.content(created.id).read() == data


def test_list_filters_by_purpose_and_pages(kit, client):
    ids = [kit.upload(f"p{i}.txt", f"page {i}", purpose="evals").id for i in range(3)]
    listed = [f.id for f in client.files.list(purpose="evals")]
    assert listed[:3] == ids[::-1]
    assert all(f.purpose == "evals" for f in client.files.list(purpose="evals"))
    first = client.files.list(purpose="evals", limit=2, order="desc")  # other clients' runs uploaded older ones
    assert [f.id for f in first.data] == ids[:0:-1] and first.has_more
    rest = client.files.list(purpose="evals", limit=2, order="asc", after=ids[0])
    assert [f.id for f in rest.data] == ids[1:]
    assert len(client.files.list(limit=1000).data) >= 3  # files allow pages up to 10,000


def test_expires_after_sets_expires_at(kit, client):
    created = client.files.create(file=("e.txt", b"x"), purpose="assistants",
                                  expires_after={"anchor": "created_at", "seconds": 3600})
    assert created.expires_at == created.created_at + 3600


def test_delete_then_not_found(kit, client, errors):
    created = kit.upload("gone.txt", "bye")
    deleted = client.files.delete(created.id)
    assert (deleted.id, deleted.object, deleted.deleted) == (created.id, "file", True)
    with pytest.raises(errors.NotFoundError) as err:
        client.files.retrieve(created.id)
    assert err.value.body["message"] == f"No file found with id '{created.id}'."
    with pytest.raises(errors.NotFoundError):
        client.files.content(created.id)


def test_bad_uploads_answer_400(client, live_server, errors):
    with pytest.raises(errors.BadRequestError) as err:
        client.files.create(file=("a.txt", b"x"), purpose="nonsense")  # type: ignore[arg-type]
    assert err.value.body["param"] == "purpose"
    with pytest.raises(errors.BadRequestError) as err:
        client.files.create(file=("a.txt", b"x"), purpose="assistants",
                            expires_after={"anchor": "created_at", "seconds": 5})
    assert err.value.body["param"] == "expires_after.seconds"
    raw = httpx.post(f"{live_server.base_url}/files", data={"purpose": "assistants"},
                     files={"other": ("a.txt", b"x")})
    assert raw.status_code == 400 and raw.json()["error"]["param"] == "file"
    raw = httpx.post(f"{live_server.base_url}/files", json={"purpose": "assistants"})
    assert raw.status_code == 400 and raw.json()["error"]["type"] == "invalid_request_error"


def test_upload_size_limit_is_413(start_server):
    server = start_server(OPENBETA_PROVIDER="scripted", OPENBETA_MAX_UPLOAD_BYTES="1000",
                          OPENBETA_EMBEDDINGS="none")
    small = openai.OpenAI(base_url=server.base_url, api_key="t", max_retries=0)
    assert small.files.create(file=("ok.txt", b"x" * 1000), purpose="assistants").bytes == 1000
    for size in (1001, 200_000):
        with pytest.raises(openai.APIStatusError) as err:
            small.files.create(file=("big.txt", b"x" * size), purpose="assistants")
        assert err.value.status_code == 413
        assert err.value.body["code"] == "file_too_large"
    assert all(f.bytes <= 1000 for f in small.files.list())
    leftovers = [p for p in (server.data_dir / "files").iterdir()]
    assert len(leftovers) == 1  # only the accepted upload is stored


def test_expired_files_are_swept(tmp_path):
    """The sweeper deletes a file once its ``expires_at`` has passed, vector stores included."""
    from fastapi.testclient import TestClient
    from sqlalchemy import update

    from openbeta.server.app import create_app
    from openbeta.server.services.files import ExpirySweeper
    from openbeta.server.settings import Settings
    from openbeta.server.store.tables import FileRow

    app = create_app(Settings(data_dir=tmp_path, provider="scripted", embeddings="none", ingestion_workers=0))
    with TestClient(app) as http:
        keep = http.post("/v1/files", files={"file": ("k.txt", b"keep")}, data={"purpose": "assistants"}).json()
        old = http.post("/v1/files", files={"file": ("o.txt", b"old")},
                        data={"purpose": "assistants", "expires_after[anchor]": "created_at",
                              "expires_after[seconds]": "3600"}).json()
        assert old["expires_at"] == old["created_at"] + 3600
        store = http.post("/v1/vector_stores", json={"file_ids": [old["id"]]}).json()
        services = app.state.services
        sweeper = ExpirySweeper(services.files)
        assert sweeper.sweep() == 0
        with services.db.session() as s:
            s.execute(update(FileRow).where(FileRow.id == old["id"]).values(expires_at=1))
        assert sweeper.sweep() == 1
        assert http.get(f"/v1/files/{old['id']}").status_code == 404
        assert http.get(f"/v1/files/{keep['id']}").status_code == 200
        assert http.get(f"/v1/vector_stores/{store['id']}").json()["file_counts"]["total"] == 0
        assert not (tmp_path / "files" / old["id"]).exists()
