"""Raw responses carry every field the spec requires, and parse as openbeta's own wire types."""

from __future__ import annotations

import json

import httpx
import pytest

from openbeta.types.file import FileObject
from openbeta.types.vector_store import SearchResultsPage, VectorStore, VectorStoreFile, VectorStoreFileBatch
from server_process import SPEC_DIR

SPEC = SPEC_DIR / "openapi-beta.json"


@pytest.fixture(scope="module")
def schemas():
    if not SPEC.exists():
        pytest.skip("the OpenAPI spec is not available")
    return json.loads(SPEC.read_text())["components"]["schemas"]


def _required(schemas, name):
    return set(schemas[name].get("required", []))


def test_objects_match_the_spec(schemas, live_server, kit):
    base = live_server.base_url
    upload = httpx.post(f"{base}/files", files={"file": ("shape.txt", b"shapes and fields")},
                        data={"purpose": "assistants"}).json()
    assert _required(schemas, "OpenAIFile") <= upload.keys()
    FileObject.model_validate(upload)

    store = httpx.post(f"{base}/vector_stores", json={"name": "shape"}).json()
    assert _required(schemas, "VectorStoreObject") <= store.keys()
    VectorStore.model_validate(store)

    vs_file = httpx.post(f"{base}/vector_stores/{store['id']}/files", json={"file_id": upload["id"]}).json()
    assert _required(schemas, "VectorStoreFileObject") <= vs_file.keys()
    VectorStoreFile.model_validate(vs_file)

    batch = httpx.post(f"{base}/vector_stores/{store['id']}/file_batches", json={"file_ids": [upload["id"]]}).json()
    assert _required(schemas, "VectorStoreFileBatchObject") <= batch.keys()
    VectorStoreFileBatch.model_validate(batch)
    kit.wait_store(store["id"])

    page = httpx.post(f"{base}/vector_stores/{store['id']}/search", json={"query": "shapes"}).json()
    assert _required(schemas, "VectorStoreSearchResultsPage") <= page.keys()
    assert page["data"] and _required(schemas, "VectorStoreSearchResultItem") <= page["data"][0].keys()
    SearchResultsPage.model_validate(page)

    content = httpx.get(f"{base}/vector_stores/{store['id']}/files/{upload['id']}/content").json()
    assert _required(schemas, "VectorStoreFileContentResponse") <= content.keys()
    listing = httpx.get(f"{base}/files", params={"limit": 1}).json()
    assert _required(schemas, "ListFilesResponse") <= listing.keys()
    deleted = httpx.delete(f"{base}/vector_stores/{store['id']}/files/{upload['id']}").json()
    assert _required(schemas, "DeleteVectorStoreFileResponse") <= deleted.keys()
    assert _required(schemas, "DeleteFileResponse") <= httpx.delete(f"{base}/files/{upload['id']}").json().keys()
    assert _required(schemas, "DeleteVectorStoreResponse") <= httpx.delete(
        f"{base}/vector_stores/{store['id']}").json().keys()


def test_unknown_routes_and_bad_json_are_openai_errors(live_server):
    base = live_server.base_url
    raw = httpx.post(f"{base}/vector_stores", content=b"{not json", headers={"content-type": "application/json"})
    assert raw.status_code == 400 and set(raw.json()["error"]) == {"message", "type", "param", "code"}
    raw = httpx.post(f"{base}/vector_stores/vs_x/search", json={"query": []})
    assert raw.status_code == 400 and raw.json()["error"]["param"] == "query"
    raw = httpx.get(f"{base}/files/file-x/content")
    assert raw.status_code == 404 and raw.json()["error"]["type"] == "invalid_request_error"


@pytest.mark.parametrize("schema, model, not_json", [
    ("CreateVectorStoreRequest", "VectorStoreCreateParams", set()),
    ("UpdateVectorStoreRequest", "VectorStoreUpdateParams", set()),
    ("CreateVectorStoreFileRequest", "VectorStoreFileCreateParams", set()),
    ("CreateVectorStoreFileBatchRequest", "FileBatchCreateParams", set()),
    ("UpdateVectorStoreFileAttributesRequest", "VectorStoreFileUpdateParams", set()),
    ("VectorStoreSearchRequest", "SearchParams", set()),
    ("ComparisonFilter", "ComparisonFilter", set()),
    ("CompoundFilter", "CompoundFilter", set()),
    ("CreateFileRequest", "FileUploadParams", {"file"}),  # the file is the multipart part itself
])
def test_request_models_accept_exactly_the_spec_fields(schemas, schema, model, not_json):
    from openbeta.types import file, vector_store

    params = getattr(vector_store, model, None) or getattr(file, model)
    spec = schemas[schema]
    assert set(params.model_fields) == set(spec["properties"]) - not_json
    required = {name for name, info in params.model_fields.items() if info.is_required()}
    assert required == set(spec.get("required", [])) - not_json
