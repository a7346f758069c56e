"""Schemathesis over OpenAI's spec against a live server, on SQLite and PostgreSQL: a bounded
number of generated requests per operation (valid and invalid), then a bounded stateful phase
that follows the links schemathesis infers from the spec (an object a create answers is then
read, changed, listed under and deleted). No answer may be a 5xx, and answers of the built
operations must match the spec's response schemas, except the deviations the README lists
(``DEVIATIONS`` in :mod:`hardening_helpers`)."""

from __future__ import annotations

import os
from typing import Any

import pytest

from hardening_helpers import spec_document, with_deviations

schemathesis = pytest.importorskip("schemathesis")

#: Generated requests per operation (valid and invalid) in the first phase.
EXAMPLES = int(os.environ.get("OPENBETA_FUZZ_EXAMPLES", "8"))
#: Scenarios of the stateful phase, and the most calls in one.
SCENARIOS = int(os.environ.get("OPENBETA_FUZZ_SCENARIOS", "60"))
STEPS = int(os.environ.get("OPENBETA_FUZZ_STEPS", "8"))


@pytest.fixture(scope="module")
def fuzz_server(request, tmp_path_factory, db_kind):
    """The app served over real HTTP (uvicorn in a thread), on a fresh database of ``db_kind``."""
    from hardening_helpers import ThreadedServer
    from openbeta.server.app import create_app
    from openbeta.server.settings import Settings
    from server_process import fresh_postgres_database

    url = fresh_postgres_database(request.getfixturevalue("postgres_url")) if db_kind == "postgresql" else None
    app = create_app(Settings(data_dir=tmp_path_factory.mktemp("fuzz"), database_url=url, provider="scripted",
                              embeddings="none"))
    with ThreadedServer(app) as server:
        yield f"http://127.0.0.1:{server.port}/v1"


def engine_config(base_url: str, phase: str, examples: int) -> Any:
    """Schemathesis' engine running one ``phase`` (``fuzzing``: each operation alone; ``stateful``: sequences
    along links), deterministic, checking every answer for no 5xx and the spec's response schema.
    (The engine, unlike a bare Hypothesis run, restarts a stateful scenario whose replay differs because
    the server's state moved on.)"""
    from schemathesis.config import SchemathesisConfig

    return SchemathesisConfig.from_dict({
        "base-url": base_url, "request-timeout": 30,
        "generation": {"max-examples": examples, "deterministic": True, "database": "none"},
        "phases": {name: {"enabled": name == phase} for name in ("examples", "coverage", "fuzzing", "stateful")}
        | {"stateful": {"enabled": phase == "stateful", "max-steps": STEPS}},
        "checks": {"enabled": False, "not_a_server_error": {"enabled": True},
                   "response_schema_conformance": {"enabled": True}},
    })


def run_engine(base_url: str, phase: str, examples: int) -> tuple[list[str], dict[str, int]]:
    """Failures (checks that failed, errors) and counts: ``calls``, ``operations`` called, and ``followed``
    (calls built from an earlier answer that found what they named)."""
    from schemathesis.engine import events, from_schema

    schema = schemathesis.openapi.from_dict(with_deviations(spec_document()),
                                            config=engine_config(base_url, phase, examples))
    failures: list[str] = []
    counts = {"calls": 0, "followed": 0}
    operations: set[str] = set()
    for event in from_schema(schema).execute():
        if isinstance(event, (events.NonFatalError, events.FatalError)):
            failures.append(f"{type(event).__name__}: {getattr(event, 'error', None) or event}")
        if not isinstance(event, events.ScenarioFinished):
            continue
        recorder = event.recorder
        for case_id, interaction in recorder.interactions.items():
            node = recorder.cases[case_id]
            counts["calls"] += 1
            operations.add(node.value.operation.label)
            if node.is_transition_applied and interaction.response is not None \
                    and interaction.response.status_code < 300:
                counts["followed"] += 1
        for case_id, checks in recorder.checks.items():
            for check in checks:
                if check.failure_info is not None:
                    case = recorder.cases[case_id].value
                    failures.append(f"{check.name} {case.operation.label} (query {case.query}, body "
                                    f"{str(case.body)[:300]}): {check.failure_info.failure}")
    counts["operations"] = len(operations)
    return failures, counts


def test_no_server_errors_and_spec_shaped_answers(fuzz_server):
    """Every operation of the spec alone, ``OPENBETA_FUZZ_EXAMPLES`` generated requests each."""
    failures, counts = run_engine(fuzz_server, "fuzzing", EXAMPLES)
    assert not failures, "\n\n".join(failures[:10])
    assert counts["operations"] >= 50, counts


def test_stateful_sequences_along_inferred_links(fuzz_server):
    """Sequences of calls in which each takes ids from an earlier answer, along the links schemathesis
    infers from the spec (a create's ``id`` to the retrieve, modify, delete and sub-resources, a list's
    ``data[*].id`` likewise): no 5xx and spec-shaped answers all along."""
    failures, counts = run_engine(fuzz_server, "stateful", SCENARIOS)
    assert not failures, "\n\n".join(failures[:10])
    # How many scenarios reach an existing object varies with timing (the engine restarts scenarios whose
    # replay differs); a handful shows the phase is not vacuous (8 to 30 of about 120 calls were seen).
    assert counts["followed"] >= 3, f"too few calls followed a link to an existing object: {counts}"
