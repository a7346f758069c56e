"""A server killed (SIGKILL) mid-stream keeps the text it had streamed: start-up recovery
marks the message ``incomplete`` with that text, losing at most the last flush interval."""

from __future__ import annotations

import json
import time

import httpx

WORDS = [f"w{i} " for i in range(400)]


def wait_for_text(http: httpx.Client, base: str, thread_id: str, prefix: str, timeout: float = 20.0) -> str:
    """Poll the in-progress reply until its stored text holds ``prefix`` (written while streaming)."""
    deadline = time.monotonic() + timeout
    while True:
        data = http.get(f"{base}/threads/{thread_id}/messages").json()["data"]
        reply = [m for m in data if m["role"] == "assistant"]
        if reply and reply[0]["status"] == "in_progress" and reply[0]["content"]:
            text = reply[0]["content"][0]["text"]["value"]
            if text.startswith(prefix):
                return text
        assert time.monotonic() < deadline, "the streamed text was not written while streaming"
        time.sleep(0.05)


def test_sigkill_mid_stream_keeps_the_streamed_text(start_server):
    first = start_server(OPENBETA_PROVIDER="scripted", OPENBETA_EMBEDDINGS="none",
                         OPENBETA_STREAM_FLUSH_SECONDS="0.1", OPENBETA_LEASE_SECONDS="1")
    base = first.base_url
    with httpx.Client(timeout=30) as http:
        assistant = http.post(f"{base}/assistants", json={"model": "m"}).json()
        directive = "SCRIPT: " + json.dumps({"text": "".join(WORDS).strip(), "delay": 0.05})
        thread = http.post(f"{base}/threads", json={"messages": [{"role": "user", "content": directive}]}).json()
        received = ""
        with http.stream("POST", f"{base}/threads/{thread['id']}/runs",
                         json={"assistant_id": assistant["id"], "stream": True}) as stream:
            event = None
            for line in stream.iter_lines():
                if line.startswith("event: "):
                    event = line[len("event: "):]
                elif line.startswith("data: ") and event == "thread.message.delta":
                    received += json.loads(line[len("data: "):])["delta"]["content"][0]["text"]["value"]
                    if received.count(" ") >= 30:
                        break
            persisted = wait_for_text(http, base, thread["id"], received.strip())
            first.process.kill()
            first.process.wait()
    assert len(received) > 0

    same_db = {k: v for k, v in first.env.items() if k == "OPENBETA_DATABASE_URL"}
    # The run is taken over once its lease lapses; failing it (rather than resuming it) keeps its text.
    second = start_server(data_dir=first.data_dir, OPENBETA_PROVIDER="scripted", OPENBETA_EMBEDDINGS="none",
                          OPENBETA_RUN_TAKEOVER="fail", **same_db)
    with httpx.Client(timeout=30) as http:
        deadline = time.monotonic() + 20
        while (run := http.get(f"{second.base_url}/threads/{thread['id']}/runs").json()["data"][0])["status"] \
                == "in_progress":
            assert time.monotonic() < deadline, run
            time.sleep(0.1)
        messages = http.get(f"{second.base_url}/threads/{thread['id']}/messages").json()["data"]
    assert run["status"] == "failed" and run["last_error"]["code"] == "server_error"
    reply = [m for m in messages if m["role"] == "assistant"]
    assert len(reply) == 1 and reply[0]["status"] == "incomplete"
    kept = reply[0]["content"][0]["text"]["value"]
    full = "".join(WORDS).strip()
    assert full.startswith(kept)
    assert kept.startswith(persisted), (len(kept), len(persisted))
    assert len(kept) < len(full)
    second.stop()
