"""The conformance suite: official SDKs (and openbeta's own) drive a live server.

``sdk`` (and ``client``, built from it) is parametrized over client libraries.
To add one, add a line to ``SDKS`` (tests/sdk_clients.py); a library that is not importable is skipped.
Each library's module must export the client class and the error classes
(``NotFoundError``, ``BadRequestError``, ``AuthenticationError``, ...).
"""

from __future__ import annotations

from sdk_clients import SDKS, client_fixture, sdk_fixture


sdk = sdk_fixture(list(SDKS), scope="function")
client = client_fixture(scope="function")
