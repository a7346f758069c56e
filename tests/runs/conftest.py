"""Fixtures for run tests: an official SDK client on the shared scripted server."""

from __future__ import annotations

import openai
import pytest
from runs_helpers import WEATHER

@pytest.fixture(scope="session")
def client(live_server) -> openai.OpenAI:
    return openai.OpenAI(base_url=live_server.base_url, api_key="test", max_retries=0)


@pytest.fixture(scope="session")
def assistant(client):
    return client.beta.assistants.create(model="scripted-model", instructions="You are terse.", tools=[WEATHER])


@pytest.fixture()
def thread(client):
    return client.beta.threads.create()
