"""The code_interpreter tool through the official ``openai`` npm package (skipped without node)."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

NODE_DIR = Path(__file__).resolve().parent.parent / "node"
NODE = shutil.which("node")
NPM = shutil.which("npm")


def test_node_sdk_streams_code_interpreter_calls(request, db_kind):
    if db_kind != "sqlite":
        pytest.skip("the npm package's view does not depend on the database: SQLite only")
    if not NODE or not NPM:
        pytest.skip("node and npm are not installed")
    server = request.getfixturevalue("server")
    if not (NODE_DIR / "node_modules" / "openai").is_dir():
        installed = subprocess.run([NPM, "ci", "--no-audit", "--no-fund"], cwd=NODE_DIR, capture_output=True,
                                   text=True, timeout=300)
        if installed.returncode != 0:
            pytest.skip(f"npm could not install the openai package: {installed.stderr[-500:]}")
    result = subprocess.run([NODE, str(NODE_DIR / "code_interpreter.mjs"), server.base_url], capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 0, result.stderr + result.stdout
    seen = json.loads(result.stdout.strip().splitlines()[-1])
    events = seen["seen"]
    assert events[0] == ["created", "code_interpreter"]
    assert [e for e in events if e[0] == "output"] == [["output", "logs"], ["output", "image"]]
    assert ["done", ["logs", "image"]] in events
    assert ["image", seen["imageInMessage"]] in events
