"""Containers and their files through the official Python SDK (``client.containers``,
``client.containers.files``) against a live server, on SQLite and PostgreSQL: create (with files copied
in), list and page, retrieve, delete; files uploaded (multipart) or copied (``file_id``), listed,
retrieved, downloaded, deleted; the per-container bounds; expiry; another project's containers."""

from __future__ import annotations

import io

import httpx
import openai
import pytest

from server_process import run_sql

MAX_FILES = 3
MAX_BYTES = 4096


@pytest.fixture(scope="module")
def server(start_server):
    return start_server(OPENBETA_PROVIDER="scripted", OPENBETA_CONTAINER_MAX_FILES=str(MAX_FILES),
                        OPENBETA_CONTAINER_MAX_BYTES=str(MAX_BYTES), OPENBETA_MAX_UPLOAD_BYTES="2048",
                        OPENBETA_API_KEYS="team-a:key-a, team-b:key-b")


@pytest.fixture(scope="module")
def client(server) -> openai.OpenAI:
    return openai.OpenAI(base_url=server.base_url, api_key="key-a", max_retries=0)


@pytest.fixture(scope="module")
def other(server) -> openai.OpenAI:
    return openai.OpenAI(base_url=server.base_url, api_key="key-b", max_retries=0)


def expire(server, container_id: str) -> None:
    """Move a container's expiry into the past, as if it had sat unused for its minutes."""
    run_sql(server, "UPDATE containers SET expires_at = 1 WHERE id = :id", id=container_id)


def test_create_retrieve_list_delete(client):
    uploaded = client.files.create(file=("notes.txt", b"alpha beta"), purpose="user_data")
    container = client.containers.create(name="work", file_ids=[uploaded.id],
                                         expires_after={"anchor": "last_active_at", "minutes": 30})
    assert container.id.startswith("cntr_") and container.object == "container"
    assert container.name == "work" and container.status == "running"
    assert container.expires_after.anchor == "last_active_at" and container.expires_after.minutes == 30
    assert container.last_active_at >= container.created_at and container.memory_limit == "1g"
    assert client.containers.retrieve(container.id).model_dump() == container.model_dump()

    files = client.containers.files.list(container.id).data
    assert [(f.path, f.bytes, f.source, f.container_id) for f in files] == [
        ("/mnt/data/notes.txt", 10, "user", container.id)]
    assert files[0].id.startswith("cfile_") and files[0].object == "container.file"
    assert client.containers.files.content.retrieve(files[0].id, container_id=container.id).read() == b"alpha beta"

    default = client.containers.create(name="plain")
    assert default.expires_after.minutes == 20
    ids = [c.id for c in client.containers.list(order="asc").data]
    assert ids.index(container.id) < ids.index(default.id)
    assert [c.id for c in client.containers.list(name="plain").data] == [default.id]
    first = client.containers.list(limit=1, order="asc")
    assert first.has_more and client.containers.list(limit=1, order="asc", after=first.data[0].id).data

    client.containers.delete(container.id)
    with pytest.raises(openai.NotFoundError):
        client.containers.retrieve(container.id)
    with pytest.raises(openai.NotFoundError):
        client.containers.files.list(container.id)


def test_files_upload_copy_retrieve_delete(client):
    container = client.containers.create(name="files")
    made = client.containers.files.create(container.id, file=("data.csv", b"a,b\n1,2\n"))
    assert made.path == "/mnt/data/data.csv" and made.bytes == 8 and made.source == "user"
    stored = client.files.create(file=("data.csv", b"x"), purpose="user_data")
    copied = client.containers.files.create(container.id, file_id=stored.id)
    # the path was taken: the copy's name gets its id in front
    assert copied.path == f"/mnt/data/{copied.id}-data.csv" and copied.bytes == 1
    assert client.containers.files.retrieve(made.id, container_id=container.id).model_dump() == made.model_dump()
    listed = client.containers.files.list(container.id, order="asc").data
    assert [f.id for f in listed] == [made.id, copied.id]
    client.containers.files.delete(made.id, container_id=container.id)
    with pytest.raises(openai.NotFoundError):
        client.containers.files.retrieve(made.id, container_id=container.id)
    with pytest.raises(openai.NotFoundError):
        client.containers.files.content.retrieve(made.id, container_id=container.id)
    assert [f.id for f in client.containers.files.list(container.id).data] == [copied.id]
    assert client.containers.retrieve(container.id).last_active_at >= container.last_active_at


def test_bad_requests(client):
    with pytest.raises(openai.BadRequestError) as caught:
        client.containers.create(name="big", memory_limit="64g")
    assert caught.value.body["param"] == "memory_limit" and caught.value.body["code"] == "unsupported_value"
    with pytest.raises(openai.NotFoundError) as caught:
        client.containers.create(name="x", file_ids=["file-missing"])
    assert caught.value.body["param"] == "file_ids[0]"
    with pytest.raises(openai.BadRequestError) as caught:
        client.containers.create(name="x", extra_body={"network_policy": {"type": "allowlist",
                                                                          "allowed_domains": ["example.com"]}})
    assert caught.value.body["param"] == "network_policy"
    with pytest.raises(openai.BadRequestError) as caught:
        client.containers.create(name="x", expires_after={"anchor": "created_at", "minutes": 5})
    assert caught.value.body["param"].startswith("expires_after")
    container = client.containers.create(name="bad")
    with pytest.raises(openai.NotFoundError) as caught:
        client.containers.files.create(container.id, file_id="file-missing")
    assert caught.value.body["param"] == "file_id"
    with pytest.raises(openai.BadRequestError):
        client.post(f"/containers/{container.id}/files", body={}, cast_to=httpx.Response)
    with pytest.raises(openai.BadRequestError) as caught:  # a path longer than the store holds, refused whole
        client.containers.files.create(container.id, file=("n" * 1100 + ".txt", b"x"))
    assert caught.value.body["param"] == "file"
    assert client.containers.files.list(container.id).data == []


def test_bounds(client):
    container = client.containers.create(name="bounded")
    with pytest.raises(openai.APIStatusError) as caught:  # one file past the upload limit
        client.containers.files.create(container.id, file=("big.bin", b"x" * 3000))
    assert caught.value.status_code == 413 and caught.value.body["code"] == "file_too_large"
    for n in range(2):
        client.containers.files.create(container.id, file=(f"f{n}.bin", b"y" * 2000))
    with pytest.raises(openai.APIStatusError) as caught:  # the container's bytes
        client.containers.files.create(container.id, file=("f2.bin", b"z" * 200))
    assert caught.value.status_code == 413 and caught.value.body["code"] == "container_full"
    client.containers.files.create(container.id, file=("tiny.bin", b"z" * 10))
    with pytest.raises(openai.APIStatusError) as caught:  # the container's file count
        client.containers.files.create(container.id, file=("one-more.bin", b"z"))
    assert caught.value.status_code == 413 and caught.value.body["code"] == "container_full"
    assert len(client.containers.files.list(container.id).data) == MAX_FILES


def test_expired_container(client, server):
    container = client.containers.create(name="short")
    made = client.containers.files.create(container.id, file=("a.txt", io.BytesIO(b"hello")))
    expire(server, container.id)
    listed = {c.id: c.status for c in client.containers.list(limit=100).data}  # the sweep before a list
    assert listed[container.id] == "expired"
    assert client.containers.retrieve(container.id).status == "expired"
    assert client.containers.files.list(container.id).data == []  # its files are gone
    with pytest.raises(openai.NotFoundError):
        client.containers.files.content.retrieve(made.id, container_id=container.id)
    with pytest.raises(openai.BadRequestError) as caught:
        client.containers.files.create(container.id, file=("b.txt", b"again"))
    assert caught.value.body["code"] == "container_expired"
    with pytest.raises(openai.BadRequestError) as caught:
        client.responses.create(model="scripted", input="hi",
                                tools=[{"type": "code_interpreter", "container": container.id}])
    assert caught.value.body["code"] == "container_expired" and caught.value.body["param"] == "tools[0].container"
    client.containers.delete(container.id)


def test_another_projects_container_is_not_found(client, other):
    container = client.containers.create(name="mine")
    made = client.containers.files.create(container.id, file=("a.txt", b"hello"))
    for attempt in (lambda: other.containers.retrieve(container.id),
                    lambda: other.containers.files.list(container.id),
                    lambda: other.containers.files.retrieve(made.id, container_id=container.id),
                    lambda: other.containers.files.content.retrieve(made.id, container_id=container.id),
                    lambda: other.containers.files.create(container.id, file=("b.txt", b"x")),
                    lambda: other.containers.files.delete(made.id, container_id=container.id),
                    lambda: other.containers.delete(container.id)):
        with pytest.raises(openai.NotFoundError):
            attempt()
    assert container.id not in [c.id for c in other.containers.list().data]
    with pytest.raises(openai.NotFoundError):
        other.responses.create(model="scripted", input="hi",
                               tools=[{"type": "code_interpreter", "container": container.id}])
    assert client.containers.files.content.retrieve(made.id, container_id=container.id).read() == b"hello"


def test_a_code_interpreter_call_sent_back_as_input_is_kept(client):
    call = {"type": "code_interpreter_call", "id": "ci_given", "status": "completed", "container_id": "cntr_x",
            "code": "print(1)", "outputs": [{"type": "logs", "logs": "1"}]}
    response = client.responses.create(model="scripted", input=[call, {"role": "user", "content": "SCRIPT: "
                                                                       '{"text": "seen"}'}])
    assert response.output_text == "seen"
    items = client.responses.input_items.list(response.id, order="asc", include=["code_interpreter_call.outputs"])
    kept = items.data[0]
    assert (kept.type, kept.code, kept.container_id, kept.outputs[0].logs) == ("code_interpreter_call", "print(1)",
                                                                                "cntr_x", "1")
    assert kept.id != "ci_given"  # stored as a new item
    with pytest.raises(openai.BadRequestError) as caught:
        client.responses.create(model="scripted", input=[{**call, "outputs": [{"type": "files"}]}])
    assert caught.value.body["param"].startswith("input[0].outputs[0]")
