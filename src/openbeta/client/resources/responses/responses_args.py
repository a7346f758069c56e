"""The keyword arguments of ``responses.create`` and the methods built on it."""

from __future__ import annotations

from typing import Any, Iterable, Literal, Optional, TypedDict, Union

from ....types.responses import Includable
from ..._request import RequestOptions


class ResponseContextArgs(TypedDict, total=False):
    """What shapes the model's context: ``responses.create`` and ``responses.input_tokens.count``."""

    model: str
    input: Union[str, Iterable[dict[str, Any]]]
    instructions: Optional[str]
    previous_response_id: Optional[str]
    conversation: Union[str, dict[str, str], None]
    tools: Iterable[dict[str, Any]]
    tool_choice: Union[Literal["none", "auto", "required"], dict[str, Any]]
    parallel_tool_calls: Optional[bool]
    text: dict[str, Any]
    reasoning: Optional[dict[str, Any]]
    truncation: Optional[Literal["auto", "disabled"]]


class InputTokenCountArgs(ResponseContextArgs, RequestOptions, total=False):
    """Keyword arguments of ``responses.input_tokens.count``: the context fields of a create request
    (``personality`` is refused by the server: not supported)."""

    personality: Optional[str]


class ResponseCreateArgs(ResponseContextArgs, RequestOptions, total=False):
    """Keyword arguments of ``responses.create`` (the fields of
    :class:`openbeta.types.responses.ResponseCreateParams`) and of its helpers."""

    background: Optional[bool]
    store: Optional[bool]
    include: Optional[list[Includable]]
    metadata: Optional[dict[str, str]]
    max_output_tokens: Optional[int]
    max_tool_calls: Optional[int]
    temperature: Optional[float]
    top_p: Optional[float]
    top_logprobs: Optional[int]
    user: str
    safety_identifier: str
    prompt_cache_key: str
    prompt_cache_retention: Optional[Literal["in_memory", "24h"]]
    service_tier: Optional[Literal["auto", "default", "flex", "scale", "priority"]]
    stream_options: Optional[dict[str, Any]]
    prompt_cache_options: Optional[dict[str, Any]]
    # parsed, and refused by the server (400 unsupported_parameter) when given
    prompt: Optional[dict[str, Any]]
    moderation: Any
    context_management: Any
    background_options: Any
    access_programs: Any
    image: Any


class CompactArgs(RequestOptions, total=False):
    """Keyword arguments of ``responses.compact``."""

    model: str
    input: Union[str, Iterable[dict[str, Any]], None]
    instructions: Optional[str]
    previous_response_id: Optional[str]
    prompt_cache_key: Optional[str]
    prompt_cache_options: Optional[dict[str, Any]]
    prompt_cache_retention: Optional[Literal["in_memory", "24h"]]
    service_tier: Optional[str]
    image: Any
