"""Client libraries the live suites run under: the official SDK, openbeta's, and openbeta's async one.

``SDKS`` maps an id to ``(module, client class, async)``. An async client is driven
through :class:`Blocking`, so one sync test body exercises it too: every call that
returns an awaitable is awaited on the client's own event loop (in a thread), and
iterating an async page walks all pages with ``async for`` (an async stream is read whole), and ``with`` on an
async context manager (a stream manager) is ``async with``.
"""

from __future__ import annotations

import asyncio
import importlib
import inspect
import threading
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any, Callable, Coroutine, Iterator

import pytest
from pydantic import BaseModel

#: id -> (module, client class, is async). Each class takes ``base_url``, ``api_key`` and ``max_retries``.
SDKS: dict[str, tuple[str, str, bool]] = {
    "openai": ("openai", "OpenAI", False),
    "openbeta": ("openbeta", "OpenBeta", False),
    "openbeta-async": ("openbeta", "AsyncOpenBeta", True),
}


class LoopThread:
    """An event loop running in a daemon thread; ``run(coro)`` waits for its result."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self._thread.start()

    def run(self, coro: Coroutine[Any, Any, Any]) -> Any:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result()

    def stop(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(timeout=5)


async def _await(value: Any) -> Any:
    return await value


async def _collect(iterable: Any) -> list[Any]:
    return [item async for item in iterable]


class Blocking:
    """A sync view of an async SDK object (client, resource, page, response)."""

    def __init__(self, target: Any, runner: LoopThread) -> None:
        self._target = target
        self._runner = runner

    def _wrap(self, value: Any) -> Any:
        if inspect.isawaitable(value):
            value = self._runner.run(_await(value))
        if inspect.ismethod(value) or type(value).__module__.startswith("openbeta.client"):
            return Blocking(value, self._runner)
        return value

    def __getattr__(self, name: str) -> Any:
        return self._wrap(getattr(self._target, name))

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self._wrap(self._target(*args, **kwargs))

    def __iter__(self) -> Any:
        return iter(self._runner.run(_collect(self._target)))

    def __enter__(self) -> Any:
        """``with`` on an async context manager (a stream manager): ``async with``, run on the loop."""
        return self._wrap(self._runner.run(_await(self._target.__aenter__())))

    def __exit__(self, *exc: Any) -> None:
        self._runner.run(_await(self._target.__aexit__(*exc)))

    def __repr__(self) -> str:
        return f"Blocking({self._target!r})"


def undeclared(model: BaseModel, path: str) -> list[str]:
    """Paths of fields the server sent that ``model``'s nested models do not declare (a wire type that
    leaves a field out shows it here)."""
    found = []
    for name in type(model).model_fields:
        value = getattr(model, name)
        values = value if isinstance(value, list) else [value]
        for i, v in enumerate(values):
            if isinstance(v, BaseModel):
                here = f"{path}.{name}" + (f"[{i}]" if isinstance(value, list) else "")
                found += [f"{here}.{k}" for k in (v.model_extra or {})]
                found += undeclared(v, here)
    return found


@dataclass
class SDK:
    name: str
    module: ModuleType
    cls: Any
    is_async: bool = False
    _opened: list[tuple[Any, LoopThread]] = field(default_factory=list)

    def client(self, server: Any, api_key: str = "test-key") -> Any:
        """A client on ``server`` (no retries), sync or wrapped in :class:`Blocking`."""
        no_retries = {"max_retries": 0} if "max_retries" in inspect.signature(self.cls).parameters else {}
        client = self.cls(base_url=server.base_url, api_key=api_key, **no_retries)
        if not self.is_async:
            return client
        runner = LoopThread()
        self._opened.append((client, runner))
        return Blocking(client, runner)

    def error(self, name: str) -> type[Exception]:
        """An error class of this SDK, e.g. ``sdk.error("NotFoundError")``."""
        return getattr(self.module, name)

    def close(self) -> None:
        """Close the async clients and stop their loops."""
        for client, runner in self._opened:
            runner.run(client.close())
            runner.stop()


def load_sdk(name: str) -> SDK:
    """The SDK ``name`` of :data:`SDKS`; the test is skipped when its module is not importable."""
    module_name, attr, is_async = SDKS[name]
    try:
        module = importlib.import_module(module_name)
        cls = getattr(module, attr)
    except (ImportError, AttributeError):
        pytest.skip(f"{module_name}.{attr} is not available")
    return SDK(name, module, cls, is_async)


def sdk_fixture(names: list[str], scope: str = "session") -> Callable[..., Any]:
    """An ``sdk`` fixture parametrized over ``names`` (ids of :data:`SDKS`)."""

    @pytest.fixture(scope=scope, params=names)  # type: ignore[call-overload]
    def sdk(request: Any) -> Iterator[SDK]:
        loaded = load_sdk(request.param)
        yield loaded
        loaded.close()

    return sdk


def client_fixture(scope: str = "session") -> Callable[..., Any]:
    """A ``client`` fixture: a client of the parametrized SDK (``sdk``, of the same scope) on the shared live
    server. The one definition of ``client``; other clients have names of their own (``openbeta_client``,
    ``sandbox_client``, ``realtime_client`` ...)."""

    @pytest.fixture(scope=scope)  # type: ignore[call-overload]
    def client(sdk: SDK, live_server: Any) -> Any:
        return sdk.client(live_server)

    return client


client = client_fixture()


@pytest.fixture(scope="session")
def errors(sdk: SDK) -> ModuleType:
    """The module holding the SDK's error classes (``errors.NotFoundError``, ...)."""
    return sdk.module
