"""The README's containers example (Responses with code_interpreter in a container) runs as printed on the
default local model (marked ``model``): the model writes code, the container's sandbox runs it, and the
container lists its file."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

from server_process import ROOT

pytestmark = pytest.mark.model


def readme_example() -> str:
    section = (ROOT / "README.md").read_text().split("**code_interpreter and containers.**", 1)[1]
    return re.findall(r"```python\n(.*?)```", section, re.S)[0]


def test_the_readme_containers_example_runs_code_in_the_container(start_server, sandbox_ready, db_kind) -> None:
    if db_kind != "sqlite":
        pytest.skip("one real-model run is enough (SQLite)")
    pytest.importorskip("llama_cpp")
    server = start_server(OPENBETA_PROVIDER="local", OPENBETA_EMBEDDINGS="none", OPENBETA_VOICE="none")
    code = ("from openai import OpenAI\n"
            f'client = OpenAI(base_url="{server.base_url}", api_key="anything", timeout=600)\n' + readme_example())
    result = subprocess.run([sys.executable, "-W", "ignore::DeprecationWarning", "-c", code], capture_output=True,
                            text=True, timeout=900)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.strip().splitlines()
    ran = [line for line in lines if line.startswith("ran: ")]
    got = [line for line in lines if line.startswith("got: ")]
    assert ran and ran[0].removeprefix("ran: ").strip(), result.stdout  # the model wrote code ...
    assert got and got[0].removeprefix("got: ").strip(), result.stdout  # ... the container's sandbox ran it
    assert "/mnt/data/numbers.csv" in lines[-1], result.stdout  # the container holds the file copied in
    print(result.stdout)
