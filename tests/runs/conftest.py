"""Fixtures for run tests: a client of each sync SDK (official, openbeta) on the shared scripted server."""

from __future__ import annotations

from typing import Any

import pytest
from runs_helpers import WEATHER

from sdk_clients import client, errors, sdk_fixture  # noqa: F401 - fixtures

#: The run tests drive event-handler streams with ``with``; the async client has its own (tests/sdk).
sdk = sdk_fixture(["openai", "openbeta"])


@pytest.fixture(scope="session")
def Recorder(sdk) -> type:  # noqa: N802 - used like the class it returns
    """An event handler of the SDK that records every event name and the text rebuilt from deltas."""

    class Recorder(sdk.module.AssistantEventHandler):  # type: ignore[name-defined,misc]
        def __init__(self) -> None:
            super().__init__()
            self.events: list[str] = []
            self.deltas: list[str] = []

        def on_event(self, event: Any) -> None:
            self.events.append(event.event)

        def on_text_delta(self, delta: Any, snapshot: Any) -> None:
            self.deltas.append(delta.value)

    return Recorder


@pytest.fixture(scope="session")
def assistant(client):
    return client.beta.assistants.create(model="scripted-model", instructions="You are terse.", tools=[WEATHER])


@pytest.fixture()
def thread(client):
    return client.beta.threads.create()
