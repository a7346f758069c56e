"""The README's containers example (Responses with code_interpreter in a container) runs as printed on the
default local model (marked ``model``): the model writes code, the container's sandbox runs it, and the
container lists its file."""

from __future__ import annotations

import re

import pytest
from interpreter_helpers import ran_and_got, run_readme_example

from server_process import ROOT

pytestmark = pytest.mark.model


def readme_example() -> str:
    section = (ROOT / "README.md").read_text().split("**code_interpreter and containers.**", 1)[1]
    return re.findall(r"```python\n(.*?)```", section, re.S)[0]


def test_the_readme_containers_example_runs_code_in_the_container(local_model_server) -> None:
    lines = run_readme_example(local_model_server, readme_example())
    ran_and_got(lines)
    assert "/mnt/data/numbers.csv" in lines[-1], lines  # the container holds the file copied in
