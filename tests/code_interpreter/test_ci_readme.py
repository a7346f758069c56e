"""The README's code_interpreter example runs as printed on the default local model (marked ``model``);
how often the model is right is measured and written next to it in the README, not asserted here."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

from server_process import ROOT

pytestmark = pytest.mark.model


def readme_example() -> str:
    section = (ROOT / "README.md").read_text().split("### code_interpreter", 1)[1].split("\n### ", 1)[0]
    (block,) = re.findall(r"```python\n(.*?)```", section, re.S)
    return block


def test_the_readme_example_runs_code_and_answers(start_server, sandbox_ready, db_kind) -> None:
    if db_kind != "sqlite":
        pytest.skip("one real-model run is enough (SQLite)")
    pytest.importorskip("llama_cpp")
    server = start_server(OPENBETA_PROVIDER="local", OPENBETA_EMBEDDINGS="none", OPENBETA_VOICE="none")
    code = ("from openai import OpenAI\n"  # the client of the README's first example, on this server
            f'client = OpenAI(base_url="{server.base_url}", api_key="anything", timeout=600)\n' + readme_example())
    result = subprocess.run([sys.executable, "-W", "ignore::DeprecationWarning", "-c", code], capture_output=True,
                            text=True, timeout=900)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.strip().splitlines()
    ran = [line for line in lines if line.startswith("ran: ")]
    got = [line for line in lines if line.startswith("got: ")]
    assert ran and ran[0].removeprefix("ran: ").strip(), result.stdout  # the model wrote code ...
    assert got and got[0].removeprefix("got: ").strip(), result.stdout  # ... the sandbox ran it and it printed
    assert lines[-1].strip() and not lines[-1].startswith(("ran: ", "got: ")), result.stdout  # and an answer
    print(result.stdout)
