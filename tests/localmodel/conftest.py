"""Fixtures for the local model tests: the official SDK on the shared scripted server."""

from __future__ import annotations

import sys
from pathlib import Path

import openai
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "files"))


@pytest.fixture(scope="session")
def sdk(live_server) -> openai.OpenAI:
    return openai.OpenAI(base_url=live_server.base_url, api_key="test", max_retries=0)
