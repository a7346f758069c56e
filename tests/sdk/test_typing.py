"""A type checker sees what each client returns: ``mypy --strict`` on small typed programs."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

mypy_api = pytest.importorskip("mypy.api")

TYPED = Path(__file__).parent / "typed"
SRC = Path(__file__).resolve().parents[2] / "src"


@pytest.fixture(scope="module")
def report() -> str:
    """mypy's report on every program of ``typed/`` (one run; the SDK's own modules are not reported)."""
    old = os.environ.get("MYPYPATH")
    os.environ["MYPYPATH"] = str(SRC)
    try:
        out, err, _ = mypy_api.run(["--strict", "--follow-imports=silent", "--no-incremental",
                                    "--cache-dir", os.devnull, *map(str, sorted(TYPED.glob("*.py")))])
    finally:
        if old is None:
            del os.environ["MYPYPATH"]
        else:
            os.environ["MYPYPATH"] = old
    return out + err


def _errors(report: str, name: str) -> set[int]:
    return {int(n) for n in re.findall(rf"{re.escape(name)}:(\d+): error", report)}


def test_async_usage_type_checks(report) -> None:
    assert _errors(report, "async_usage.py") == set(), report
    assert "Found" in report or "Success" in report  # mypy ran


def test_async_mistakes_are_reported(report) -> None:
    lines = (TYPED / "async_misuse.py").read_text().splitlines()
    expected = {i for i, line in enumerate(lines, 1) if line.endswith("# E")}
    assert expected and _errors(report, "async_misuse.py") == expected, report
    assert 'Maybe you forgot to use "await"?' in report
