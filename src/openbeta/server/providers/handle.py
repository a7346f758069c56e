"""``ProviderHandle``: the model provider, built once on first use and shared by every part that asks
a model (the run engine, realtime responses, ``GET /v1/models``).

Built lazily, so a server whose model cannot load still starts: the calls that need the model fail
saying why (a :class:`~.base.ProviderError`), nothing else does. The composition root builds one handle
and closes it after the parts that use it have stopped.
"""

from __future__ import annotations

import threading
from typing import Callable, Optional

from .base import Provider, ProviderError


class ProviderHandle:
    def __init__(self, build: Callable[[], Provider]) -> None:
        self._build = build
        self._provider: Optional[Provider] = None
        self._lock = threading.Lock()

    def __call__(self) -> Provider:
        """The provider (built now if it was not yet); :class:`ProviderError` when it cannot be built."""
        provider = self._provider
        if provider is None:
            with self._lock:
                if self._provider is None:
                    try:
                        self._provider = self._build()
                    except Exception as exc:  # a model that cannot load fails its calls, not the server
                        raise ProviderError(f"The model provider is not available: {exc}") from exc
                provider = self._provider
        return provider

    async def aclose(self) -> None:
        """Close the provider, if it was ever built."""
        provider, self._provider = self._provider, None
        if provider is not None:
            await provider.aclose()


__all__ = ["ProviderHandle"]
