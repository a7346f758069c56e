"""The official ``openai`` npm package against a live server (skipped without node)."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
NODE = shutil.which("node")
NPM = shutil.which("npm")


@pytest.fixture(scope="module")
def node_modules() -> Path:
    if not NODE or not NPM:
        pytest.skip("node and npm are not installed")
    if not (HERE / "node_modules" / "openai").is_dir():
        result = subprocess.run([NPM, "ci", "--no-audit", "--no-fund"], cwd=HERE, capture_output=True, text=True,
                                timeout=300)
        if result.returncode != 0:
            pytest.skip(f"npm could not install the openai package: {result.stderr[-500:]}")
    return HERE / "node_modules"


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
