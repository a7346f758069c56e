"""Fixtures of the Responses tests: the official SDK's client and a raw HTTP client on the shared live
server (scripted model provider; see :mod:`responses_support` for its directives)."""

from __future__ import annotations

import httpx
import openai
import pytest


@pytest.fixture(scope="module")
def client(live_server) -> openai.OpenAI:
    return openai.OpenAI(base_url=live_server.base_url, api_key="test-key", max_retries=0)


@pytest.fixture(scope="module")
def http(live_server):
    with httpx.Client(base_url=live_server.root_url, headers={"Authorization": "Bearer test-key"}, timeout=30) as c:
        yield c
