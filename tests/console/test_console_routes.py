"""The console's routes next to /v1, and the GET /v1/threads list extension it uses."""

from __future__ import annotations

from typing import Any, Iterator

import httpx
import pytest

from server_process import launch
from console_support import KEY, SERVER_ENV


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[Any]:
    srv = launch(tmp_path_factory.mktemp("console-routes"), SERVER_ENV)
    yield srv
    srv.stop()


@pytest.fixture
def http(server) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.base_url, headers={"Authorization": f"Bearer {KEY}"}, timeout=10) as c:
        yield c


def test_console_page_and_assets_are_public_and_same_origin(server) -> None:
    page = httpx.get(server.root_url + "/")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert '<script type="module" src="/console/app.js">' in page.text
    csp = page.headers["content-security-policy"]
    assert "default-src 'self'" in csp and "script-src 'self'" in csp
    for asset, kind in [("app.js", "javascript"), ("style.css", "text/css"),
                        ("vendor/htm-preact-standalone.js", "javascript")]:
        r = httpx.get(f"{server.root_url}/console/{asset}")
        assert r.status_code == 200 and kind in r.headers["content-type"], asset
        if not asset.startswith("vendor/"):  # (the vendored library names the SVG namespace URI)
            assert "http://" not in r.text and "https://" not in r.text, f"{asset} loads from elsewhere"
    missing = httpx.get(server.root_url + "/console/nope.js")
    assert missing.status_code == 404 and missing.json()["error"]["type"] == "invalid_request_error"


def test_console_leaves_api_routes_alone(server) -> None:
    assert httpx.get(server.root_url + "/health").json()["status"] == "ok"
    assert httpx.get(server.base_url + "/assistants").status_code == 401  # the key still guards /v1
    assert httpx.get(server.root_url + "/openapi.json").status_code == 200


def test_thread_list_pages_like_the_other_lists(http) -> None:
    made = [http.post("/threads", json={"metadata": {"n": str(i)}}).json()["id"] for i in range(5)]
    first = http.get("/threads", params={"limit": 2}).json()
    assert first["object"] == "list" and first["has_more"] is True
    assert [t["id"] for t in first["data"]] == made[::-1][:2]
    assert first["first_id"] == made[4] and first["last_id"] == made[3]
    second = http.get("/threads", params={"limit": 2, "after": first["last_id"]}).json()
    assert [t["id"] for t in second["data"]] == [made[2], made[1]]
    asc = http.get("/threads", params={"order": "asc", "limit": 100}).json()
    ids = [t["id"] for t in asc["data"]]
    assert ids[-5:] == made and asc["has_more"] is False
    http.delete(f"/threads/{made[0]}")
    assert made[0] not in [t["id"] for t in http.get("/threads", params={"limit": 100}).json()["data"]]


def test_thread_list_bad_input_is_an_openai_error(http) -> None:
    bad = http.get("/threads", params={"limit": 0})
    assert bad.status_code == 400 and bad.json()["error"]["param"] == "limit"
    unknown = http.get("/threads", params={"after": "thread_nope"})
    assert unknown.status_code in (400, 404) and unknown.json()["error"]["message"]
    assert httpx.get(http.base_url.join("/v1/threads")).status_code == 401
