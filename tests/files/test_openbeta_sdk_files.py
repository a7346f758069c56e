"""openbeta's own SDK against a live server: upload, batch-and-poll, search, download."""

from __future__ import annotations

from openbeta import OpenBeta


def test_openbeta_client_round_trip(live_server):
    client = OpenBeta(base_url=live_server.base_url, api_key="test", max_retries=0)
    store = client.vector_stores.create(name="sdk")
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
