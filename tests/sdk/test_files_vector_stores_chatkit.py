"""Files, vector stores and ChatKit resources: requests on the wire and parsed answers.

The server side of these lands on other branches; here a small in-memory
double behind ``httpx.MockTransport`` plays it, so what is checked is the SDK:
paths, methods, bodies (multipart too), headers, polling and pages.
"""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import httpx
import pytest

from openbeta import BinaryContent, SyncPage
from openbeta.types.chatkit import ChatKitThread, ChatSession
from openbeta.types.file import FileObject
from openbeta.types.vector_store import SearchResult, VectorStore, VectorStoreFile, VectorStoreFileBatch


class FakeFilesServer:
    """Just enough of files + vector stores to exercise the SDK helpers."""

    def __init__(self) -> None:
        self.seen: list[httpx.Request] = []
        self.files: dict[str, dict] = {}
        self.contents: dict[str, bytes] = {}
        self.polls: dict[str, int] = {}
        self._ids = itertools.count(1)

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.seen.append(request)
        path, method = request.url.path.removeprefix("/v1/"), request.method
        parts = path.split("/")
        if path == "files" and method == "POST":
            return self._upload(request)
        if parts[0] == "files" and len(parts) == 3:
            return httpx.Response(200, content=self.contents[parts[1]],
                                  headers={"content-type": "application/octet-stream"})
        if parts[0] == "files" and len(parts) == 2:
            if method == "DELETE":
                return httpx.Response(200, json={"id": parts[1], "object": "file", "deleted": True})
            return httpx.Response(200, json=self.files[parts[1]])
        if path == "files":
            return httpx.Response(200, json={"object": "list", "data": list(self.files.values()), "has_more": False})
        if path == "vector_stores" and method == "POST":
            body = json.loads(request.content)
            return httpx.Response(200, json=self._store(body.get("name")))
        if parts[0] == "vector_stores" and len(parts) == 3 and parts[2] == "search":
            body = json.loads(request.content)
            return httpx.Response(200, json={
                "object": "vector_store.search_results.page", "search_query": [body["query"]], "has_more": False,
                "next_page": None, "data": [{"file_id": "file_1", "filename": "a.txt", "score": 0.9,
                                             "attributes": {}, "content": [{"type": "text", "text": "hit"}]}]})
        if parts[0] == "vector_stores" and len(parts) >= 3 and parts[2] in ("files", "file_batches"):
            return self._store_child(request, parts)
        raise AssertionError(f"unexpected {method} {path}")

    def _upload(self, request: httpx.Request) -> httpx.Response:
        assert request.headers["content-type"].startswith("multipart/form-data")
        body = request.read()
        file_id = f"file_{next(self._ids)}"
        boundary = request.headers["content-type"].split("boundary=")[1].encode()
        file_part = next(p for p in body.split(b"--" + boundary) if b'filename="' in p)
        name = file_part.split(b'filename="')[1].split(b'"')[0].decode()
        content = file_part.split(b"\r\n\r\n", 1)[1].removesuffix(b"\r\n")
        self.contents[file_id] = content
        self.files[file_id] = {"id": file_id, "object": "file", "bytes": len(content), "created_at": 1,
                               "filename": name, "purpose": "assistants", "status": "processed"}
        return httpx.Response(200, json=self.files[file_id])

    @staticmethod
    def _store(name) -> dict:
        return {"id": "vs_1", "object": "vector_store", "created_at": 1, "name": name, "usage_bytes": 0,
                "file_counts": {"in_progress": 0, "completed": 0, "failed": 0, "cancelled": 0, "total": 0},
                "status": "completed", "last_active_at": 1, "metadata": {}}

    def _store_child(self, request: httpx.Request, parts: list[str]) -> httpx.Response:
        key = "/".join(parts[:4])
        if request.method == "GET":
            self.polls[key] = self.polls.get(key, 0) + 1
        status = "completed" if self.polls.get(key, 0) >= 2 else "in_progress"
        if parts[2] == "files":
            file_id = parts[3] if len(parts) > 3 else json.loads(request.content)["file_id"]
            return httpx.Response(200, json={"id": file_id, "object": "vector_store.file", "usage_bytes": 3,
                                             "created_at": 1, "vector_store_id": "vs_1", "status": status,
                                             "last_error": None})
        counts = {"in_progress": 0, "completed": 2, "failed": 0, "cancelled": 0, "total": 2}
        return httpx.Response(200, json={"id": "vsfb_1", "object": "vector_store.files_batch", "created_at": 1,
                                         "vector_store_id": "vs_1", "status": status, "file_counts": counts})


def test_files_upload_retrieve_content_delete(mock_client, tmp_path: Path) -> None:
    server = FakeFilesServer()
    client = mock_client(server)
    path = tmp_path / "notes.txt"
    path.write_bytes(b"hello file")
    uploaded = client.files.create(file=path, purpose="assistants",
                                   expires_after={"anchor": "created_at", "seconds": 3600})
    assert isinstance(uploaded, FileObject) and uploaded.filename == "notes.txt" and uploaded.bytes == 10
    form = server.seen[0].content
    assert b'name="purpose"\r\n\r\nassistants' in form
    assert b'name="expires_after[anchor]"\r\n\r\ncreated_at' in form and b'name="expires_after[seconds]"' in form
    content = client.files.content(uploaded.id)
    assert isinstance(content, BinaryContent) and content.content == b"hello file"
    assert server.seen[-1].headers["accept"] == "application/binary"
    assert client.files.retrieve_content(uploaded.id) == "hello file"
    out = tmp_path / "copy.txt"
    content.write_to_file(str(out))
    assert out.read_bytes() == b"hello file"
    assert client.files.retrieve(uploaded.id).status == "processed"
    assert client.files.wait_for_processing(uploaded.id).id == uploaded.id
    assert [f.id for f in client.files.list(purpose="assistants")] == [uploaded.id]
    assert server.seen[-1].url.params["purpose"] == "assistants"
    assert client.files.delete(uploaded.id).deleted
    second = client.files.create(file=("data.bin", b"\x00\x01"), purpose="user_data")
    assert second.filename == "data.bin"


def test_vector_store_helpers_poll_until_settled(mock_client, sleeps) -> None:
    server = FakeFilesServer()
    client = mock_client(server)
    store = client.vector_stores.create(name="docs", metadata=None)
    assert isinstance(store, VectorStore) and store.name == "docs"
    assert json.loads(server.seen[0].content) == {"name": "docs", "metadata": None}
    file = client.vector_stores.files.upload_and_poll(vector_store_id="vs_1", file=("a.txt", b"abc"))
    assert isinstance(file, VectorStoreFile) and file.status == "completed"
    assert [r.method for r in server.seen[1:]] == ["POST", "POST", "GET", "GET"]
    batch = client.vector_stores.file_batches.upload_and_poll("vs_1", files=[("b.txt", b"b"), ("c.txt", b"c")],
                                                              file_ids=["file_0"])
    assert isinstance(batch, VectorStoreFileBatch) and batch.status == "completed"
    create_batch = next(r for r in server.seen if r.url.path.endswith("/file_batches") and r.method == "POST")
    ids = json.loads(create_batch.content)["file_ids"]
    assert ids[0] == "file_0" and len(ids) == 3
    results = client.vector_stores.search("vs_1", query="hello", max_num_results=3)
    assert isinstance(results, SyncPage) and not results.has_next_page()
    assert isinstance(results.data[0], SearchResult) and results.data[0].content[0].text == "hit"
    assert results.extra["search_query"] == ["hello"]


async def test_async_vector_store_helpers(async_mock_client, sleeps) -> None:
    server = FakeFilesServer()
    async with async_mock_client(server) as client:
        file = await client.vector_stores.files.upload_and_poll(vector_store_id="vs_1", file=b"xyz")
        assert file.status == "completed"
        batch = await client.vector_stores.file_batches.upload_and_poll("vs_1", files=[b"1", b"2"],
                                                                         max_concurrency=2)
        assert batch.file_counts.completed == 2
        page = await client.vector_stores.search("vs_1", query="q")
        assert page.data[0].filename == "a.txt"


def test_chatkit_resources(mock_client) -> None:
    seen: list[httpx.Request] = []
    session = {"id": "cksess_1", "object": "chatkit.session", "expires_at": 10, "client_secret": "ek",
               "workflow": {"id": "wf_1", "version": None, "state_variables": None, "tracing": {"enabled": True}},
               "user": "u1", "rate_limits": {"max_requests_per_1_minute": 10}, "max_requests_per_1_minute": 10,
               "status": "active", "chatkit_configuration": {}}
    thread = {"id": "cthr_1", "object": "chatkit.thread", "created_at": 1, "title": None,
              "status": {"type": "active"}, "user": "u1"}
    item = {"id": "cthi_1", "object": "chatkit.thread_item", "type": "chatkit.user_message",
            "thread_id": "cthr_1", "created_at": 1, "content": []}

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        path = request.url.path.removeprefix("/v1/")
        if path == "chatkit/sessions":
            return httpx.Response(200, json=session)
        if path.endswith("/cancel"):
            return httpx.Response(200, json={**session, "status": "cancelled"})
        if path == "chatkit/threads":
            return httpx.Response(200, json={"object": "list", "data": [thread], "first_id": "cthr_1",
                                             "last_id": "cthr_1", "has_more": False})
        if path.endswith("/items"):
            return httpx.Response(200, json={"object": "list", "data": [item], "first_id": "cthi_1",
                                             "last_id": "cthi_1", "has_more": False})
        if request.method == "DELETE":
            return httpx.Response(200, json={"id": "cthr_1", "object": "chatkit.thread.deleted", "deleted": True})
        return httpx.Response(200, json=thread)

    chatkit = mock_client(handler).beta.chatkit
    created = chatkit.sessions.create(user="u1", workflow={"id": "wf_1"})
    assert isinstance(created, ChatSession) and created.workflow.id == "wf_1" and created.status == "active"
    assert json.loads(seen[0].content) == {"user": "u1", "workflow": {"id": "wf_1"}}
    assert seen[0].headers["OpenAI-Beta"] == "chatkit_beta=v1"
    assert chatkit.sessions.cancel("cksess_1").status == "cancelled"
    threads = list(chatkit.threads.list(user="u1", limit=10))
    assert isinstance(threads[0], ChatKitThread) and seen[-1].url.params["user"] == "u1"
    assert chatkit.threads.retrieve("cthr_1").status == {"type": "active"}
    assert [i.type for i in chatkit.threads.list_items("cthr_1", order="asc")] == ["chatkit.user_message"]
    assert chatkit.threads.delete("cthr_1").deleted
    assert all(r.headers["OpenAI-Beta"] == "chatkit_beta=v1" for r in seen)


def test_poll_max_wait_seconds(mock_client, sleeps) -> None:
    server = FakeFilesServer()
    client = mock_client(server)
    with pytest.raises(TimeoutError):
        client.vector_stores.files.poll("file_9", vector_store_id="vs_1", max_wait_seconds=0)
    assert server.seen == []  # zero allows no request
    with pytest.raises(ValueError):
        client.vector_stores.files.poll("file_9", vector_store_id="vs_1", max_wait_seconds=-1)
    done = client.vector_stores.files.poll("file_9", vector_store_id="vs_1", max_wait_seconds=30)
    assert done.status == "completed" and len(server.seen) == 2
