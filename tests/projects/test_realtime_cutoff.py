"""An open realtime session ends at its next client event once its key is revoked or its project archived."""

from __future__ import annotations

import json
import uuid

import httpx
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from projects_support import ADMIN_KEY, sdk


def _ws(server) -> str:
    return server.base_url.replace("http://", "ws://", 1) + "/realtime?model=gpt-realtime"


def _open(server, key: str):
    socket = connect(_ws(server), additional_headers={"Authorization": f"Bearer {key}"}, open_timeout=30)
    assert json.loads(socket.recv(timeout=30))["type"] == "session.created"
    assert json.loads(socket.recv(timeout=30))["type"] == "conversation.created"
    return socket


def _cut_off(socket) -> None:
    """The next event answers an ``invalid_api_key`` error and the socket closes with 1008, as a refused key would."""
    socket.send(json.dumps({"type": "input_audio_buffer.clear"}))
    error = json.loads(socket.recv(timeout=30))
    assert error["type"] == "error" and error["error"]["code"] == "invalid_api_key", error
    try:
        extra = socket.recv(timeout=30)
        raise AssertionError(f"the session went on: {extra}")
    except ConnectionClosed as closed:
        assert closed.rcvd is not None and closed.rcvd.code == 1008


def test_revoking_the_key_or_archiving_the_project_ends_open_sessions(projects_server) -> None:
    admin = httpx.Client(base_url=projects_server.base_url, headers={"Authorization": f"Bearer {ADMIN_KEY}"},
                         timeout=30)
    project = admin.post("/organization/projects", json={"name": f"rt-{uuid.uuid4().hex[:8]}"}).json()["id"]
    keys = [admin.post(f"/organization/projects/{project}/api_keys", json={"name": n}).json() for n in "ab"]
    revoked, kept = keys
    by_revoked = _open(projects_server, revoked["value"])
    by_kept = _open(projects_server, kept["value"])
    secret = sdk(projects_server, kept["value"]).realtime.client_secrets.create(
        session={"type": "realtime", "output_modalities": ["text"]}).value
    by_secret = _open(projects_server, secret)
    for socket in (by_revoked, by_kept, by_secret):  # all working
        socket.send(json.dumps({"type": "input_audio_buffer.clear"}))
        assert json.loads(socket.recv(timeout=30))["type"] == "input_audio_buffer.cleared"
    assert admin.delete(f"/organization/projects/{project}/api_keys/{revoked['id']}").status_code == 200
    _cut_off(by_revoked)
    by_kept.send(json.dumps({"type": "input_audio_buffer.clear"}))  # the project's other key still works
    assert json.loads(by_kept.recv(timeout=30))["type"] == "input_audio_buffer.cleared"
    assert admin.post(f"/organization/projects/{project}/archive").status_code == 200
    _cut_off(by_kept)
    _cut_off(by_secret)  # the ephemeral key minted by the project's key
