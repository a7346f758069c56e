"""``openbeta.types.beta.realtime``."""

from ...realtime import (
    ClientSecret,
    RealtimeClientEvent,
    RealtimeServerEvent,
    RealtimeSession,
    RealtimeTranscriptionSession,
)

SessionCreateResponse = RealtimeSession
TranscriptionSession = RealtimeTranscriptionSession

__all__ = [
    "ClientSecret", "RealtimeClientEvent", "RealtimeServerEvent", "RealtimeSession", "RealtimeTranscriptionSession",
    "SessionCreateResponse", "TranscriptionSession",
]
