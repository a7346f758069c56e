from fastapi.testclient import TestClient

from openbeta.server.app import create_app
from openbeta.server.settings import Settings


def test_health_and_assistant_round_trip(tmp_path):
    with TestClient(create_app(Settings(data_dir=tmp_path))) as client:
        assert client.get("/health").json()["status"] == "ok"
        created = client.post("/v1/assistants", json={"model": "m", "name": "n"}).json()
        assert created["id"].startswith("asst_")
        assert client.get(f"/v1/assistants/{created['id']}").json() == created
