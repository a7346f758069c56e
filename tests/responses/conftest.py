"""Fixtures for the Responses and Conversations tests: a client of each SDK (the official one, openbeta's,
and openbeta's async one) on the shared scripted server."""

from __future__ import annotations

from sdk_clients import client, errors, sdk_fixture  # noqa: F401 - fixtures

sdk = sdk_fixture(["openai", "openbeta", "openbeta-async"])
