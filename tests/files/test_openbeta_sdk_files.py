"""The SDKs' helpers against a live server: upload-and-poll, create-and-poll, search, download, typed fields."""

from __future__ import annotations


def test_batch_upload_search_download(client):
    store = client.vector_stores.create(name="sdk", expires_after={"anchor": "last_active_at", "days": 3})
    assert store.expires_after.days == 3 and store.expires_after.anchor == "last_active_at"
    batch = client.vector_stores.file_batches.upload_and_poll(
        store.id, files=[("owls.txt", b"Barn owls hunt mice at night using their hearing."),
                         ("bread.md", b"# Baking\n\nSourdough needs a starter and a long proof.")],
        poll_interval_ms=100)
    assert batch.status == "completed" and batch.file_counts.completed == 2
    hits = list(client.vector_stores.search(store.id, query="nocturnal birds of prey"))
    assert hits[0].filename == "owls.txt" and 0 < hits[0].score <= 1
    file_id = hits[0].file_id
    assert client.files.content(file_id).read() == b"Barn owls hunt mice at night using their hearing."
    assert client.vector_stores.files.retrieve(file_id, vector_store_id=store.id).status == "completed"
    assert client.files.delete(file_id).deleted
    assert client.vector_stores.retrieve(store.id).file_counts.total == 1


def test_file_helpers_and_chunking_strategy(client):
    store = client.vector_stores.create(name="helpers")
    uploaded = client.vector_stores.files.upload_and_poll(
        vector_store_id=store.id, file=("kiwi.txt", b"The kiwi is a flightless bird of New Zealand."),
        chunking_strategy={"type": "static", "static": {"max_chunk_size_tokens": 200, "chunk_overlap_tokens": 50}},
        poll_interval_ms=100)
    assert uploaded.status == "completed"
    assert uploaded.chunking_strategy.type == "static"
    assert uploaded.chunking_strategy.static.max_chunk_size_tokens == 200
    assert uploaded.chunking_strategy.static.chunk_overlap_tokens == 50

    other = client.files.create(file=("emu.txt", b"Emus are large flightless birds of Australia."), purpose="assistants")
    added = client.vector_stores.files.create_and_poll(other.id, vector_store_id=store.id, poll_interval_ms=100)
    assert added.status == "completed" and added.chunking_strategy.static.max_chunk_size_tokens == 800
    batch = client.vector_stores.file_batches.create_and_poll(store.id, file_ids=[other.id], poll_interval_ms=100)
    assert batch.status == "completed"
    parts = list(client.vector_stores.files.content(other.id, vector_store_id=store.id))
    assert "".join(part.text for part in parts).startswith("Emus are large")
