"""The README's realtime Python examples run as written (only the address and key are this server's)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from realtime_readme_blocks import realtime_blocks
from realtime_support import KEY, ws_base


@pytest.mark.parametrize("index", [0, 1], ids=["beta", "ga"])
def test_readme_python_example(rt_server, index) -> None:
    blocks = realtime_blocks("python")
    assert len(blocks) == 2
    code = blocks[index].replace("ws://127.0.0.1:8000/v1", ws_base(rt_server)) \
        .replace("http://127.0.0.1:8000/v1", rt_server.base_url).replace('api_key="anything"', f'api_key="{KEY}"')
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "Say hello."  # the scripted model echoes the user
