"""Fixtures for run tests: a client of each sync SDK (official, openbeta) on the shared scripted server."""

from __future__ import annotations

from typing import Any

import pytest
from runs_helpers import WEATHER, recorder_for

from sdk_clients import client, errors, sdk_fixture  # noqa: F401 - fixtures

#: The run tests drive event-handler streams with ``with``; the async client has its own (tests/sdk).
sdk = sdk_fixture(["openai", "openbeta"])


@pytest.fixture(scope="session")
def Recorder(sdk) -> type:  # noqa: N802 - used like the class it returns
    """The event recorder of the parametrized SDK (see ``runs_helpers.recorder_for``)."""
    return recorder_for(sdk.module.AssistantEventHandler)


@pytest.fixture(scope="session")
def assistant(client):
    return client.beta.assistants.create(model="scripted-model", instructions="You are terse.", tools=[WEATHER])


@pytest.fixture()
def thread(client):
    return client.beta.threads.create()
