"""Several ``openbeta serve`` replicas on ONE PostgreSQL database, sharing files through an S3 API server
(moto's, offline). PostgreSQL only (``postgres_url``: ``OPENBETA_TEST_POSTGRES_URL`` or the suite's throwaway
cluster); skipped when neither can be had."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable, Iterator

import pytest

LEASE_SECONDS = "2"
ROOT_CONFTEST = Path(__file__).resolve().parent.parent / "conftest.py"


@pytest.fixture(scope="session")
def shared(request):
    """``tests/conftest.py`` as loaded by pytest (``launch``, ``fresh_postgres_database``, ``SRC`` ...)."""
    for plugin in request.config.pluginmanager.get_plugins():
        if getattr(plugin, "__file__", None) and Path(plugin.__file__).resolve() == ROOT_CONFTEST:
            return plugin
    raise RuntimeError("tests/conftest.py is not loaded")


def pytest_collection_modifyitems(items) -> None:
    """Tests of several replicas (on the ``cluster_env``, ``replica`` or ``trio`` fixtures) need PostgreSQL."""
    from server_process import postgres_unavailable

    unavailable = postgres_unavailable()
    if not unavailable:
        return
    skip = pytest.mark.skip(reason=f"several replicas need PostgreSQL. {unavailable}")
    for item in items:
        if {"cluster_env", "replica", "trio"} & set(getattr(item, "fixturenames", ())):
            item.add_marker(skip)


@pytest.fixture(scope="session")
def s3(shared) -> Iterator[dict[str, str]]:
    """An S3 API server (moto, in this process) with one bucket; the ``OPENBETA_FILES_*`` settings for it."""
    boto3 = pytest.importorskip("boto3")
    moto_server = pytest.importorskip("moto.server")
    port = shared.free_port()
    server = moto_server.ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    endpoint = f"http://127.0.0.1:{port}"
    boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id="test",
                 aws_secret_access_key="test").create_bucket(Bucket="openbeta")
    try:
        yield {"OPENBETA_FILES_URL": "s3://openbeta/files", "OPENBETA_FILES_S3_ENDPOINT_URL": endpoint,
               "OPENBETA_FILES_S3_REGION": "us-east-1", "OPENBETA_FILES_S3_ACCESS_KEY_ID": "test",
               "OPENBETA_FILES_S3_SECRET_ACCESS_KEY": "test"}
    finally:
        server.stop()


@pytest.fixture(scope="module")
def cluster_env(s3, shared, postgres_url) -> dict[str, str]:
    """The settings every replica of one test module shares: one fresh database, the S3 store, short leases."""
    return {"OPENBETA_DATABASE_URL": shared.fresh_postgres_database(postgres_url), "OPENBETA_PROVIDER": "scripted",
            "OPENBETA_LEASE_SECONDS": LEASE_SECONDS, "OPENBETA_EMBEDDINGS": "none", "OPENBETA_PUBLIC_METRICS": "true",
            **s3}


@pytest.fixture(scope="module")
def replica(cluster_env, tmp_path_factory, shared) -> Iterator[Callable[..., Any]]:
    """``replica(**env)`` -> one more server on the module's database (stopped at the module's end)."""
    started: list[Any] = []

    def start(**env: str) -> Any:
        server = shared.launch(tmp_path_factory.mktemp("replica"), {**cluster_env, **env})
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


@pytest.fixture(scope="module")
def trio(replica) -> list[Any]:
    """Three replicas, started together on one empty database (their migrations take turns)."""
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(3) as pool:
        return list(pool.map(lambda _: replica(), range(3)))
