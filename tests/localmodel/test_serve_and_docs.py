"""``openbeta serve`` says what it runs (and what to install on a core-only install); the
interactive docs load nothing from a CDN and ``/openapi.json`` carries OpenAI's operation ids."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from server_process import SPEC_DIR

SRC = Path(__file__).resolve().parents[2] / "src"
ENDPOINTS = SPEC_DIR / "endpoints.md"


def test_start_up_names_provider_database_embeddings_voice_and_storage(live_server):
    log = live_server.log()
    for label in ("provider: scripted", "database: ", "embeddings: ", "voice: ", "file storage: "):
        assert len(re.findall(re.escape(label), log)) == 1, (label, log[-3000:])
    assert str(live_server.data_dir) in log


#: Makes the server's dependencies unimportable, as on ``pip install openbeta`` without the extra.
CORE_ONLY = """
import sys
class NoServer:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in ("fastapi", "uvicorn", "starlette", "sqlalchemy", "pydantic_settings"):
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return None
sys.meta_path.insert(0, NoServer())
from openbeta.cli import main
sys.exit(main(sys.argv[1:]))
"""


@pytest.mark.parametrize("command", [["serve"], ["projects", "list"], ["keys", "list"]])
def test_server_commands_on_a_core_only_install_say_what_to_install(tmp_path, command):
    env = {**os.environ, "PYTHONPATH": str(SRC), "OPENBETA_DATA_DIR": str(tmp_path)}
    result = subprocess.run([sys.executable, "-c", CORE_ONLY, *command], capture_output=True, text=True, env=env,
                            timeout=60)
    assert result.returncode != 0
    assert result.stdout == "" and "Traceback" not in result.stderr
    (line,) = result.stderr.strip().splitlines()
    assert "pip install 'openbeta[server]'" in line


def test_docs_load_their_assets_from_this_server(live_server):
    for page in ("/docs", "/redoc"):
        html = httpx.get(live_server.root_url + page).text
        assets = re.findall(r'(?:src|href)="([^"]+)"', html)
        assert assets and all(a.startswith("/") for a in assets), assets
        for asset in assets:
            assert httpx.get(live_server.root_url + asset).status_code == 200, asset


def test_openapi_has_openai_operation_ids_bodies_and_responses(live_server):
    schema = httpx.get(live_server.root_url + "/openapi.json").json()
    served = {(method.upper(), path): op for path, item in schema["paths"].items() for method, op in item.items()}
    ids = {op["operationId"] for op in served.values()}
    assert {"createAssistant", "createRun", "submitToolOuputsToRun", "searchVectorStore"} <= ids
    create = served[("POST", "/v1/assistants")]
    assert create["requestBody"]["content"]["application/json"]["schema"]["$ref"].endswith("/AssistantCreateParams")
    assert create["responses"]["200"]["content"]["application/json"]["schema"]["$ref"].endswith("/Assistant")
    assert "text/event-stream" in served[("POST", "/v1/threads/{thread_id}/runs")]["responses"]["200"]["content"]
    assert "multipart/form-data" in served[("POST", "/v1/files")]["requestBody"]["content"]
    listed = served[("GET", "/v1/assistants")]["responses"]["200"]["content"]["application/json"]["schema"]
    assert listed["properties"]["data"]["items"]["$ref"].endswith("/Assistant")
    for ref in re.findall(r'"\$ref": "#/components/schemas/([^"]+)"', str(schema).replace("'", '"')):
        assert ref in schema["components"]["schemas"], ref
    if not ENDPOINTS.exists():
        pytest.skip("the OpenAI spec's endpoint list is not available")
    rows = re.findall(r"^\| \d+ \| (GET|POST|DELETE) \| `([^`]+)` \| `([^`]+)` \|", ENDPOINTS.read_text(), re.M)
    expected = {(method, "/v1" + path): op for method, path, op in rows}
    for key, op in served.items():
        if key in expected:
            assert op["operationId"] == expected[key], key
    assert sum(key in expected for key in served) >= 40
