"""Realtime (beta): ephemeral sessions and the WebSocket event set, as the client uses them.

Events are lenient: every event has a ``type`` (and usually ``event_id``); other
fields pass through as given, so new server events never break a client.
"""

from __future__ import annotations

from typing import Any, Optional

from ._base import WireModel

CLIENT_EVENT_TYPES = (
    "session.update", "transcription_session.update", "input_audio_buffer.append",
    "input_audio_buffer.commit", "input_audio_buffer.clear", "output_audio_buffer.clear",
    "conversation.item.create", "conversation.item.retrieve", "conversation.item.truncate",
    "conversation.item.delete", "response.create", "response.cancel",
)


class ClientSecret(WireModel):
    value: str
    expires_at: int


class RealtimeSession(WireModel):
    """``realtime.session``: what ``realtime.sessions.create`` returns (with an ephemeral key), and the
    session ``session.created`` / ``session.updated`` carry (beta fields, then the GA ones)."""

    id: Optional[str] = None
    object: Optional[str] = None
    model: Optional[str] = None
    modalities: Optional[list[str]] = None
    instructions: Optional[str] = None
    voice: Optional[str] = None
    input_audio_format: Optional[str] = None
    output_audio_format: Optional[str] = None
    input_audio_transcription: Optional[dict[str, Any]] = None
    turn_detection: Optional[dict[str, Any]] = None
    tools: Optional[list[dict[str, Any]]] = None
    tool_choice: Optional[str] = None
    temperature: Optional[float] = None
    max_response_output_tokens: Optional[Any] = None
    expires_at: Optional[int] = None
    client_secret: Optional[ClientSecret] = None
    input_audio_noise_reduction: Optional[dict[str, Any]] = None
    speed: Optional[float] = None
    tracing: Optional[Any] = None
    include: Optional[list[str]] = None
    # GA
    type: Optional[str] = None
    output_modalities: Optional[list[str]] = None
    max_output_tokens: Optional[Any] = None
    audio: Optional[dict[str, Any]] = None
    truncation: Optional[Any] = None
    prompt: Optional[Any] = None


class RealtimeTranscriptionSession(WireModel):
    """What ``realtime.transcription_sessions.create`` returns (with its key), and the session the
    ``transcription_session.*`` events carry."""

    client_secret: Optional[ClientSecret] = None
    id: Optional[str] = None
    object: Optional[str] = None
    expires_at: Optional[int] = None
    input_audio_noise_reduction: Optional[dict[str, Any]] = None
    include: Optional[list[str]] = None
    modalities: Optional[list[str]] = None
    input_audio_format: Optional[str] = None
    input_audio_transcription: Optional[dict[str, Any]] = None
    turn_detection: Optional[dict[str, Any]] = None


class ClientSecretCreateResponse(WireModel):
    """What the GA ``realtime.client_secrets.create`` returns: the key, and the session it opens."""

    value: str
    expires_at: int
    session: Optional[RealtimeSession] = None


class RealtimeClientEvent(WireModel):
    """An event the client sends (``session.update``, ``response.create``, ...)."""

    type: str
    event_id: Optional[str] = None


class RealtimeServerEvent(WireModel):
    """An event the server sends (``session.created``, ``response.text.delta``, ``error``, ...)."""

    type: str
    event_id: Optional[str] = None


__all__ = [
    "CLIENT_EVENT_TYPES",
    "ClientSecret",
    "ClientSecretCreateResponse",
    "RealtimeClientEvent",
    "RealtimeServerEvent",
    "RealtimeSession",
    "RealtimeTranscriptionSession",
]
