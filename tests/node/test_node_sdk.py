"""The official ``openai`` npm package against a live server (skipped without node)."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path


HERE = Path(__file__).resolve().parent
NODE = shutil.which("node")


def test_node_sdk_runs(node_modules, live_server):
    result = subprocess.run([NODE, str(HERE / "runs.mjs"), live_server.base_url], capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stderr + result.stdout
    seen = json.loads(result.stdout.strip().splitlines()[-1])
    assert seen["events"][:3] == ["thread.run.created", "thread.run.queued", "thread.run.in_progress"]
    assert seen["events"][-1] == "thread.run.completed"
    assert seen["events"].count("thread.message.delta") == 3
    assert seen["submitEvents"][:2] == ["thread.run.step.completed", "thread.run.queued"]
    assert (seen["polled"], seen["done"]) == ("completed", "completed")


def test_node_sdk_responses_and_conversations(node_modules, live_server):
    """``responses.create`` (and a function call answered through ``previous_response_id``), ``responses.stream``
    and its final response (equal to ``retrieve``), ``responses.parse`` with a JSON schema, and
    ``conversations.create`` / ``items.list`` paged, and ``containers`` with their files (upload, list, content,
    delete)."""
    result = subprocess.run([NODE, str(HERE / "responses.mjs"), live_server.base_url], capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 0, result.stderr + result.stdout
    seen = json.loads(result.stdout.strip().splitlines()[-1])
    assert seen["events"][:2] == ["response.created", "response.in_progress"]
    assert seen["events"][-1] == "response.completed" and seen["events"].count("response.output_text.delta") == 3
    assert seen["parsed"] == {"echo": "structured in node"}
    assert (seen["items"], seen["status"], seen["container"]) == (3, 404, 1)


def test_node_polling_helpers_follow_the_poll_hint(node_modules, start_server):
    """``createAndPoll``, ``createAndRunPoll``, ``submitToolOutputsAndPoll``, ``uploadAndPoll`` and
    ``fileBatches.createAndPoll`` without ``pollIntervalMs`` sleep what ``openai-poll-after-ms`` says (else 5 s
    a loop), so sub-second work is reported within a second of its start."""
    server = start_server(OPENBETA_PROVIDER="scripted", OPENBETA_EMBEDDINGS="none")
    result = subprocess.run([NODE, str(HERE / "polling.mjs"), server.base_url], capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stderr + result.stdout
    seen = json.loads(result.stdout.strip().splitlines()[-1])
    assert set(seen) == {"createAndPoll", "createAndRunPoll", "submitToolOutputsAndPoll", "uploadAndPoll",
                         "fileBatches.createAndPoll"}
    for helper, observed in seen.items():
        # every sleep between two reads is the hint the read before it carried, never the 5 s default, and for
        # this sub-second work under a second: each helper reports the work within a second of its end
        assert observed["sleeps"] == observed["hints"], (helper, observed)
        assert all(100 <= ms < 1000 for ms in observed["sleeps"]), (helper, observed)
    # the runs are scripted to stream for a few hundred ms: their helpers must have polled at least once
    assert all(seen[h]["sleeps"] for h in ("createAndPoll", "createAndRunPoll", "submitToolOutputsAndPoll"))
    print({helper: observed["ms"] for helper, observed in seen.items()})  # how long each took, in ms
