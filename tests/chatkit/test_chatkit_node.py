"""The ChatKit REST face through the official ``openai`` npm package (skipped without node)."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

chatkit_types = pytest.importorskip("chatkit.types")
from chatkit_helpers import new_thread  # noqa: E402

NODE_DIR = Path(__file__).resolve().parent.parent / "node"
NODE = shutil.which("node")


def test_node_sdk_chatkit(sqlite_only, node_modules, ck_server, open_protocol, assistant, user):
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
