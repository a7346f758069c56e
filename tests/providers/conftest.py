"""Fixtures for provider tests: the embedded model as a provider object.

The packaged model's path, ``llama_server`` and ``loopback`` live in the top-level conftest.
"""

from __future__ import annotations

import asyncio

import pytest


@pytest.fixture(scope="session")
def local_provider(smollm2_path):
    from openbeta.server.providers.local import LocalProvider

    provider = LocalProvider(smollm2_path, context_size=2048)
    yield provider
    asyncio.run(provider.aclose())
