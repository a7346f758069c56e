"""Bounds on what one caller can make a real server hold: unfinished headers and connections per client
(real sockets), ``/metrics`` behind the admin key, the ``Allow`` of a literal path, a cancel that ends a
run waiting on a stalled upstream, and a large ingestion that keeps the server answering in bounded memory.

Each test reproduces a report against a real ``openbeta serve`` process (tests/server_process.py).
"""

from __future__ import annotations

import json
import socket
import threading
import time

import httpx
import pytest

from server_process import rss_mib

ADMIN = "admin-bounds-key"


def _stalled(port: int, source: str = "127.0.0.1") -> socket.socket:
    """A connection that sends the start of a request and never finishes its headers."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=10, source_address=(source, 0))
    sock.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\nX-Slow: ")
    return sock


def _closed_within(sock: socket.socket, seconds: float) -> tuple[bool, bytes]:
    """Whether the server closed ``sock`` within ``seconds``, and what it sent before."""
    sock.settimeout(seconds)
    received = b""
    try:
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                return True, received
            received += chunk
    except socket.timeout:
        return False, received
    except ConnectionResetError:
        return True, received


@pytest.fixture(scope="module")
def edge_server(start_server):
    return start_server(OPENBETA_PROVIDER="scripted", OPENBETA_EMBEDDINGS="none",
                        OPENBETA_HEADER_TIMEOUT_SECONDS="2", OPENBETA_MAX_CONNECTIONS_PER_CLIENT="20",
                        OPENBETA_ADMIN_KEY=ADMIN)


def _port(server) -> int:
    return int(server.root_url.rsplit(":", 1)[1])


def test_unfinished_headers_time_out_with_408(edge_server):
    sock = _stalled(_port(edge_server))
    try:
        closed, answer = _closed_within(sock, 10)
    finally:
        sock.close()
    assert closed, "a request whose headers never finish is held open"
    assert answer.startswith(b"HTTP/1.1 408"), answer[:200]


def test_a_silent_connection_is_closed(edge_server):
    sock = socket.create_connection(("127.0.0.1", _port(edge_server)), timeout=10)
    try:
        closed, answer = _closed_within(sock, 10)
    finally:
        sock.close()
    assert closed and answer == b""


def test_connections_per_client_are_bounded_and_others_are_served(edge_server):
    """One address holding its 20 connections gets a 503 for the 21st; another address is served, and
    the stalled ones are closed by the header timeout, which frees the first address's slots."""
    port = _port(edge_server)
    held = [_stalled(port) for _ in range(20)]
    try:
        time.sleep(0.3)
        extra = socket.create_connection(("127.0.0.1", port), timeout=10)
        closed, answer = _closed_within(extra, 5)
        extra.close()
        assert closed and answer.startswith(b"HTTP/1.1 503"), answer[:200]
        # another client address (all of 127/8 is loopback) is unaffected
        other = socket.create_connection(("127.0.0.1", port), timeout=10, source_address=("127.0.0.2", 0))
        other.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        _, answer = _closed_within(other, 10)
        other.close()
        assert answer.startswith(b"HTTP/1.1 200"), answer[:200]
        for sock in held:
            closed, _ = _closed_within(sock, 10)
            assert closed
    finally:
        for sock in held:
            sock.close()
    time.sleep(0.3)
    assert httpx.get(edge_server.root_url + "/health", timeout=10).status_code == 200


def test_metrics_take_the_admin_key(edge_server):
    url = edge_server.root_url + "/metrics"
    missing = httpx.get(url, timeout=10)
    assert missing.status_code == 401 and missing.json()["error"]["code"] == "missing_api_key"
    wrong = httpx.get(url, headers={"Authorization": "Bearer sk-project"}, timeout=10)
    assert wrong.status_code == 401
    ok = httpx.get(url, headers={"Authorization": f"Bearer {ADMIN}"}, timeout=10)
    assert ok.status_code == 200 and "openbeta_runs" in ok.text


def test_metrics_without_an_admin_key_are_off_unless_opened(start_server):
    closed = start_server(OPENBETA_PROVIDER="scripted", OPENBETA_EMBEDDINGS="none")
    refused = httpx.get(closed.root_url + "/metrics", timeout=10)
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "metrics_disabled"
    scraper = start_server(OPENBETA_PROVIDER="scripted", OPENBETA_EMBEDDINGS="none",
                           OPENBETA_METRICS_TOKEN="prom-token")
    assert httpx.get(scraper.root_url + "/metrics", timeout=10).status_code == 401
    assert httpx.get(scraper.root_url + "/metrics", headers={"Authorization": "Bearer prom-token"},
                     timeout=10).status_code == 200
    public = start_server(OPENBETA_PROVIDER="scripted", OPENBETA_EMBEDDINGS="none", OPENBETA_PUBLIC_METRICS="true")
    assert httpx.get(public.root_url + "/metrics", timeout=10).status_code == 200


def test_allow_of_a_literal_path_names_its_own_methods(edge_server):
    answer = httpx.request("OPTIONS", edge_server.base_url + "/threads/runs", timeout=10)
    assert answer.status_code == 405
    assert answer.headers["allow"] == "POST"
    assert httpx.request("OPTIONS", edge_server.base_url + "/threads/thread_abc",
                         timeout=10).headers["allow"] == "DELETE, GET, POST"


def test_cancel_ends_a_run_waiting_on_a_stalled_upstream(start_server, loopback):
    """The upstream sends one chunk and then nothing (the timeout is 600 s): a cancel ends the run at once,
    and the thread takes a new message."""
    server = start_server(OPENBETA_PROVIDER="upstream", OPENBETA_UPSTREAM_BASE_URL=loopback.url("stall"),
                          OPENBETA_EMBEDDINGS="none")
    http = httpx.Client(base_url=server.base_url, timeout=30)
    assistant = http.post("/assistants", json={"model": "m"}).json()["id"]
    thread = http.post("/threads", json={"messages": [{"role": "user", "content": "hi"}]}).json()["id"]
    run = http.post(f"/threads/{thread}/runs", json={"assistant_id": assistant}).json()
    deadline = time.monotonic() + 30
    while http.get(f"/threads/{thread}/runs/{run['id']}").json()["status"] != "in_progress":
        assert time.monotonic() < deadline
        time.sleep(0.1)
    time.sleep(1.0)  # the first chunk is in; the upstream is silent now
    assert http.post(f"/threads/{thread}/runs/{run['id']}/cancel").status_code == 200
    deadline = time.monotonic() + 15
    status = None
    while time.monotonic() < deadline:
        status = http.get(f"/threads/{thread}/runs/{run['id']}").json()["status"]
        if status == "cancelled":
            break
        time.sleep(0.1)
    assert status == "cancelled", f"the run stays {status} while the upstream is stalled"
    added = http.post(f"/threads/{thread}/messages", json={"role": "user", "content": "again"})
    assert added.status_code == 200, added.text
    loopback.release.set()
    loopback.release.clear()


#: Bound on the server's peak memory growth while it ingests the file, and reads its text back (embeddings off).
INGEST_PEAK_GROWTH_MB = 300
#: The issue's bar: once the file is ingested, the server is back within this share of its warmed-up size.
RETURN_SHARE = 0.10
#: A liveness bound, not a speed claim: a frozen event loop (40 s in the report) fails it, scheduling on a
#: loaded machine does not. Measured times are in bench/README.md ("Ingesting one large text file").
HEALTH_SECONDS = 20.0


def _ingested(http: httpx.Client, store: str, seconds: float = 900) -> dict:
    deadline = time.monotonic() + seconds
    while True:
        counts = http.get(f"/vector_stores/{store}").json()["file_counts"]
        if counts["completed"] + counts["failed"] >= 1:
            return counts
        assert time.monotonic() < deadline, "ingestion did not finish"
        time.sleep(0.5)


def test_large_ingestion_keeps_the_server_answering_in_bounded_memory(start_server, tmp_path):
    """The report's 33 MB text file: the server keeps answering while it is ingested, grows by a bounded
    amount, returns to within 10% of its warmed-up size, and gives the whole text back."""
    server = start_server(OPENBETA_PROVIDER="scripted", OPENBETA_EMBEDDINGS="none")
    http = httpx.Client(base_url=server.base_url, timeout=120)
    pid = server.process.pid
    # warm up: a small file loads the tokenizer and opens the database connections a large one uses
    small = http.post("/files", files={"file": ("small.txt", b"Pears and plums. " * 2000)},
                      data={"purpose": "assistants"}).json()["id"]
    assert _ingested(http, http.post("/vector_stores", json={"file_ids": [small]}).json()["id"])["completed"] == 1
    sentence = b"The harvest of %d brought quinces, pears and a great many plums to the valley. "
    path = tmp_path / "big.txt"
    with open(path, "wb") as f:
        i = 0
        while f.tell() < 33 * 1024 * 1024:
            f.write(b"".join(sentence % (i + k) for k in range(1000)) + b"\n")
            i += 1000
    with open(path, "rb") as f:
        file_id = http.post("/files", files={"file": ("big.txt", f)}, data={"purpose": "assistants"}).json()["id"]
    time.sleep(1.0)
    start_rss = rss_mib(pid)
    start_peak = rss_mib(pid, "VmHWM")
    store = http.post("/vector_stores", json={"file_ids": [file_id]}).json()["id"]
    slowest = 0.0
    probes = 0
    stop = threading.Event()
    health_errors: list[str] = []

    def probe() -> None:
        nonlocal slowest, probes
        while not stop.is_set():
            began = time.monotonic()
            try:
                httpx.get(server.root_url + "/health", timeout=60).raise_for_status()
            except Exception as exc:  # noqa: BLE001
                health_errors.append(repr(exc))
            slowest = max(slowest, time.monotonic() - began)
            probes += 1
            time.sleep(0.1)

    prober = threading.Thread(target=probe)
    prober.start()
    try:
        counts = _ingested(http, store)
    finally:
        stop.set()
        prober.join()
    assert counts["completed"] == 1, http.get(f"/vector_stores/{store}/files/{file_id}").json()
    assert not health_errors, health_errors[:3]
    assert probes > 10 and slowest < HEALTH_SECONDS, f"/health took {slowest:.1f} s during the ingestion"
    peak_growth_mb = rss_mib(pid, "VmHWM") - max(start_peak, start_rss)
    assert peak_growth_mb < INGEST_PEAK_GROWTH_MB, f"peak memory grew by {peak_growth_mb:.0f} MB"
    limit = start_rss * (1 + RETURN_SHARE)
    deadline = time.monotonic() + 30
    while rss_mib(pid) > limit and time.monotonic() < deadline:
        time.sleep(0.5)
    after = rss_mib(pid)
    print(f"warmed up {start_rss:.0f} MB, peak +{peak_growth_mb:.0f} MB, after {after:.0f} MB; slowest /health "
          f"{slowest:.2f} s of {probes}")
    assert after <= limit, f"{after:.0f} MB after the ingestion, {start_rss:.0f} MB before (limit {limit:.0f} MB)"
    hits = http.post(f"/vector_stores/{store}/search", json={"query": "quinces harvest 1234567"}).json()["data"]
    assert hits and hits[0]["file_id"] == file_id
    # the whole text comes back, streamed from its stored pieces
    with http.stream("GET", f"/vector_stores/{store}/files/{file_id}/content") as answer:
        assert answer.status_code == 200 and answer.headers["content-type"] == "application/json"
        page = json.loads(answer.read())
    assert page["object"] == "vector_store.file_content.page" and not page["has_more"]
    assert [part["type"] for part in page["data"]] == ["text"]
    assert page["data"][0]["text"] == path.read_text().strip()
    peak_growth_mb = rss_mib(pid, "VmHWM") - max(start_peak, start_rss)
    assert peak_growth_mb < INGEST_PEAK_GROWTH_MB, f"reading the text back: peak memory grew by {peak_growth_mb:.0f} MB"
