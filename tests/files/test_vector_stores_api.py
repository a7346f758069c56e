"""``/v1/vector_stores`` and its files and file batches, through the official SDK."""

from __future__ import annotations

import openai
import pytest

DOC = "Vector stores hold chunks of files. " * 40


def test_create_ingest_retrieve_modify_delete(kit, client, errors):
    store, ids = kit.store_with({"a.txt": DOC, "b.md": "# Title\n\n" + DOC}, name="docs",
                                metadata={"team": "search"}, expires_after={"anchor": "last_active_at", "days": 7})
    assert store.id.startswith("vs_") and store.object == "vector_store"
    assert store.name == "docs" and store.metadata == {"team": "search"}
    assert store.status == "completed"
    counts = store.file_counts
    assert (counts.completed, counts.in_progress, counts.failed, counts.cancelled, counts.total) == (2, 0, 0, 0, 2)
    assert store.usage_bytes > 0
    assert store.expires_after.days == 7 and store.expires_at == store.last_active_at + 7 * 86400

    changed = client.vector_stores.update(store.id, name="renamed", metadata={"team": "x"}, expires_after=None)
    assert (changed.name, changed.metadata, changed.expires_at) == ("renamed", {"team": "x"}, None)
    assert client.vector_stores.retrieve(store.id).name == "renamed"
    assert store.id in [s.id for s in client.vector_stores.list(limit=100)]

    deleted = client.vector_stores.delete(store.id)
    assert (deleted.id, deleted.object, deleted.deleted) == (store.id, "vector_store.deleted", True)
    with pytest.raises(errors.NotFoundError):
        client.vector_stores.retrieve(store.id)
    assert client.files.retrieve(ids["a.txt"]).id == ids["a.txt"]  # files outlive the store


def test_counts_move_while_ingesting(idle_kit):
    """With ingestion off, files wait as in_progress; the store says so."""
    client = idle_kit.client
    file_id = idle_kit.upload("wait.txt", DOC).id
    store = client.vector_stores.create(file_ids=[file_id])
    assert store.status == "in_progress"
    assert (store.file_counts.in_progress, store.file_counts.total) == (1, 1)
    vs_file = client.vector_stores.files.retrieve(file_id, vector_store_id=store.id)
    assert vs_file.status == "in_progress" and vs_file.usage_bytes == 0


def test_vector_store_files_endpoints(kit, client, errors):
    store, _ = kit.store_with({})
    assert store.status == "completed" and store.file_counts.total == 0
    text = "Alpha paragraph about widgets.\n\nBeta paragraph about gadgets."
    fid = kit.upload("notes.txt", text).id
    created = client.vector_stores.files.create(
        vector_store_id=store.id, file_id=fid, attributes={"author": "ann", "year": 2024, "draft": False},
        chunking_strategy={"type": "static", "static": {"max_chunk_size_tokens": 100, "chunk_overlap_tokens": 20}})
    assert (created.id, created.object, created.vector_store_id) == (fid, "vector_store.file", store.id)
    assert created.status == "in_progress" and created.last_error is None
    assert created.chunking_strategy.static.max_chunk_size_tokens == 100
    assert created.attributes == {"author": "ann", "year": 2024, "draft": False}
    kit.wait_store(store.id)

    got = client.vector_stores.files.retrieve(fid, vector_store_id=store.id)
    assert got.status == "completed" and got.usage_bytes > 0
    assert [f.id for f in client.vector_stores.files.list(vector_store_id=store.id, filter="completed")] == [fid]
    assert list(client.vector_stores.files.list(vector_store_id=store.id, filter="failed")) == []

    content = list(client.vector_stores.files.content(fid, vector_store_id=store.id))
    assert [c.text for c in content] == [text]

    updated = client.vector_stores.files.update(fid, vector_store_id=store.id, attributes={"author": "bob"})
    assert updated.attributes == {"author": "bob"}
    assert client.vector_stores.files.retrieve(fid, vector_store_id=store.id).attributes == {"author": "bob"}

    removed = client.vector_stores.files.delete(fid, vector_store_id=store.id)
    assert (removed.id, removed.object, removed.deleted) == (fid, "vector_store.file.deleted", True)
    assert client.vector_stores.retrieve(store.id).file_counts.total == 0
    assert client.vector_stores.retrieve(store.id).usage_bytes == 0
    with pytest.raises(errors.NotFoundError):
        client.vector_stores.files.retrieve(fid, vector_store_id=store.id)


def test_file_batches(kit, client, errors):
    store, _ = kit.store_with({})
    ids = [kit.upload(f"batch{i}.txt", f"batch document number {i}. " * 20).id for i in range(3)]
    batch = client.vector_stores.file_batches.create(vector_store_id=store.id, file_ids=ids,
                                                     attributes={"source": "batch"})
    assert batch.id.startswith("vsfb_") and batch.object == "vector_store.files_batch"
    assert batch.vector_store_id == store.id and batch.file_counts.total == 3
    kit.wait_store(store.id)
    done = client.vector_stores.file_batches.retrieve(batch.id, vector_store_id=store.id)
    assert done.status == "completed" and done.file_counts.completed == 3
    listed = client.vector_stores.file_batches.list_files(batch.id, vector_store_id=store.id, order="asc")
    assert [f.id for f in listed] == ids
    assert all(f.attributes == {"source": "batch"} for f in listed)
    with pytest.raises(errors.BadRequestError):
        client.vector_stores.file_batches.cancel(batch.id, vector_store_id=store.id)

    per_file = client.vector_stores.file_batches.create(
        vector_store_id=store.id, files=[{"file_id": ids[0], "attributes": {"k": 1}}])
    assert per_file.file_counts.total == 1


def test_cancel_batch(idle_kit):
    client = idle_kit.client
    store = client.vector_stores.create()
    ids = [idle_kit.upload(f"c{i}.txt", "cancel me").id for i in range(2)]
    batch = client.vector_stores.file_batches.create(vector_store_id=store.id, file_ids=ids)
    assert batch.status == "in_progress" and batch.file_counts.in_progress == 2
    cancelled = client.vector_stores.file_batches.cancel(batch.id, vector_store_id=store.id)
    assert cancelled.status == "cancelled"
    assert (cancelled.file_counts.cancelled, cancelled.file_counts.in_progress) == (2, 0)
    statuses = {f.status for f in client.vector_stores.files.list(vector_store_id=store.id)}
    assert statuses == {"cancelled"}
    assert client.vector_stores.retrieve(store.id).status == "completed"


def test_errors(kit, client, errors):
    with pytest.raises(errors.NotFoundError) as err:
        client.vector_stores.create(file_ids=["file-missing"])
    assert err.value.body["param"] == "file_ids[0]"
    store, _ = kit.store_with({})
    with pytest.raises(errors.BadRequestError) as err:
        client.vector_stores.files.create(vector_store_id=store.id, file_id="x", chunking_strategy={
            "type": "static", "static": {"max_chunk_size_tokens": 100, "chunk_overlap_tokens": 80}})
    assert err.value.body["param"] == "chunking_strategy"
    with pytest.raises(errors.BadRequestError) as err:
        client.vector_stores.files.create(vector_store_id=store.id, file_id="x", attributes={f"k{i}": i for i in range(17)})
    assert err.value.body["param"] == "attributes"
    with pytest.raises(errors.BadRequestError) as err:
        client.vector_stores.create(extra_body={"bogus": 1})
    with pytest.raises(errors.BadRequestError):
        client.vector_stores.files.list(vector_store_id=store.id, filter="nope")  # type: ignore[arg-type]
    with pytest.raises(errors.BadRequestError) as err:
        client.vector_stores.file_batches.create(vector_store_id=store.id)  # type: ignore[call-arg]
    assert err.value.body["code"] == "missing_required_parameter"
    with pytest.raises(errors.BadRequestError) as err:
        client.vector_stores.file_batches.create(vector_store_id=store.id, file_ids=["a"], files=[{"file_id": "a"}])
    assert err.value.body["param"] == "files"
    with pytest.raises(errors.NotFoundError):
        client.vector_stores.files.retrieve("file-nope", vector_store_id=store.id)
    with pytest.raises(errors.NotFoundError):
        client.vector_stores.search("vs_nope", query="x")
    with pytest.raises(errors.BadRequestError) as err:
        client.vector_stores.search(store.id, query="x", max_num_results=51)
    assert err.value.body["param"] == "max_num_results"
