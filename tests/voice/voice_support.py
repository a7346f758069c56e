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
