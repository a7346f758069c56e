"""Realtime (beta): ephemeral sessions and the WebSocket event set, as the client uses them.

Events are lenient: every event has a ``type`` (and usually ``event_id``); other
fields pass through as given, so new server events never break a client.
"""

from __future__ import annotations

from typing import Any, ClassVar, Optional, Union

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


class SessionShape(WireModel):
    """A session object as the server sends it: every declared field, in the declared order, ``null`` or not,
    except those in ``omitted_when_null``. The server builds each session it sends from one of the four
    shapes below (:mod:`openbeta.server.realtime.config`), so a field declared here is a field it sends."""

    #: Fields left out, rather than sent as ``null``, when unset.
    omitted_when_null: ClassVar[tuple[str, ...]] = ()

    def to_dict(self) -> dict[str, Any]:
        data = super().to_dict()
        return {k: v for k, v in data.items() if not (v is None and k in self.omitted_when_null)}


class BetaSessionObject(SessionShape):
    """Beta ``realtime.session`` (``session.created`` / ``session.updated``, ``POST /realtime/sessions``)."""

    omitted_when_null: ClassVar[tuple[str, ...]] = ("include",)

    id: Optional[str] = None
    object: Optional[str] = None
    model: Optional[str] = None
    expires_at: Optional[int] = None
    modalities: Optional[list[str]] = None
    instructions: Optional[str] = None
    voice: Optional[str] = None
    input_audio_format: Optional[str] = None
    output_audio_format: Optional[str] = None
    input_audio_transcription: Optional[dict[str, Any]] = None
    input_audio_noise_reduction: Optional[dict[str, Any]] = None
    turn_detection: Optional[dict[str, Any]] = None
    tools: Optional[list[dict[str, Any]]] = None
    tool_choice: Optional[Union[str, dict[str, Any]]] = None
    temperature: Optional[float] = None
    max_response_output_tokens: Optional[Any] = None
    speed: Optional[float] = None
    tracing: Optional[Any] = None
    include: Optional[list[str]] = None


class BetaTranscriptionSessionObject(SessionShape):
    """Beta ``realtime.transcription_session`` (``transcription_session.*``, ``POST /realtime/transcription_sessions``)."""

    omitted_when_null: ClassVar[tuple[str, ...]] = ("include",)

    id: Optional[str] = None
    object: Optional[str] = None
    expires_at: Optional[int] = None
    modalities: Optional[list[str]] = None
    input_audio_format: Optional[str] = None
    input_audio_transcription: Optional[dict[str, Any]] = None
    turn_detection: Optional[dict[str, Any]] = None
    input_audio_noise_reduction: Optional[dict[str, Any]] = None
    include: Optional[list[str]] = None


class GATranscriptionSessionObject(SessionShape):
    """GA session of ``type: transcription``."""

    type: Optional[str] = None
    object: Optional[str] = None
    id: Optional[str] = None
    expires_at: Optional[int] = None
    audio: Optional[dict[str, Any]] = None
    include: Optional[list[str]] = None


class GASessionObject(SessionShape):
    """GA session of ``type: realtime`` (``client.realtime``'s ``session.*`` events, ``client_secrets``)."""

    type: Optional[str] = None
    object: Optional[str] = None
    id: Optional[str] = None
    model: Optional[str] = None
    output_modalities: Optional[list[str]] = None
    instructions: Optional[str] = None
    tools: Optional[list[dict[str, Any]]] = None
    tool_choice: Optional[Union[str, dict[str, Any]]] = None
    max_output_tokens: Optional[Any] = None
    tracing: Optional[Any] = None
    truncation: Optional[Any] = None
    prompt: Optional[Any] = None
    expires_at: Optional[int] = None
    audio: Optional[dict[str, Any]] = None
    include: Optional[list[str]] = None


class RealtimeSession(GASessionObject, BetaSessionObject):
    """``realtime.session``: what ``realtime.sessions.create`` returns (with an ephemeral key), and the
    session ``session.created`` / ``session.updated`` carry: the beta fields and the GA ones (a GA
    transcription session's are among them), as the client reads either."""

    omitted_when_null: ClassVar[tuple[str, ...]] = ()

    client_secret: Optional[ClientSecret] = None


class RealtimeTranscriptionSession(BetaTranscriptionSessionObject):
    """What ``realtime.transcription_sessions.create`` returns (with its key), and the session the
    ``transcription_session.*`` events carry."""

    omitted_when_null: ClassVar[tuple[str, ...]] = ()

    client_secret: Optional[ClientSecret] = None


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
    "BetaSessionObject",
    "BetaTranscriptionSessionObject",
    "CLIENT_EVENT_TYPES",
    "ClientSecret",
    "ClientSecretCreateResponse",
    "GASessionObject",
    "GATranscriptionSessionObject",
    "RealtimeClientEvent",
    "RealtimeServerEvent",
    "RealtimeSession",
    "RealtimeTranscriptionSession",
    "SessionShape",
]
