"""The conformance suite: official SDKs (and openbeta's own) drive a live server.

``sdk`` (and ``client``, built from it) is parametrized over client libraries.
To add one, add a line to ``SDKS``; a library that is not importable is skipped.
Each library's module must export the client class and the error classes
(``NotFoundError``, ``BadRequestError``, ``AuthenticationError``, ...).
"""

from __future__ import annotations

import importlib
import inspect
from dataclasses import dataclass
from types import ModuleType
from typing import Any

import pytest

#: id -> (module, client class). Each class takes ``base_url`` and ``api_key``.
SDKS: dict[str, tuple[str, str]] = {
    "openai": ("openai", "OpenAI"),
    "openbeta": ("openbeta", "OpenBeta"),
}


@dataclass
class SDK:
    name: str
    module: ModuleType
    cls: Any

    def client(self, server: Any, api_key: str = "test-key") -> Any:
        no_retries = {"max_retries": 0} if "max_retries" in inspect.signature(self.cls).parameters else {}
        return self.cls(base_url=server.base_url, api_key=api_key, **no_retries)

    def error(self, name: str) -> type[Exception]:
        """An error class of this SDK, e.g. ``sdk.error("NotFoundError")``."""
        return getattr(self.module, name)


@pytest.fixture(params=list(SDKS))
def sdk(request) -> SDK:
    module_name, attr = SDKS[request.param]
    try:
        module = importlib.import_module(module_name)
        cls = getattr(module, attr)
    except (ImportError, AttributeError):
        pytest.skip(f"{module_name}.{attr} is not available")
    return SDK(request.param, module, cls)


@pytest.fixture
def client(sdk, live_server) -> Any:
    """A client of the parametrized SDK on the shared live server."""
    return sdk.client(live_server)
