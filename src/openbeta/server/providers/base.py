"""The provider interface.

A :class:`ChatRequest` is an OpenAI chat-completions request in all but name
(``messages`` in chat format: ``system``/``user``/``assistant`` with
``tool_calls``/``tool``). A provider answers with an async stream of
:class:`Delta`: text fragments, tool-call fragments (indexed, arguments arriving
in pieces, exactly like chat-completion chunks), then one final delta with the
``finish_reason`` and ``usage``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, AsyncIterator, Literal, Optional, Protocol

FinishReason = Literal["stop", "length", "tool_calls", "content_filter"]


@dataclass
class ChatRequest:
    model: str
    messages: list[dict[str, Any]]
    tools: list[dict[str, Any]] = field(default_factory=list)  # chat-completions function tools
    tool_choice: Any = None  # "none" | "auto" | "required" | {"type": "function", "function": {"name"}}
    parallel_tool_calls: bool = True
    temperature: Optional[float] = None
    top_p: Optional[float] = None
    max_tokens: Optional[int] = None
    response_format: Optional[dict[str, Any]] = None  # {"type": "json_object"} | {"type": "json_schema", ...}


@dataclass
class ToolCallDelta:
    index: int
    id: Optional[str] = None
    name: Optional[str] = None
    arguments: str = ""  # a fragment, to be concatenated


@dataclass
class Usage:
    prompt_tokens: int = 0
    completion_tokens: int = 0

    @property
    def total_tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens


@dataclass
class Delta:
    text: str = ""
    tool_calls: list[ToolCallDelta] = field(default_factory=list)
    finish_reason: Optional[FinishReason] = None
    usage: Optional[Usage] = None
    #: With ``finish_reason: length``: ``context`` when the model's context window filled up
    #: (rather than ``max_tokens`` being reached).
    length_cause: Optional[Literal["max_tokens", "context"]] = None


class ProviderError(Exception):
    """A model call failed. ``code`` is the run's ``last_error.code``."""

    def __init__(self, message: str, code: Literal["server_error", "rate_limit_exceeded", "invalid_prompt"] = "server_error") -> None:
        super().__init__(message)
        self.message = message
        self.code = code


#: Tokens kept free for the reply when a request that is truncated to fit the context sets no
#: ``max_tokens`` (realtime and Responses ``truncation: auto``).
REPLY_RESERVE = 1024


def prompt_budget(context_size: int, max_tokens: Optional[int]) -> int:
    """The most prompt tokens that leave room for the reply in a model's context of ``context_size``."""
    return context_size - min(max_tokens or REPLY_RESERVE, context_size // 2)


class Provider(Protocol):
    name: str
    #: Tokens the model reads and writes in one call, when the provider knows it (the embedded
    #: model's context); ``None`` for an upstream server, which answers for its own limits.
    context_size: Optional[int]

    def stream(self, request: ChatRequest) -> AsyncIterator[Delta]:
        """Answer ``request`` as deltas; raise :class:`ProviderError` on failure."""
        ...

    def count_tokens(self, request: ChatRequest) -> int:
        """Prompt tokens ``request`` costs on this model (for ``max_prompt_tokens``)."""
        ...

    async def models(self) -> list[str]:
        """The names a request's ``model`` can pick a model by, the default first (``GET /v1/models``)."""
        ...

    async def aclose(self) -> None:
        ...
