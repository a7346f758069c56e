"""The realtime handshake takes the same keys as the REST routes: ``name:key`` entries included."""

from __future__ import annotations

import pytest
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect

from projects_support import ADMIN_KEY, KEY_A, sdk


def _ws(server) -> str:
    return server.base_url.replace("http://", "ws://", 1) + "/realtime?model=gpt-realtime"


def test_project_keys_open_realtime_sessions(projects_server):
    with connect(_ws(projects_server), additional_headers={"Authorization": f"Bearer {KEY_A}"},
                 open_timeout=30) as socket:
        assert '"session.created"' in socket.recv(timeout=30)
    secret = sdk(projects_server, KEY_A).realtime.client_secrets.create(
        session={"type": "realtime", "output_modalities": ["text"]})
    with connect(_ws(projects_server), additional_headers={"Authorization": f"Bearer {secret.value}"},
                 open_timeout=30) as socket:
        assert '"session.created"' in socket.recv(timeout=30)
    for key, status in (("sk-nobody-123", 401), (ADMIN_KEY, 403)):
        with pytest.raises(InvalidStatus) as refused:
            connect(_ws(projects_server), additional_headers={"Authorization": f"Bearer {key}"}, open_timeout=30)
        assert refused.value.response.status_code == status
