"""The server's layering rules hold (``[tool.importlinter]`` in pyproject.toml, checked with import-linter on
the code's imports, inside functions too), and there is no import cycle among its modules. The rules are
also shown to fail: a copy of the package with one upward import, and one with a cycle, breaks them."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from server_process import ROOT

pytest.importorskip("importlinter")
grimp = pytest.importorskip("grimp")

LINT = "from importlinter.cli import lint_imports_command; lint_imports_command()"


def lint(root: Path) -> subprocess.CompletedProcess:
    """``lint-imports`` on ``root``'s ``src/openbeta`` with ``root``'s pyproject.toml."""
    env = {**os.environ, "PYTHONPATH": str(root / "src")}
    return subprocess.run([sys.executable, "-c", LINT, "--no-cache"], cwd=root, env=env, capture_output=True,
                          text=True, timeout=300)


def test_the_layering_contracts_are_kept():
    result = lint(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout and "4 kept" in result.stdout


def _copy(tmp_path: Path) -> Path:
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    shutil.copytree(ROOT / "src" / "openbeta", tmp_path / "src" / "openbeta",
                    ignore=shutil.ignore_patterns("__pycache__", "console"))
    return tmp_path


BREAKS = [
    # the engine reaching up into the routes, inside a function
    ("runs/leases.py", "\n\ndef _upward():\n    from ..api import deps\n",
     "openbeta.server.runs is not allowed to import openbeta.server.api"),
    # a route reading a table
    ("api/threads.py", "\nfrom ..store.tables import ThreadRow  # noqa: E402,F401\n",
     "routes touch no table: api/ reaches the store through services BROKEN"),
    # a cycle: responses already imports voicekit
    ("realtime/voicekit.py", "\n\ndef _back():\n    from . import responses\n",
     "no import cycles among the server's modules and packages BROKEN"),
]


@pytest.mark.parametrize("module,added,broken", BREAKS, ids=["upward-in-function", "route-to-table", "cycle"])
def test_each_rule_fails_when_broken(tmp_path, module, added, broken):
    root = _copy(tmp_path)
    with open(root / "src/openbeta/server" / module, "a") as f:
        f.write(added)
    result = lint(root)
    assert result.returncode != 0 and broken in result.stdout, result.stdout


def cycles(modules: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan's algorithm, iteratively)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    found: list[list[str]] = []
    counter = 0
    for start in sorted(modules):
        if start in index:
            continue
        work = [(start, iter(sorted(modules[start])))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            for child in children:
                if child not in modules:
                    continue
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(modules[child]))))
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    component = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == node:
                            break
                    if len(component) > 1:
                        found.append(sorted(component))
    return found


def test_cycles_finds_a_cycle():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


def test_no_import_cycle_among_the_server_modules():
    """Module by module (a package's ``__init__`` counts as its own module), imports inside functions included."""
    code = ("import json, grimp; g = grimp.build_graph('openbeta', cache_dir=None); "
            "print(json.dumps({m: sorted(g.find_modules_directly_imported_by(m)) for m in g.modules "
            "if m.startswith('openbeta.server')}))")
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True,
                         timeout=300, check=True).stdout
    graph = {m: set(targets) for m, targets in json.loads(out).items()}
    assert "openbeta.server.runs.launch" in graph["openbeta.server.runs.engine"]  # the graph is the real one
    assert cycles(graph) == []
