"""Fixtures for the Responses and Conversations tests: a client of each SDK (the official one, openbeta's,
and openbeta's async one) and a raw HTTP client on the shared live server (scripted model provider; see
:mod:`responses_support` for its directives)."""

from __future__ import annotations

import httpx
import pytest

from sdk_clients import client, errors, sdk_fixture  # noqa: F401 - fixtures

sdk = sdk_fixture(["openai", "openbeta", "openbeta-async"])


@pytest.fixture(scope="module")
def http(live_server):
    with httpx.Client(base_url=live_server.root_url, headers={"Authorization": "Bearer test-key"}, timeout=30) as c:
        yield c
