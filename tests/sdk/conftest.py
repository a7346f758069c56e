"""SDK test helpers: clients bound to the live server, and mock-transport clients."""

from __future__ import annotations

from typing import Callable, Iterator

import httpx
import pytest

from openbeta import AsyncOpenBeta, OpenBeta


@pytest.fixture
def openbeta_client(live_server) -> Iterator[OpenBeta]:
    with OpenBeta(base_url=live_server.base_url, api_key="test-key") as c:
        yield c


@pytest.fixture
async def async_client(live_server):
    async with AsyncOpenBeta(base_url=live_server.base_url, api_key="test-key") as c:
        yield c


Handler = Callable[[httpx.Request], httpx.Response]


def _mock_client(handler: Handler, **options) -> OpenBeta:
    """An ``OpenBeta`` whose HTTP goes to ``handler`` (an ``httpx.MockTransport``)."""
    options.setdefault("api_key", "sk-test")
    return OpenBeta(base_url="http://testserver/v1", http_client=httpx.Client(transport=httpx.MockTransport(handler)),
                    **options)


def _async_mock_client(handler: Handler, **options) -> AsyncOpenBeta:
    options.setdefault("api_key", "sk-test")
    return AsyncOpenBeta(base_url="http://testserver/v1",
                         http_client=httpx.AsyncClient(transport=httpx.MockTransport(handler)), **options)


@pytest.fixture
def mock_client() -> Callable[..., OpenBeta]:
    """``mock_client(handler, **options)``: an ``OpenBeta`` whose HTTP goes to ``handler``."""
    return _mock_client


@pytest.fixture
def async_mock_client() -> Callable[..., AsyncOpenBeta]:
    return _async_mock_client


@pytest.fixture
def sleeps(monkeypatch) -> list[float]:
    """Record (and skip) every wait the SDK makes: retry backoff and polling intervals."""
    from openbeta.client import _base_client, _polling

    waited: list[float] = []

    async def fake_async_sleep(seconds: float) -> None:
        waited.append(seconds)

    for module in (_base_client, _polling):
        monkeypatch.setattr(module.time, "sleep", waited.append)
        monkeypatch.setattr(module.asyncio, "sleep", fake_async_sleep)
    return waited
