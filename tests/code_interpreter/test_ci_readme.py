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


def test_the_readme_example_runs_code_and_answers(local_model_server) -> None:
    lines = run_readme_example(local_model_server, readme_example())
    ran_and_got(lines)
    assert lines[-1].strip() and not lines[-1].startswith(("ran: ", "got: ")), lines  # and an answer
