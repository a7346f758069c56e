"""Mistakes ``mypy`` must report: each line marked ``# E`` is an error (see tests/sdk/test_typing.py)."""

from __future__ import annotations

from openbeta import AsyncOpenBeta
from openbeta.types.assistant import Assistant


async def main(client: AsyncOpenBeta) -> None:
    not_awaited: Assistant = client.beta.assistants.create(model="m")  # E
    await client.beta.assistants.create(model=3)  # E
    store = await client.vector_stores.create(name="s")
    store.no_such_field  # E
