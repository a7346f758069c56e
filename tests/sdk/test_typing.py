"""A type checker sees what each client returns: ``mypy --strict`` on small typed programs."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

mypy_api = pytest.importorskip("mypy.api")

TYPED = Path(__file__).parent / "typed"
SRC = Path(__file__).resolve().parents[2] / "src"


def _mypy(name: str, monkeypatch) -> tuple[str, int]:
    monkeypatch.setenv("MYPYPATH", str(SRC))
    out, err, status = mypy_api.run(["--strict", "--follow-imports=silent", "--no-incremental",
                                     "--cache-dir", "/dev/null", str(TYPED / name)])
    return out + err, status


def test_async_usage_type_checks(monkeypatch) -> None:
    report, status = _mypy("async_usage.py", monkeypatch)
    assert status == 0, report


def test_async_mistakes_are_reported(monkeypatch) -> None:
    report, status = _mypy("async_misuse.py", monkeypatch)
    lines = (TYPED / "async_misuse.py").read_text().splitlines()
    expected = {i for i, line in enumerate(lines, 1) if line.endswith("# E")}
    reported = {int(n) for n in re.findall(r"async_misuse\.py:(\d+): error", report)}
    assert status == 1 and reported == expected, report
    assert "Maybe you forgot to use \"await\"?" in report
