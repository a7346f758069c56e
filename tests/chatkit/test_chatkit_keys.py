"""With API keys configured: the REST face needs a key, the protocol a session's client secret, and a
backend naming its end user (``X-ChatKit-User``) a key (in process, FastAPI's TestClient)."""

from __future__ import annotations

import pytest

pytest.importorskip("chatkit.types")
from chatkit_helpers import EVENT, user_input  # noqa: E402


def test_keys_guard_rest_and_server_to_server_but_not_session_secrets(sqlite_only, tmp_path, database_url):
    from fastapi.testclient import TestClient

    from openbeta.server.app import create_app
    from openbeta.server.settings import Settings

    app = create_app(Settings(data_dir=tmp_path, database_url=database_url, api_keys=["sk-right"],
                              provider="scripted", embeddings="none"))
    key = {"Authorization": "Bearer sk-right"}
    with TestClient(app) as client:
        assert client.post("/v1/chatkit/sessions", json={}).status_code == 401
        assistant = client.post("/v1/assistants", json={"model": "m"}, headers=key).json()["id"]
        session = client.post("/v1/chatkit/sessions", json={"user": "ann", "workflow": {"id": assistant}},
                              headers=key).json()
        secret = {"Authorization": f"Bearer {session['client_secret']}"}
        body = {"type": "threads.create", "params": {"input": user_input("hi")}}
        with client.stream("POST", "/v1/chatkit", json=body, headers=secret) as response:
            assert response.status_code == 200
            events = [EVENT.validate_json(line[6:]) for line in response.iter_lines() if line]
        assert events[0].type == "thread.created" and events[-1].type == "thread.updated"
        assert client.get("/v1/chatkit/threads", headers=secret).status_code == 401  # a secret is not a key
        assert client.get("/v1/chatkit/threads", headers=key).json()["data"][0]["user"] == "ann"

        backend = {"X-ChatKit-User": "ann", "X-ChatKit-Workflow": assistant}
        listing = {"type": "threads.list", "params": {}}
        refused = client.post("/v1/chatkit", json=listing, headers={**backend, "Authorization": "Bearer sk-wrong"})
        assert refused.status_code == 401 and refused.json()["error"]["code"] == "invalid_api_key"
        allowed = client.post("/v1/chatkit", json=listing, headers={**backend, **key})
        assert [t["id"] for t in allowed.json()["data"]] == [events[0].thread.id]
        unknown = client.post("/v1/chatkit", json=listing, headers={**key, "X-ChatKit-User": "ann",
                                                                   "X-ChatKit-Workflow": "asst_missing"})
        assert unknown.status_code == 404 and unknown.json()["error"]["param"] == "X-ChatKit-Workflow"
