"""Helpers the voice tests share."""

from __future__ import annotations

import asyncio
import re
from typing import Any

QUESTION = "What is the capital of France? Please answer in one word."


def run(coro: Any) -> Any:
    return asyncio.run(coro)


async def collect(agen: Any) -> list:
    return [item async for item in agen]


def words(text: str) -> list[str]:
    return re.findall(r"[a-z]+", text.lower())


def heard_share(said: str, heard: str) -> float:
    """The share of the words of ``said`` found in ``heard`` (Piper's prosody varies from run to run, and
    Whisper base sometimes mishears a word of it)."""
    expected, got = words(said), set(words(heard))
    return sum(w in got for w in expected) / len(expected)
