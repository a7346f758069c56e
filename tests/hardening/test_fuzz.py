"""Schemathesis over OpenAI's spec against a live server: a bounded number of generated
requests per operation (valid and invalid), and no answer may be a 5xx. Answers of the
built operations must match the spec's response schemas, except the deviations the
README lists (``DEVIATIONS`` here)."""

from __future__ import annotations

import os

import pytest

from hardening_helpers import spec_document, with_deviations

schemathesis = pytest.importorskip("schemathesis")
from hypothesis import HealthCheck, settings  # noqa: E402
from schemathesis.checks import not_a_server_error, response_schema_conformance  # noqa: E402

EXAMPLES = int(os.environ.get("OPENBETA_FUZZ_EXAMPLES", "6"))
#: Checked for no 5xx only: chatkit's REST face answers in its own shapes (the README's ChatKit section).
NO_SCHEMA_CHECK = ("/chatkit/",)


@pytest.fixture(scope="module")
def fuzz_server(tmp_path_factory):
    """The app served over real HTTP (uvicorn in a thread) on SQLite."""
    from hardening_helpers import ThreadedServer
    from openbeta.server.app import create_app
    from openbeta.server.settings import Settings

    app = create_app(Settings(data_dir=tmp_path_factory.mktemp("fuzz"), provider="scripted", embeddings="none"))
    with ThreadedServer(app) as server:
        yield f"http://127.0.0.1:{server.port}/v1"


@pytest.fixture(scope="module")
def spec_schema():
    return schemathesis.openapi.from_dict(with_deviations(spec_document()))


schema = schemathesis.pytest.from_fixture("spec_schema")


@schema.parametrize()
@settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
          suppress_health_check=list(HealthCheck))
def test_no_server_errors_and_spec_shaped_answers(case, fuzz_server):
    checks = [not_a_server_error]
    if not any(part in case.operation.path for part in NO_SCHEMA_CHECK):
        checks.append(response_schema_conformance)
    case.call_and_validate(base_url=fuzz_server, checks=checks, timeout=30)
