"""Any OpenAI-compatible chat completions server as the model.

Requests go to ``{base_url}/chat/completions`` with ``stream: true`` and
``stream_options.include_usage``; chunks become :class:`Delta`. Upstreams that
send no usage chunk (llama.cpp's server, for one) get usage counted here with
:mod:`.tokens`. HTTP 429 maps to ``rate_limit_exceeded``; every other failure
(status, timeout, broken stream, error event) to ``server_error``.
"""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any, AsyncIterator, Optional

import httpx
from httpx_sse import EventSource, SSEError

from . import tokens
from .base import ChatRequest, Delta, FinishReason, ProviderError, ToolCallDelta, Usage

log = logging.getLogger("openbeta.providers.upstream")

CONNECT_TIMEOUT = 10.0
#: The largest model list (``GET /models``) read from the upstream.
MAX_MODEL_LIST_BYTES = 1_000_000
#: Requests in flight to the upstream at once; more wait their turn here. The HTTP
#: pool gets as many connections, so it never queues (its queue scan grows with the
#: square of its length: hundreds of waiting streams would eat the CPU).
MAX_CONCURRENT = 512
#: Idle connections kept for reuse (the pool's scans also grow with this).
KEEPALIVE = 64
FINISH_REASONS = {"stop", "length", "tool_calls", "content_filter"}


class UpstreamProvider:
    """Chat completions over HTTP, one pooled ``httpx.AsyncClient`` per provider."""

    name = "upstream"
    #: The upstream server answers for its own context limits.
    context_size: Optional[int] = None

    def __init__(self, base_url: str, api_key: Optional[str] = None, *,
                 model_map: Optional[dict[str, str]] = None, timeout: float = 600.0,
                 transport: Optional[httpx.AsyncBaseTransport] = None) -> None:
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self.model_map = dict(model_map or {})
        self._client = httpx.AsyncClient(
            base_url=base_url.rstrip("/") + "/", headers=headers, transport=transport,
            timeout=httpx.Timeout(timeout, connect=min(CONNECT_TIMEOUT, timeout)),
            limits=httpx.Limits(max_connections=MAX_CONCURRENT, max_keepalive_connections=KEEPALIVE),
        )
        self._slots = asyncio.Semaphore(MAX_CONCURRENT)

    def upstream_model(self, model: str) -> str:
        return self.model_map.get(model, model)

    def payload(self, request: ChatRequest) -> dict[str, Any]:
        """The chat completions body for ``request`` (unset options left out)."""
        body: dict[str, Any] = {
            "model": self.upstream_model(request.model),
            "messages": request.messages,
            "stream": True,
            "stream_options": {"include_usage": True},
        }
        if request.tools:
            body["tools"] = request.tools
            body["parallel_tool_calls"] = request.parallel_tool_calls
            if request.tool_choice is not None:
                body["tool_choice"] = request.tool_choice
        for key in ("temperature", "top_p", "max_tokens", "response_format"):
            value = getattr(request, key)
            if value is not None:
                body[key] = value
        return body

    async def stream(self, request: ChatRequest) -> AsyncIterator[Delta]:
        finish: Optional[FinishReason] = None
        usage: Optional[Usage] = None
        done = False
        produced: list[str] = []
        started: dict[int, set[str]] = {}  # per tool-call index: which of id/name were passed on
        try:
            async with self._slots, self._client.stream("POST", "chat/completions", json=self.payload(request),
                                                        headers={"Accept": "text/event-stream"}) as response:
                if response.status_code >= 400:
                    await response.aread()
                    raise _status_error(response)
                async for event in EventSource(response).aiter_sse():
                    if event.data.strip() == "[DONE]":
                        done = True
                        break
                    chunk = _parse_chunk(event.data)
                    if chunk.get("usage"):
                        usage = Usage(int(chunk["usage"].get("prompt_tokens") or 0),
                                      int(chunk["usage"].get("completion_tokens") or 0))
                    for choice in chunk.get("choices") or []:
                        delta = _delta(choice.get("delta") or {}, started)
                        if delta.text or delta.tool_calls:
                            produced.append(delta.text + "".join(
                                (c.name or "") + c.arguments for c in delta.tool_calls))
                            yield delta
                        reason = choice.get("finish_reason")
                        if reason:
                            finish = reason if reason in FINISH_REASONS else "stop"
        except httpx.TimeoutException as exc:
            raise ProviderError(f"The upstream model server timed out ({type(exc).__name__}).") from exc
        except (httpx.HTTPError, SSEError) as exc:
            raise ProviderError(f"The upstream model server failed: {exc or type(exc).__name__}.") from exc
        if finish is None and not done:
            raise ProviderError("The upstream model server closed the stream before it finished.")
        if usage is None:
            usage = Usage(self.count_tokens(request),
                          tokens.count_text(self.upstream_model(request.model), "".join(produced)))
        yield Delta(finish_reason=finish or "stop", usage=usage)

    async def models(self) -> list[str]:
        """The names of ``OPENBETA_UPSTREAM_MODEL_MAP``, then the upstream's own ``GET /models`` (within
        the connect timeout and 10 s; on failure, only the map's names, and a warning in the log)."""
        names = list(self.model_map)
        try:
            body = bytearray()
            async with self._client.stream("GET", "models",
                                           timeout=httpx.Timeout(10.0, connect=CONNECT_TIMEOUT)) as response:
                response.raise_for_status()
                async for piece in response.aiter_bytes():
                    body += piece
                    if len(body) > MAX_MODEL_LIST_BYTES:
                        raise ValueError(f"the list is over {MAX_MODEL_LIST_BYTES} bytes")
            listed = json.loads(body).get("data") or []
            names += [m["id"][:256] for m in listed[:1000] if isinstance(m, dict) and isinstance(m.get("id"), str)]
        except (httpx.HTTPError, ValueError, AttributeError, TypeError) as exc:
            log.warning("the upstream model server's model list is not available: %s", exc or type(exc).__name__)
        return list(dict.fromkeys(names))

    def count_tokens(self, request: ChatRequest) -> int:
        counted = ChatRequest(**{**request.__dict__, "model": self.upstream_model(request.model)})
        return tokens.count_chat(counted)

    async def aclose(self) -> None:
        await self._client.aclose()


def _parse_chunk(data: str) -> dict[str, Any]:
    try:
        chunk = json.loads(data)
    except json.JSONDecodeError as exc:
        raise ProviderError(f"The upstream model server sent an unreadable event: {data[:200]!r}.") from exc
    if not isinstance(chunk, dict):
        raise ProviderError(f"The upstream model server sent an unexpected event: {data[:200]!r}.")
    if chunk.get("error"):
        raise ProviderError(f"The upstream model server failed: {_error_message(chunk)}")
    return chunk


def _delta(delta: dict[str, Any], started: dict[int, set[str]]) -> Delta:
    """A chunk's delta; a call's id and name passed on once (some servers repeat them)."""
    calls = []
    for call in delta.get("tool_calls") or []:
        function = call.get("function") or {}
        given = started.setdefault(int(call.get("index", 0)), set())
        once = {key: value for key, value in (("id", call.get("id")), ("name", function.get("name")))
                if value and key not in given}
        given.update(once)
        calls.append(ToolCallDelta(index=int(call.get("index", 0)), id=once.get("id"), name=once.get("name"),
                                   arguments=function.get("arguments") or ""))
    return Delta(text=delta.get("content") or "", tool_calls=calls)


def _error_message(body: Any) -> str:
    if isinstance(body, dict):
        error = body.get("error", body)
        if isinstance(error, dict):
            return str(error.get("message") or error)
        return str(error)
    return str(body)


def _status_error(response: httpx.Response) -> ProviderError:
    try:
        detail = _error_message(response.json())
    except ValueError:
        detail = response.text[:500] or response.reason_phrase
    message = f"The upstream model server answered {response.status_code}: {detail}"
    if response.status_code == 429:
        return ProviderError(message, code="rate_limit_exceeded")
    return ProviderError(message)
