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
