"""CI runs every test it can: with ``CI`` set, a test skipped for want of a part that ``.ci/run`` installs fails.

A pytest plugin (its hooks are imported by ``tests/conftest.py``; ``python -m pytest -p ci_parts`` loads it
elsewhere). Locally, without ``CI``, such tests stay skipped and the run ends with a count by reason.
"""

from __future__ import annotations

import os
import re
from typing import Any

import pytest

#: ``CI`` set (``CI=true`` in ``.ci/run``'s runs): a test skipped because a part CI installs is missing fails.
IN_CI = os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")
#: Skip reasons that name a missing part CI is meant to have (``.ci/run`` installs them all): a package of the
#: ``test`` extra (``importorskip``'s "could not import"), a packaged model or library "not installed", PostgreSQL,
#: Node and npm and their ``openai`` package, bubblewrap, chromium, a tmpfs mount (CI runs as root), OpenAI's spec
#: beside the repository, an SDK or a part of the server's build. Other skips are by design (a test that runs on
#: SQLite only, the larger local model that the ``test`` extra does not install ...) and stay skips.
MISSING_PART = re.compile("|".join([
    r"^could not import ", r"\bnot installed\b", r"^PostgreSQL:", r"need PostgreSQL", r"\bnpm could not install",
    r"bubblewrap", r"chromium", r"cannot mount a tmpfs", r"spec(?:'s endpoint list)? (?:is )?not available",
    r"^\S+\.\S+ is not available$", r"not part of this build", r"does not serve runs yet",
    r"no (?:packaged )?local (?:embedding )?model (?:is )?installed",
]), re.I)
#: ... except these: parts the ``test`` extra leaves out on purpose.
NOT_IN_CI = re.compile(r"openbeta\[local-large\]")


def missing_part(reason: str) -> bool:
    """Whether a skip's ``reason`` is a part CI must have (see :data:`MISSING_PART`)."""
    return bool(MISSING_PART.search(reason)) and not NOT_IN_CI.search(reason)


def skip_reason(longrepr: object) -> str:
    """The reason of a skipped report (its ``longrepr`` is ``(path, line, "Skipped: reason")``)."""
    if isinstance(longrepr, tuple) and len(longrepr) == 3:
        return str(longrepr[2]).removeprefix("Skipped: ")
    return str(longrepr)


def _fail_in_ci(report: Any) -> None:
    """Turn a report skipped for a missing part into a failure, when CI is set."""
    if IN_CI and report.skipped and not hasattr(report, "wasxfail"):
        reason = skip_reason(report.longrepr)
        if missing_part(reason):
            report.outcome = "failed"
            report.longrepr = f"CI must run this test, but a part it needs is missing: {reason}"


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: Any, call: Any) -> Any:
    report = yield
    _fail_in_ci(report)
    return report


#: Modules skipped as a whole for a missing part (``importorskip`` at module level), when CI is set.
_skipped_modules: list[str] = []


@pytest.hookimpl(wrapper=True)
def pytest_make_collect_report(collector: Any) -> Any:
    """A module skipped as a whole for a missing part stays skipped while the run goes on (a collection error
    would stop it), and fails the run at its end."""
    report = yield
    if IN_CI and report.skipped and missing_part(skip_reason(report.longrepr)):
        _skipped_modules.append(f"{report.nodeid}: {skip_reason(report.longrepr)}")
    return report


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if _skipped_modules:
        terminalreporter.section("CI must run these modules, but a part they need is missing", red=True)
        for line in _skipped_modules:
            terminalreporter.write_line(line)


def pytest_sessionfinish(session: Any, exitstatus: int) -> None:
    if _skipped_modules and exitstatus == pytest.ExitCode.OK:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
