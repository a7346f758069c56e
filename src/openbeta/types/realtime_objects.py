"""The objects realtime events carry: conversation items and their content, responses with their
status and usage, content parts, conversations and rate limits.

One lenient model per object serves the beta protocol and the GA one (their fields are named the
same where both have them; each model declares the union). Every field is optional: a client
reads what the server sent, ``item.id``, ``response.usage.output_tokens``, and a newer server's
extra fields pass through.
"""

from __future__ import annotations

from typing import Any, Optional, Union

from ._base import WireModel


class TextContentObject(WireModel):
    """A text part as the server sends it: ``input_text`` (a client's) or ``text`` (the assistant's; GA
    ``output_text``)."""

    type: Optional[str] = None
    text: Optional[str] = None


class AudioContentObject(WireModel):
    """An audio part as the server sends it (its bytes are not kept): ``input_audio`` or ``audio`` (GA
    ``output_audio``), with its transcript (``null`` until there is one)."""

    type: Optional[str] = None
    transcript: Optional[str] = None


class ConversationItemContent(AudioContentObject, TextContentObject):
    """A part of a message item: ``input_text``, ``input_audio``, ``input_image``, ``item_reference``,
    ``text``/``audio`` (beta) or ``output_text``/``output_audio`` (GA)."""

    audio: Optional[str] = None
    id: Optional[str] = None
    image_url: Optional[str] = None
    detail: Optional[str] = None


class _ItemHead(WireModel):
    """What every item starts with."""

    id: Optional[str] = None
    object: Optional[str] = None
    type: Optional[str] = None


class MessageItemObject(_ItemHead):
    """A ``message`` item as the server sends it (its parts are :class:`TextContentObject` /
    :class:`AudioContentObject`)."""

    status: Optional[str] = None
    role: Optional[str] = None
    content: Optional[list[Any]] = None


class FunctionCallItemObject(_ItemHead):
    """A ``function_call`` item as the server sends it."""

    status: Optional[str] = None
    name: Optional[str] = None
    call_id: Optional[str] = None
    arguments: Optional[str] = None


class FunctionCallOutputItemObject(_ItemHead):
    """A ``function_call_output`` item as the server sends it."""

    call_id: Optional[str] = None
    output: Optional[str] = None


class ConversationItem(FunctionCallOutputItemObject, FunctionCallItemObject, MessageItemObject):
    """An item of the conversation: a ``message``, a ``function_call`` or a ``function_call_output``."""

    content: Optional[list[ConversationItemContent]] = None


class CachedTokensDetails(WireModel):
    text_tokens: Optional[int] = None
    audio_tokens: Optional[int] = None
    image_tokens: Optional[int] = None


class InputTokenDetails(WireModel):
    cached_tokens: Optional[int] = None
    text_tokens: Optional[int] = None
    audio_tokens: Optional[int] = None
    image_tokens: Optional[int] = None
    cached_tokens_details: Optional[CachedTokensDetails] = None


class OutputTokenDetails(WireModel):
    text_tokens: Optional[int] = None
    audio_tokens: Optional[int] = None


class RealtimeResponseUsage(WireModel):
    total_tokens: Optional[int] = None
    input_tokens: Optional[int] = None
    output_tokens: Optional[int] = None
    input_token_details: Optional[InputTokenDetails] = None
    output_token_details: Optional[OutputTokenDetails] = None


class RealtimeResponseStatusError(WireModel):
    type: Optional[str] = None
    code: Optional[str] = None


class RealtimeResponseStatus(WireModel):
    """Why a response ended as it did (``reason``: ``turn_detected``, ``client_cancelled``,
    ``max_output_tokens`` ...)."""

    type: Optional[str] = None
    reason: Optional[str] = None
    error: Optional[RealtimeResponseStatusError] = None


class RealtimeResponseAudioOutput(WireModel):
    format: Optional[Any] = None
    voice: Optional[str] = None


class RealtimeResponseAudio(WireModel):
    """GA: the response's audio output settings."""

    output: Optional[RealtimeResponseAudioOutput] = None


class _ResponseHead(WireModel):
    """What a response starts with, in either protocol."""

    object: Optional[str] = None
    id: Optional[str] = None
    status: Optional[str] = None
    status_details: Optional[Any] = None
    output: Optional[list[Any]] = None
    conversation_id: Optional[str] = None


class BetaResponseObject(_ResponseHead):
    """A beta ``realtime.response`` as the server sends it (``response.created`` / ``response.done``): every
    field declared here, in this order. Its parts are sent as the server built them (the status details,
    the output items, :func:`usage <openbeta.server.realtime.responses.usage_object>`); the SDK's
    :class:`RealtimeResponse` reads them typed."""

    modalities: Optional[list[str]] = None
    voice: Optional[str] = None
    output_audio_format: Optional[str] = None
    temperature: Optional[float] = None
    max_output_tokens: Optional[Union[int, str]] = None
    usage: Optional[Any] = None
    metadata: Optional[dict[str, str]] = None


class GAResponseObject(_ResponseHead):
    """A GA ``realtime.response`` as the server sends it (as :class:`BetaResponseObject`, GA-shaped)."""

    audio: Optional[Any] = None
    output_modalities: Optional[list[str]] = None
    max_output_tokens: Optional[Union[int, str]] = None
    usage: Optional[Any] = None
    metadata: Optional[dict[str, str]] = None


class RealtimeResponse(GAResponseObject, BetaResponseObject):
    """``realtime.response``: its status, output items and token usage (the beta fields and the GA ones)."""

    status_details: Optional[RealtimeResponseStatus] = None
    output: Optional[list[ConversationItem]] = None
    usage: Optional[RealtimeResponseUsage] = None
    audio: Optional[RealtimeResponseAudio] = None


class RealtimeContentPart(WireModel):
    """The part ``response.content_part.added`` / ``.done`` carry."""

    type: Optional[str] = None
    text: Optional[str] = None
    audio: Optional[str] = None
    transcript: Optional[str] = None


class RealtimeConversation(WireModel):
    id: Optional[str] = None
    object: Optional[str] = None


class TranscriptionUsage(WireModel):
    """A transcription's usage: ``tokens`` (with token counts) or ``duration`` (with ``seconds``)."""

    type: Optional[str] = None
    input_tokens: Optional[int] = None
    output_tokens: Optional[int] = None
    total_tokens: Optional[int] = None
    input_token_details: Optional[InputTokenDetails] = None
    seconds: Optional[float] = None


class Logprob(WireModel):
    """One transcribed token and its log probability."""

    token: Optional[str] = None
    logprob: Optional[float] = None
    bytes: Optional[list[int]] = None


class RateLimit(WireModel):
    name: Optional[str] = None
    limit: Optional[int] = None
    remaining: Optional[int] = None
    reset_seconds: Optional[float] = None


__all__ = [
    "AudioContentObject", "BetaResponseObject", "CachedTokensDetails", "ConversationItem", "ConversationItemContent",
    "FunctionCallItemObject", "FunctionCallOutputItemObject", "GAResponseObject", "InputTokenDetails", "Logprob",
    "MessageItemObject", "OutputTokenDetails", "RateLimit", "RealtimeContentPart", "RealtimeConversation",
    "RealtimeResponse", "RealtimeResponseAudio", "RealtimeResponseAudioOutput", "RealtimeResponseStatus",
    "RealtimeResponseStatusError", "RealtimeResponseUsage", "TextContentObject", "TranscriptionUsage",
]
