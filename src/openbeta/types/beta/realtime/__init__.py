"""``openbeta.types.beta.realtime``: sessions, and every event class under the official SDK's names."""

from ...realtime_events import *  # noqa: F401,F403
from ...realtime_events import __all__ as _event_names

from ...realtime_objects import *  # noqa: F401,F403
from ...realtime_objects import __all__ as _object_names
from ...realtime import (
    ClientSecret,
    RealtimeClientEvent,
    RealtimeServerEvent,
    RealtimeSession,
    RealtimeTranscriptionSession,
)

from ...realtime_params import BetaSessionParams as SessionCreateParams
from ...realtime_params import BetaTranscriptionSessionParams as TranscriptionSessionCreateParams

SessionCreateResponse = RealtimeSession
TranscriptionSession = RealtimeTranscriptionSession

__all__ = [
    "ClientSecret", "RealtimeClientEvent", "RealtimeServerEvent", "RealtimeSession", "RealtimeTranscriptionSession",
    "SessionCreateParams", "SessionCreateResponse", "TranscriptionSession", "TranscriptionSessionCreateParams",
    *_event_names, *_object_names,
]
