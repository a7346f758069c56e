"""Realtime ephemeral keys (``ek_``) carry the project of the key that minted them: the session they
open runs in that project, and they stop working when it is archived, as its API keys do. ChatKit
session secrets likewise."""

from __future__ import annotations

import re
import time

import pytest
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect

from isolation_secrets_support import KEY_P, KEY_Q, KEY_R, admin, project_id, protocol, sdk, secret_headers


def _ws(server) -> str:
    return server.base_url.replace("http://", "ws://", 1) + "/realtime?model=gpt-realtime"


def _open(server, key: str) -> str:
    """Open a realtime session with ``key``, and close it; the session's id."""
    with connect(_ws(server), additional_headers={"Authorization": f"Bearer {key}"}, open_timeout=30) as socket:
        created = socket.recv(timeout=30)
    session_id = re.search(r'"id":\s*"(sess_[^"]+)"', created).group(1)
    return session_id


def _session_project(server, session_id: str, timeout: float = 10.0) -> str:
    """The project the server's log says session ``session_id`` ran in (logged when it ends)."""
    deadline = time.monotonic() + timeout
    while not (found := re.search(rf"realtime session={session_id} project=(\S+)", server.log())):
        assert time.monotonic() < deadline, "the session's end was not logged"
        time.sleep(0.05)
    return found.group(1)


def test_sessions_run_in_the_project_of_their_key_or_its_minting_key(secrets_server):
    p_id, q_id = project_id(secrets_server, "team-p"), project_id(secrets_server, "team-q")
    ga = sdk(secrets_server, KEY_P).realtime.client_secrets.create(session={"type": "realtime"})
    beta = sdk(secrets_server, KEY_Q).beta.realtime.sessions.create(model="gpt-realtime").client_secret.value
    transcription = sdk(secrets_server, KEY_P).beta.realtime.transcription_sessions.create().client_secret.value
    assert _session_project(secrets_server, _open(secrets_server, ga.value)) == p_id
    assert _session_project(secrets_server, _open(secrets_server, beta)) == q_id
    assert _session_project(secrets_server, _open(secrets_server, transcription)) == p_id
    assert _session_project(secrets_server, _open(secrets_server, KEY_Q)) == q_id


def test_an_archived_projects_secrets_stop_working(secrets_server):
    """Like the project's API keys: a realtime ``ek_`` key and a ChatKit client secret minted before
    the archive answer 401."""
    r = sdk(secrets_server, KEY_R)
    ek = r.realtime.client_secrets.create(session={"type": "realtime"}).value
    assistant = r.beta.assistants.create(model="scripted").id
    chatkit = secret_headers(r.beta.chatkit.sessions.create(user="ann", workflow={"id": assistant}).client_secret)
    _open(secrets_server, ek)  # works while the project is active
    assert protocol(secrets_server, chatkit, "threads.list", {}).status_code == 200
    admin(secrets_server).admin.organization.projects.archive(project_id(secrets_server, "team-r"))
    for key in (KEY_R, ek):
        with pytest.raises(InvalidStatus) as refused:
            connect(_ws(secrets_server), additional_headers={"Authorization": f"Bearer {key}"}, open_timeout=30)
        assert refused.value.response.status_code == 401
    answer = protocol(secrets_server, chatkit, "threads.list", {})
    assert answer.status_code == 401, answer.text
    assert answer.json()["error"]["type"] == "invalid_request_error"
