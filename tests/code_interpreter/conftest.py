"""Fixtures for code_interpreter tests: one scripted server (with short limits) per database."""

from __future__ import annotations

import openai
import pytest
from interpreter_helpers import MEMORY_MB, TIMEOUT_SECONDS

from openbeta.server.tools.sandbox import BubblewrapLauncher, Limits


@pytest.fixture(scope="session")
def sandbox_ready() -> None:
    reason = BubblewrapLauncher(Limits()).trial()
    if reason:
        pytest.skip(f"bubblewrap sandboxes cannot run here: {reason}")


@pytest.fixture(scope="module")
def server(start_server, sandbox_ready):
    return start_server(OPENBETA_PROVIDER="scripted", OPENBETA_CODE_INTERPRETER_TIMEOUT=str(TIMEOUT_SECONDS),
                        OPENBETA_CODE_INTERPRETER_MEMORY_MB=str(MEMORY_MB),
                        OPENBETA_CODE_INTERPRETER_MAX_OUTPUT_BYTES="4096")


@pytest.fixture(scope="module")
def sandbox_client(server) -> openai.OpenAI:
    return openai.OpenAI(base_url=server.base_url, api_key="k", max_retries=0)


@pytest.fixture(scope="module")
def assistant(sandbox_client):
    return sandbox_client.beta.assistants.create(model="scripted", tools=[{"type": "code_interpreter"}])


@pytest.fixture
def local_model_server(start_server, sandbox_ready, db_kind):
    """A server on the default local model, for the real-model tests (one run is enough: SQLite only)."""
    if db_kind != "sqlite":
        pytest.skip("one real-model run is enough (SQLite)")
    pytest.importorskip("llama_cpp")
    return start_server(OPENBETA_PROVIDER="local", OPENBETA_EMBEDDINGS="none", OPENBETA_VOICE="none")
