"""A server and a browser for the console tests: Debian's chromium driven by Playwright (never a downloaded browser)."""

from __future__ import annotations

import os
import shutil
import time
from typing import Any

import pytest

CHROMIUM = os.environ.get("OPENBETA_TEST_CHROMIUM", "/usr/bin/chromium")
KEY = "sk-console-test-key"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
#: The scripted model, a required key, lexical search (no embedding model to load), no voice models.
SERVER_ENV = {"OPENBETA_PROVIDER": "scripted", "OPENBETA_API_KEYS": KEY, "OPENBETA_EMBEDDINGS": "none",
              "OPENBETA_VOICE": "none"}


def sync_playwright() -> Any:
    """Playwright's sync API, or a clean skip when it or chromium is not installed."""
    module = pytest.importorskip("playwright.sync_api", reason="playwright is not installed (the test extra)")
    if not (os.path.exists(CHROMIUM) or shutil.which(CHROMIUM)):
        pytest.skip(f"chromium is not installed at {CHROMIUM} (apt-get install chromium)")
    return module.sync_playwright


class Watched:
    """A page whose requests and console errors are recorded."""

    def __init__(self, page: Any, origin: str) -> None:
        self.page, self.origin = page, origin
        self.foreign: list[str] = []
        self.errors: list[str] = []
        self.allowed_errors: list[str] = []
        page.on("request", self._request)
        page.on("console", lambda m: m.type == "error" and self.errors.append(m.text))
        page.on("pageerror", lambda e: self.errors.append(f"pageerror: {e}"))

    def _request(self, request: Any) -> None:
        url = request.url
        if not (url.startswith(self.origin + "/") or url.startswith(("data:", "blob:"))):
            self.foreign.append(url)

    def check(self) -> None:
        assert self.foreign == [], f"requests left the origin: {self.foreign}"
        errors = [e for e in self.errors if not any(a in e for a in self.allowed_errors)]
        assert errors == [], f"console errors: {errors}"


def ingested_store(api: Any, name: str, filename: str, text: bytes) -> tuple[dict[str, Any], dict[str, Any]]:
    """(a file uploaded through ``api``, a vector store ``name`` holding it), once the file is ingested."""
    file = api.post("/files", files={"file": (filename, text)}, data={"purpose": "assistants"}).json()
    store = api.post("/vector_stores", json={"name": name, "file_ids": [file["id"]]}).json()
    deadline = time.monotonic() + 20
    while api.get(f"/vector_stores/{store['id']}").json()["file_counts"]["completed"] < 1:
        assert time.monotonic() < deadline, "ingestion did not finish"
        time.sleep(0.1)
    return file, store
