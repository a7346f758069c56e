"""Helpers shared by the hardening tests."""

from __future__ import annotations

import json
from typing import Any

import pytest
from server_process import SPEC_DIR

SPEC = SPEC_DIR / "openapi-beta.json"

#: (schema, property) the server sends as ``null`` where the spec's schema has no null, as
#: OpenAI's own API does (the README lists them): an empty page's ``first_id``/``last_id``;
#: a file's ``status_details`` and ``expires_at`` when it has none.
DEVIATIONS = [(name, prop) for name in ("ListAssistantsResponse", "ListFilesResponse", "ListMessagesResponse",
                                        "ListRunsResponse", "ListRunStepsResponse", "ListVectorStoresResponse",
                                        "ListVectorStoreFilesResponse") for prop in ("first_id", "last_id")]
DEVIATIONS += [("OpenAIFile", "status_details"), ("OpenAIFile", "expires_at")]

#: The spec lets a file be uploaded with purpose ``evals`` but its file object's enum lacks it.
ECHOED_PURPOSES = ["evals"]

#: Discriminators the spec gives without a ``mapping``: OpenAPI then expects each schema's *name* as the
#: value, where OpenAI's API (and this server) send the ``type`` the schemas' own enums hold.
DISCRIMINATOR_MAPPINGS = {
    ("RealtimeCreateClientSecretResponse", "session"): {
        "realtime": "#/components/schemas/RealtimeSessionCreateResponseGA",
        "transcription": "#/components/schemas/RealtimeTranscriptionSessionCreateResponseGA"},
}


def spec_document() -> dict[str, Any]:
    """OpenAI's spec (``openapi-beta.json``) as a dict; skips the test when it is not there."""
    if not SPEC.is_file():
        pytest.skip("OpenAI spec not available")
    return json.loads(SPEC.read_text())


def with_deviations(spec: dict) -> dict:
    """The spec with each documented deviation allowed, and the discriminator mappings it means."""
    schemas = spec["components"]["schemas"]
    for name, prop in DEVIATIONS:
        if name in schemas and prop in schemas[name].get("properties", {}):
            schemas[name]["properties"][prop]["nullable"] = True
    purpose = schemas.get("OpenAIFile", {}).get("properties", {}).get("purpose", {})
    if "enum" in purpose:
        purpose["enum"] = purpose["enum"] + [p for p in ECHOED_PURPOSES if p not in purpose["enum"]]
    for (name, prop), mapping in DISCRIMINATOR_MAPPINGS.items():
        discriminator = schemas.get(name, {}).get("properties", {}).get(prop, {}).get("discriminator")
        if discriminator is not None and "mapping" not in discriminator:
            discriminator["mapping"] = mapping
    return spec


def assert_error(response, status: int, param=None, code=None, type: str = "invalid_request_error") -> dict:
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert set(error) == {"message", "type", "param", "code"}
    assert error["type"] == type
    assert error["param"] == param
    if code is not None:
        assert error["code"] == code
    return error


class ThreadedServer:
    """``uvicorn`` serving ``app`` on a loopback port in a thread (for raw-socket tests)."""

    def __init__(self, app) -> None:
        import socket
        import threading

        import uvicorn

        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port = sock.getsockname()[1]
        self.server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning",
                                                    lifespan="on"))
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> "ThreadedServer":
        import time

        self.thread.start()
        deadline = time.monotonic() + 30
        while not self.server.started:
            assert self.thread.is_alive() and time.monotonic() < deadline, "uvicorn did not start"
            time.sleep(0.02)
        return self

    def __exit__(self, *exc) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=15)

    def exchange(self, request: bytes, *, timeout: float = 10.0) -> tuple[bytes, bool]:
        """Send raw ``request``; return everything answered and whether the server closed the connection."""
        import socket
        import time

        with socket.create_connection(("127.0.0.1", self.port), timeout=timeout) as sock:
            sock.sendall(request)
            received = b""
            deadline = time.monotonic() + timeout
            while time.monotonic() < deadline:
                try:
                    chunk = sock.recv(65536)
                except socket.timeout:
                    return received, False
                if not chunk:
                    return received, True
                received += chunk
                head, _, rest = received.partition(b"\r\n\r\n")
                length = [int(line.split(b":")[1]) for line in head.split(b"\r\n")
                          if line.lower().startswith(b"content-length:")]
                if length and len(rest) >= length[0]:
                    sock.settimeout(1.0)  # the whole answer is in: does the server close?
            return received, False


def parse_response(raw: bytes) -> tuple[int, dict[str, str], bytes]:
    head, _, body = raw.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return int(lines[0].split()[1]), headers, body
