"""Time to first token through an openbeta Responses stream vs a run stream vs the same upstream called directly.

    python bench/responses_ttft.py [--runs 300] [--llama-runs 30] [--no-llama] [--baseline OTHER/src]

The machinery of ``bench/run_ttft.py`` (same upstreams, warm-up, alternation, percentiles), with two ways
through each openbeta server measured in the same rounds:

``responses``: ``POST /v1/responses`` with ``stream: true`` (a fresh response each call, stored as by
default), until the first ``response.output_text.delta``, read to ``data: [DONE]``.
``runs``: the run stream of ``run_ttft.py`` (``POST /v1/threads/{id}/runs``, until the first
``thread.message.delta``), for comparison.
"""

from __future__ import annotations

import time
from typing import Callable

import httpx

from run_ttft import PROMPT, main, through_openbeta


def through_responses(client: httpx.Client, base: str) -> Callable[[], float]:
    def once() -> float:
        body = {"model": "smollm2", "input": PROMPT, "stream": True, "max_output_tokens": 256, "temperature": 0}
        start = time.perf_counter()
        first = None
        last = None
        with client.stream("POST", base + "/responses", json=body) as response:
            for line in response.iter_lines():
                if line.startswith("event: "):
                    if first is None and line[7:] == "response.output_text.delta":
                        first = time.perf_counter() - start
                elif line.startswith("data: "):
                    last = line[6:]
        assert first is not None and last == "[DONE]", last
        return first

    return once


if __name__ == "__main__":
    main({"responses": through_responses, "runs": through_openbeta}, __doc__.splitlines()[0])
