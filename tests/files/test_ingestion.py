"""Ingestion failures, file deletion everywhere, restart survival, vector stores in tool_resources."""

from __future__ import annotations

import openai
import pytest

from filekit import Kit

SECRET = "The launch code word is zanzibar-quokka-77."


def test_unparseable_files_fail_with_last_error(kit, client):
    store, _ = kit.store_with({})
    cases = {
        "image.png": (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4, "unsupported_file"),
        "broken.pdf": (b"%PDF-1.7\nthis is not really a pdf at all", "invalid_file"),
        "broken.docx": (b"PK\x03\x04 not a zip archive", "invalid_file"),
        "empty.txt": (b"   \n  ", "invalid_file"),
    }
    ids = {}
    for name, (data, _) in cases.items():
        ids[name] = kit.upload(name, data).id
        client.vector_stores.files.create(vector_store_id=store.id, file_id=ids[name])
    good = kit.upload("good.txt", SECRET).id
    client.vector_stores.files.create(vector_store_id=store.id, file_id=good)
    store = kit.wait_store(store.id)
    assert (store.file_counts.failed, store.file_counts.completed) == (4, 1)
    for name, (_, code) in cases.items():
        vs_file = client.vector_stores.files.retrieve(ids[name], vector_store_id=store.id)
        assert vs_file.status == "failed", name
        assert vs_file.last_error.code == code, (name, vs_file.last_error)
        assert vs_file.last_error.message
    failed = {f.id for f in client.vector_stores.files.list(vector_store_id=store.id, filter="failed")}
    assert failed == set(ids.values())
    assert list(client.vector_stores.files.content(ids["broken.pdf"], vector_store_id=store.id)) == []
    assert [r.file_id for r in client.vector_stores.search(store.id, query="zanzibar-quokka-77")] == [good]


def test_deleting_a_file_removes_it_everywhere(kit, client):
    fid = kit.upload("secret.txt", SECRET).id
    other = kit.upload("other.txt", "Nothing to see here but zanzibar geography.").id
    first = kit.client.vector_stores.create(file_ids=[fid, other])
    second = kit.client.vector_stores.create(file_ids=[fid])
    kit.wait_store(first.id)
    kit.wait_store(second.id)
    assert client.vector_stores.search(first.id, query="zanzibar-quokka-77").data[0].file_id == fid
    client.files.delete(fid)
    for store in (first, second):
        assert fid not in [f.id for f in client.vector_stores.files.list(vector_store_id=store.id)]
        assert fid not in [r.file_id for r in client.vector_stores.search(store.id, query="zanzibar quokka launch code")]
    assert client.vector_stores.retrieve(second.id).file_counts.total == 0
    assert client.vector_stores.retrieve(first.id).file_counts.total == 1


def test_pending_work_and_data_survive_a_restart(start_server, relaunch):
    first = start_server(OPENBETA_PROVIDER="scripted", OPENBETA_INGESTION_WORKERS="0")
    kit = Kit(openai.OpenAI(base_url=first.base_url, api_key="t", max_retries=0))
    fid = kit.upload("survivor.txt", SECRET).id
    store = kit.client.vector_stores.create(file_ids=[fid], name="kept")
    assert store.status == "in_progress"
    first.stop()

    second = relaunch(first, OPENBETA_INGESTION_WORKERS="1")
    kit = Kit(openai.OpenAI(base_url=second.base_url, api_key="t", max_retries=0))
    resumed = kit.wait_store(store.id)
    assert resumed.name == "kept" and resumed.file_counts.completed == 1
    assert kit.client.files.content(fid).read() == SECRET.encode()
    assert kit.client.vector_stores.search(store.id, query="zanzibar-quokka-77").data[0].file_id == fid


def test_vector_stores_created_through_tool_resources(kit, client, errors):
    fid = kit.upload("tool.txt", SECRET).id
    assistant = client.beta.assistants.create(
        model="m", tools=[{"type": "file_search"}],
        tool_resources={"file_search": {"vector_stores": [{"file_ids": [fid], "metadata": {"via": "assistant"}}]}})
    ids = assistant.tool_resources.file_search.vector_store_ids
    assert len(ids) == 1 and ids[0].startswith("vs_")
    store = kit.wait_store(ids[0])
    assert store.metadata == {"via": "assistant"} and store.file_counts.completed == 1
    assert client.vector_stores.search(store.id, query="launch code").data[0].file_id == fid

    thread = client.beta.threads.create(tool_resources={"file_search": {"vector_store_ids": [store.id]}})
    assert thread.tool_resources.file_search.vector_store_ids == [store.id]
    with pytest.raises(errors.NotFoundError) as err:
        client.beta.threads.create(tool_resources={"file_search": {"vector_store_ids": ["vs_missing"]}})
    assert err.value.body["param"] == "tool_resources.file_search.vector_store_ids[0]"
    with pytest.raises(errors.NotFoundError) as err:
        client.beta.assistants.create(model="m", tool_resources={
            "file_search": {"vector_stores": [{"file_ids": ["file-missing"]}]}})
    assert err.value.body["param"] == "tool_resources.file_search.vector_stores[0].file_ids[0]"
