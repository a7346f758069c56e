"""The official Node SDK's realtime clients (``OpenAIRealtimeWS``, beta and GA) over TLS: ``openbeta serve
--ssl-certfile/--ssl-keyfile`` with a test CA (trustme) that node trusts through ``NODE_EXTRA_CA_CERTS``."""

from __future__ import annotations

import json
import os
import socket
import ssl
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Iterator

import httpx
import pytest

from realtime_support import KEY

trustme = pytest.importorskip("trustme")
NODE_DIR = Path(__file__).resolve().parent.parent / "node"
NODE, NPM = shutil.which("node"), shutil.which("npm")


@pytest.fixture(scope="module")
def node_modules() -> Path:
    if not NODE or not NPM:
        pytest.skip("node and npm are not installed")
    if not (NODE_DIR / "node_modules" / "ws").is_dir():
        result = subprocess.run([NPM, "ci", "--no-audit", "--no-fund"], cwd=NODE_DIR, capture_output=True, text=True,
                                timeout=300)
        if result.returncode != 0:
            pytest.skip(f"npm could not install the openai package: {result.stderr[-500:]}")
    return NODE_DIR / "node_modules"


@pytest.fixture(scope="module")
def tls_server(tmp_path_factory) -> Iterator[tuple[str, Path]]:
    """``openbeta serve`` over TLS (certificate for 127.0.0.1 from a fresh CA); yields (base URL, CA file)."""
    folder = tmp_path_factory.mktemp("tls")
    ca = trustme.CA()
    cert = ca.issue_cert("127.0.0.1", "localhost")
    ca_file, cert_file, key_file = folder / "ca.pem", folder / "cert.pem", folder / "key.pem"
    ca.cert_pem.write_to_path(str(ca_file))
    cert.cert_chain_pems[0].write_to_path(str(cert_file))
    for extra in cert.cert_chain_pems[1:]:
        extra.write_to_path(str(cert_file), append=True)
    cert.private_key_pem.write_to_path(str(key_file))
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {k: v for k, v in os.environ.items() if not k.startswith("OPENBETA_")}
    env.update({"PYTHONPATH": str(Path(__file__).resolve().parents[2] / "src"), "OPENBETA_PROVIDER": "scripted",
                "OPENBETA_API_KEYS": KEY, "OPENBETA_DATA_DIR": str(folder), "OPENBETA_PORT": str(port),
                "OPENBETA_SHUTDOWN_TIMEOUT": "1"})
    log = open(folder / "server.log", "wb")
    process = subprocess.Popen([sys.executable, "-m", "openbeta.cli", "serve", "--ssl-certfile", str(cert_file),
                                "--ssl-keyfile", str(key_file)], env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"https://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            assert process.poll() is None, (folder / "server.log").read_text()
            try:
                if httpx.get(base + "/health", verify=ssl.create_default_context(cafile=str(ca_file)), timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline, "the TLS server did not start"
            time.sleep(0.1)
        yield base + "/v1", ca_file
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.mark.parametrize("protocol", ["beta", "ga"])
def test_node_realtime_over_tls(node_modules, tls_server, protocol) -> None:
    base_url, ca_file = tls_server
    result = subprocess.run([NODE, str(NODE_DIR / "realtime.mjs"), base_url, KEY, protocol], capture_output=True,
                            text=True, timeout=60, env={**os.environ, "NODE_EXTRA_CA_CERTS": str(ca_file)})
    assert result.returncode == 0, result.stderr + result.stdout
    seen = json.loads(result.stdout.strip().splitlines()[-1])
    assert seen["errors"] == []
    assert seen["events"][:2] == ["session.created", "conversation.created"]
    assert ("modalities" in seen["session"]) == (protocol == "beta")
    assert seen["call"]["name"] == "get_weather" and seen["call"]["arguments"] == {"city": "Lima"}
    assert seen["answer"] == "Lima is warm."
    text_delta = "response.text.delta" if protocol == "beta" else "response.output_text.delta"
    assert text_delta in seen["events"] and seen["events"].count("response.done") == 2


def test_https_rest_on_the_same_port(tls_server) -> None:
    from openai import OpenAI

    base_url, ca_file = tls_server
    client = OpenAI(base_url=base_url, api_key=KEY, http_client=httpx.Client(verify=ssl.create_default_context(cafile=str(ca_file))))
    assert client.beta.realtime.sessions.create(model="gpt-realtime").client_secret.value.startswith("ek_")



def test_readme_node_example(node_modules, tls_server) -> None:
    from realtime_readme_blocks import realtime_blocks

    base_url, ca_file = tls_server
    code = realtime_blocks("js")[0].replace("https://127.0.0.1:8000/v1", base_url).replace("'anything'", f"'{KEY}'")
    script = NODE_DIR / "readme_hello.mjs"  # beside node_modules, so 'openai' and 'ws' resolve
    script.write_text(code)
    try:
        result = subprocess.run([NODE, str(script)], capture_output=True, text=True, timeout=60,
                                env={**os.environ, "NODE_EXTRA_CA_CERTS": str(ca_file)})
    finally:
        script.unlink()
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "Say hello."
