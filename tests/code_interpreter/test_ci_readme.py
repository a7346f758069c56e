"""The README's code_interpreter example runs as printed on the default local model (marked ``model``);
how often the model is right is measured and written next to it in the README, not asserted here."""

from __future__ import annotations

import re

import pytest
from interpreter_helpers import ran_and_got, run_readme_example

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
    lines = run_readme_example(server, readme_example())
    ran_and_got(lines)
    assert lines[-1].strip() and not lines[-1].startswith(("ran: ", "got: ")), lines  # and an answer
