"""The ChatKit REST face through the official ``openai`` npm package (skipped without node)."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from conftest import new_thread

NODE_DIR = Path(__file__).resolve().parent.parent / "node"
NODE = shutil.which("node")
NPM = shutil.which("npm")


@pytest.fixture(scope="module")
def node_modules() -> Path:
    if not NODE or not NPM:
        pytest.skip("node and npm are not installed")
    if not (NODE_DIR / "node_modules" / "openai").is_dir():
        result = subprocess.run([NPM, "ci", "--no-audit", "--no-fund"], cwd=NODE_DIR, capture_output=True,
                                text=True, timeout=300)
        if result.returncode != 0:
            pytest.skip(f"npm could not install the openai package: {result.stderr[-500:]}")
    return NODE_DIR / "node_modules"


def test_node_sdk_chatkit(node_modules, ck_server, open_protocol, assistant, user):
    _, protocol = open_protocol(assistant, user)
    older, _ = new_thread(protocol, "older")
    thread_id, _ = new_thread(protocol, "newer")
    result = subprocess.run([NODE, str(NODE_DIR / "chatkit.mjs"), ck_server.base_url, assistant, user, thread_id],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr + result.stdout
    seen = json.loads(result.stdout.strip().splitlines()[-1])
    assert seen["threads"] == [thread_id, older]  # one per page, walked by last_id
    assert seen["title"] == "newer"
    assert seen["items"] == [["chatkit.user_message", "newer"], ["chatkit.assistant_message", "newer"]]
    assert seen["missing"] == 404
    assert seen["deleted"] == ["chatkit.thread.deleted", True]
    assert protocol.post("threads.get_by_id", {"thread_id": thread_id}).status_code == 404
