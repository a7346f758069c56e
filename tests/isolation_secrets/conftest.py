"""One server with keys in three projects (``name:key`` entries) and an admin key, for the secrets
that projects mint: realtime ephemeral keys and ChatKit sessions."""

from __future__ import annotations

import pytest

from isolation_secrets_support import ADMIN_KEY, DEFAULT_KEY, KEY_P, KEY_Q, KEY_R


@pytest.fixture(scope="session")
def secrets_server(start_server):
    return start_server(OPENBETA_PROVIDER="scripted", OPENBETA_EMBEDDINGS="none",
                        OPENBETA_API_KEYS=f"{DEFAULT_KEY}, team-p:{KEY_P}, team-q:{KEY_Q}, team-r:{KEY_R}",
                        OPENBETA_ADMIN_KEY=ADMIN_KEY)
