"""openbeta's own SDK on the GA realtime surface (``client.realtime``) against a live server: an ephemeral
key from ``client_secrets.create`` opens a session that speaks the GA protocol (no beta header)."""

from __future__ import annotations

import json
import time


from openbeta import AsyncOpenBeta, OpenBeta
from openbeta.types.realtime import ClientSecretCreateResponse

SCRIPTED = "SCRIPT: " + json.dumps({"text": "Hi GA world"})
ITEM = {"type": "message", "role": "user", "content": [{"type": "input_text", "text": SCRIPTED}]}


def _events_until(conn, last: str) -> list:
    events = []
    while not events or events[-1].type != last:
        events.append(conn.recv())
    return events


def test_client_secret_opens_a_ga_session(openbeta_client: OpenBeta, live_server) -> None:
    secret = openbeta_client.realtime.client_secrets.create(
        expires_after={"anchor": "created_at", "seconds": 120},
        session={"type": "realtime", "instructions": "GA key.", "output_modalities": ["text"]})
    assert isinstance(secret, ClientSecretCreateResponse)
    assert secret.value.startswith("ek_") and 110 <= secret.expires_at - time.time() <= 121
    assert secret.session.type == "realtime" and secret.session.instructions == "GA key."
    with OpenBeta(base_url=live_server.base_url, api_key=secret.value).realtime.connect(model="m") as conn:
        created, conversation = conn.recv(), conn.recv()
        assert (created.type, conversation.type) == ("session.created", "conversation.created")
        assert created.session.type == "realtime"
        assert created.session.instructions == "GA key."
        conn.conversation.item.create(item=ITEM)
        _events_until(conn, "conversation.item.done")  # GA: item.added then item.done (beta: item.created)
        conn.response.create()
        kinds = [e.type for e in _events_until(conn, "response.done")]
    assert "response.output_text.delta" in kinds and "response.text.delta" not in kinds


def test_the_beta_surface_still_speaks_beta(openbeta_client: OpenBeta) -> None:
    with openbeta_client.beta.realtime.connect(model="m") as conn:
        created = conn.recv()
        assert created.type == "session.created" and created.session.object == "realtime.session"
        conn.session.update(session={"modalities": ["text"]})
        conn.conversation.item.create(item=ITEM)
        conn.response.create()
        kinds = [e.type for e in _events_until(conn, "response.done")]
    assert "response.text.delta" in kinds and "response.output_text.delta" not in kinds


async def test_async_client_secret_and_connect(live_server) -> None:
    async with AsyncOpenBeta(base_url=live_server.base_url, api_key="k") as openbeta_client:
        secret = await openbeta_client.realtime.client_secrets.create(session={"type": "realtime"})
        assert secret.value.startswith("ek_")
        async with openbeta_client.realtime.connect(model="m") as conn:
            created = await conn.recv()
            assert created.type == "session.created" and created.session.type == "realtime"
