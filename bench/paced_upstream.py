"""An OpenAI-compatible chat completions server that streams at a fixed pace, with no model.

    python bench/paced_upstream.py --port 8100 [--chunks 20] [--interval-ms 10]

Every request gets ``chunks`` content chunks, ``interval_ms`` apart (the first at
once), then the finish and usage chunks and ``[DONE]``: a fast, deterministic
upstream, so what a benchmark measures is the time spent in front of it.
"""

from __future__ import annotations

import argparse
import asyncio
import json
from typing import AsyncIterator

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import StreamingResponse
from starlette.routing import Route


def chunk(delta: dict, finish: object = None) -> str:
    body = {"id": "chatcmpl-paced", "object": "chat.completion.chunk", "created": 0, "model": "paced",
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}
    return f"data: {json.dumps(body)}\n\n"


def app(chunks: int, interval: float) -> Starlette:
    async def events() -> AsyncIterator[str]:
        yield chunk({"role": "assistant", "content": ""})
        for i in range(chunks):
            if i:
                await asyncio.sleep(interval)
            yield chunk({"content": f"tok{i} "})
        yield chunk({}, finish="stop")
        usage = {"prompt_tokens": 10, "completion_tokens": chunks, "total_tokens": 10 + chunks}
        yield "data: " + json.dumps({"id": "chatcmpl-paced", "object": "chat.completion.chunk", "created": 0,
                                     "model": "paced", "choices": [], "usage": usage}) + "\n\n"
        yield "data: [DONE]\n\n"

    async def completions(request: Request) -> StreamingResponse:
        await request.body()
        return StreamingResponse(events(), media_type="text/event-stream")

    return Starlette(routes=[Route("/v1/chat/completions", completions, methods=["POST"])])


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--chunks", type=int, default=20)
    parser.add_argument("--interval-ms", type=float, default=10.0)
    options = parser.parse_args()
    uvicorn.run(app(options.chunks, options.interval_ms / 1000), host="127.0.0.1", port=options.port,
                log_level="warning", access_log=False, backlog=2048)
