"""A server and a browser for the console tests: Debian's chromium driven by Playwright (never a downloaded browser)."""

from __future__ import annotations

import os
import shutil
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
