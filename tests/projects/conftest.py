"""One server with keys in three projects (``OPENBETA_API_KEYS`` entries) and an admin key."""

from __future__ import annotations

import pytest

from projects_support import ADMIN_KEY, DEFAULT_KEY, KEY_A, KEY_B


@pytest.fixture(scope="session")
def projects_server(start_server):
    return start_server(OPENBETA_PROVIDER="scripted", OPENBETA_EMBEDDINGS="none",
                        OPENBETA_API_KEYS=f"{DEFAULT_KEY}, team-a:{KEY_A}, team-b:{KEY_B}",
                        OPENBETA_ADMIN_KEY=ADMIN_KEY)
