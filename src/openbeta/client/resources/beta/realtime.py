"""``client.beta.realtime``: ephemeral sessions over HTTP, and ``connect()`` over WebSocket."""

from __future__ import annotations

from functools import cached_property
from typing import Any, Callable, Mapping, Optional, Union

from typing_extensions import Concatenate, ParamSpec, Unpack

from ....types.realtime import RealtimeSession, RealtimeTranscriptionSession
from ..._request import REALTIME_BETA, RequestOptions
from ..._resource import APIResource, awaitable
from ..._types import NOT_GIVEN, NotGiven, given
from ...lib.realtime_connection import AsyncRealtimeConnectionManager, RealtimeConnectionManager

Field = Union[Any, NotGiven]
P = ParamSpec("P")


def _async_connect(method: Callable[Concatenate[Any, P], RealtimeConnectionManager]
                   ) -> Callable[Concatenate[Any, P], AsyncRealtimeConnectionManager]:
    """``connect`` as the async client runs it: ``async with`` gives an async connection."""
    return method  # type: ignore[return-value]


class Sessions(APIResource):
    _beta = REALTIME_BETA

    def create(self, *, client_secret: Field = NOT_GIVEN, input_audio_format: Field = NOT_GIVEN,
               input_audio_noise_reduction: Field = NOT_GIVEN, input_audio_transcription: Field = NOT_GIVEN,
               instructions: Field = NOT_GIVEN, max_response_output_tokens: Field = NOT_GIVEN,
               modalities: Field = NOT_GIVEN, model: Field = NOT_GIVEN, output_audio_format: Field = NOT_GIVEN,
               speed: Field = NOT_GIVEN, temperature: Field = NOT_GIVEN, tool_choice: Field = NOT_GIVEN,
               tools: Field = NOT_GIVEN, tracing: Field = NOT_GIVEN, turn_detection: Field = NOT_GIVEN,
               voice: Field = NOT_GIVEN, **options: Unpack[RequestOptions]) -> RealtimeSession:
        """Create an ephemeral key and session for a browser-side realtime client."""
        body = given(client_secret=client_secret, input_audio_format=input_audio_format,
                     input_audio_noise_reduction=input_audio_noise_reduction,
                     input_audio_transcription=input_audio_transcription, instructions=instructions,
                     max_response_output_tokens=max_response_output_tokens, modalities=modalities, model=model,
                     output_audio_format=output_audio_format, speed=speed, temperature=temperature,
                     tool_choice=tool_choice, tools=tools, tracing=tracing, turn_detection=turn_detection,
                     voice=voice)
        return self._call("POST", "realtime/sessions", options, cast_to=RealtimeSession, body=body)


class TranscriptionSessions(APIResource):
    _beta = REALTIME_BETA

    def create(self, *, client_secret: Field = NOT_GIVEN, include: Field = NOT_GIVEN,
               input_audio_format: Field = NOT_GIVEN, input_audio_noise_reduction: Field = NOT_GIVEN,
               input_audio_transcription: Field = NOT_GIVEN, modalities: Field = NOT_GIVEN,
               turn_detection: Field = NOT_GIVEN,
               **options: Unpack[RequestOptions]) -> RealtimeTranscriptionSession:
        body = given(client_secret=client_secret, include=include, input_audio_format=input_audio_format,
                     input_audio_noise_reduction=input_audio_noise_reduction,
                     input_audio_transcription=input_audio_transcription, modalities=modalities,
                     turn_detection=turn_detection)
        return self._call("POST", "realtime/transcription_sessions", options,
                          cast_to=RealtimeTranscriptionSession, body=body)


class AsyncSessions(Sessions):
    """Async twin."""

    create = awaitable(Sessions.create)  # type: ignore[assignment]


class AsyncTranscriptionSessions(TranscriptionSessions):
    """Async twin."""

    create = awaitable(TranscriptionSessions.create)  # type: ignore[assignment]


class Realtime(APIResource):
    @cached_property
    def sessions(self) -> Sessions:
        return self._child(Sessions, AsyncSessions)

    @cached_property
    def transcription_sessions(self) -> TranscriptionSessions:
        return self._child(TranscriptionSessions, AsyncTranscriptionSessions)

    def connect(self, *, model: str, extra_query: Optional[Mapping[str, Any]] = None,
                extra_headers: Optional[Mapping[str, str]] = None,
                websocket_connection_options: Optional[Mapping[str, Any]] = None) -> RealtimeConnectionManager:
        """A WebSocket to ``/realtime?model=...``; use ``with`` (``async with`` on the async client)."""
        cls = AsyncRealtimeConnectionManager if self._client.is_async else RealtimeConnectionManager
        return cls(self._client, model=model, extra_query=extra_query, extra_headers=extra_headers,
                   websocket_connection_options=websocket_connection_options)


class AsyncRealtime(Realtime):
    connect = _async_connect(Realtime.connect)  # type: ignore[assignment]

    @cached_property
    def sessions(self) -> AsyncSessions:
        return self._child(Sessions, AsyncSessions)

    @cached_property
    def transcription_sessions(self) -> AsyncTranscriptionSessions:
        return self._child(TranscriptionSessions, AsyncTranscriptionSessions)
