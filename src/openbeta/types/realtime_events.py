"""Realtime WebSocket events: one lenient model per event type, under the beta names the SDKs use
(``response.text.delta``, ``response.audio.delta``, ``response.audio_transcript.delta``) and the GA
names (``response.output_text.delta``, ``conversation.item.added`` ...).

``ServerEvent`` and ``ClientEvent`` are unions discriminated on ``type``; an event
whose type is not listed parses as the generic ``RealtimeServerEvent`` /
``RealtimeClientEvent``, so a newer server never breaks a client. Nested
objects are typed too (:mod:`.realtime_objects`: ``event.item.id``, ``event.response.usage``).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal, Optional, Union

from ._base import ByType, WireModel
from .realtime import RealtimeClientEvent, RealtimeServerEvent, RealtimeSession, RealtimeTranscriptionSession
from .realtime_objects import (
    ConversationItem,
    Logprob,
    RateLimit,
    RealtimeContentPart,
    RealtimeConversation,
    RealtimeResponse,
    TranscriptionUsage,
)


class RealtimeError(WireModel):
    """What went wrong (``error`` events, failed transcriptions)."""

    type: Optional[str] = None
    code: Optional[str] = None
    message: Optional[str] = None
    param: Optional[str] = None
    event_id: Optional[str] = None


# ------------------------------------------------------------ server events

class _ContentPartRef(RealtimeServerEvent):
    """Where in a response the event points: item, output index and content part."""

    response_id: str
    item_id: str
    output_index: int
    content_index: int


class _OutputItemRef(RealtimeServerEvent):
    """An output item of a response, by index and id."""

    output_index: int
    item_id: str


class ConversationItemCreatedEvent(RealtimeServerEvent):
    type: Literal["conversation.item.created"] = "conversation.item.created"
    previous_item_id: Optional[str] = None
    item: ConversationItem


class ConversationItemDeletedEvent(RealtimeServerEvent):
    type: Literal["conversation.item.deleted"] = "conversation.item.deleted"
    item_id: str


class ConversationItemInputAudioTranscriptionCompletedEvent(RealtimeServerEvent):
    type: Literal["conversation.item.input_audio_transcription.completed"] = "conversation.item.input_audio_transcription.completed"
    item_id: str
    content_index: int
    transcript: str
    languages: Optional[list[str]] = None
    logprobs: Optional[list[Logprob]] = None
    usage: TranscriptionUsage


class ConversationItemInputAudioTranscriptionDeltaEvent(RealtimeServerEvent):
    type: Literal["conversation.item.input_audio_transcription.delta"] = "conversation.item.input_audio_transcription.delta"
    item_id: str
    content_index: Optional[int] = None
    delta: Optional[str] = None
    logprobs: Optional[list[Logprob]] = None


class ConversationItemInputAudioTranscriptionFailedEvent(RealtimeServerEvent):
    type: Literal["conversation.item.input_audio_transcription.failed"] = "conversation.item.input_audio_transcription.failed"
    item_id: str
    content_index: int
    error: RealtimeError


class ConversationItemInputAudioTranscriptionSegmentEvent(RealtimeServerEvent):
    type: Literal["conversation.item.input_audio_transcription.segment"] = "conversation.item.input_audio_transcription.segment"
    item_id: str
    content_index: int
    text: str
    id: str
    speaker: str
    start: float
    end: float


class ConversationItemRetrievedEvent(RealtimeServerEvent):
    type: Literal["conversation.item.retrieved"] = "conversation.item.retrieved"
    item: ConversationItem


class ConversationItemTruncatedEvent(RealtimeServerEvent):
    type: Literal["conversation.item.truncated"] = "conversation.item.truncated"
    item_id: str
    content_index: int
    audio_end_ms: int


class ErrorEvent(RealtimeServerEvent):
    type: Literal["error"] = "error"
    error: RealtimeError


class InputAudioBufferClearedEvent(RealtimeServerEvent):
    type: Literal["input_audio_buffer.cleared"] = "input_audio_buffer.cleared"


class InputAudioBufferCommittedEvent(RealtimeServerEvent):
    type: Literal["input_audio_buffer.committed"] = "input_audio_buffer.committed"
    previous_item_id: Optional[str] = None
    item_id: str


class InputAudioBufferSpeechStartedEvent(RealtimeServerEvent):
    type: Literal["input_audio_buffer.speech_started"] = "input_audio_buffer.speech_started"
    audio_start_ms: int
    item_id: str


class InputAudioBufferSpeechStoppedEvent(RealtimeServerEvent):
    type: Literal["input_audio_buffer.speech_stopped"] = "input_audio_buffer.speech_stopped"
    audio_end_ms: int
    item_id: str


class InputAudioBufferTimeoutTriggeredEvent(RealtimeServerEvent):
    """``server_vad``'s ``idle_timeout_ms`` expired: the silence (``item_id``) is committed and answered."""

    type: Literal["input_audio_buffer.timeout_triggered"] = "input_audio_buffer.timeout_triggered"
    audio_start_ms: int
    audio_end_ms: int
    item_id: str


class McpListToolsCompletedEvent(RealtimeServerEvent):
    type: Literal["mcp_list_tools.completed"] = "mcp_list_tools.completed"
    item_id: str


class McpListToolsFailedEvent(RealtimeServerEvent):
    type: Literal["mcp_list_tools.failed"] = "mcp_list_tools.failed"
    item_id: str


class McpListToolsInProgressEvent(RealtimeServerEvent):
    type: Literal["mcp_list_tools.in_progress"] = "mcp_list_tools.in_progress"
    item_id: str


class RateLimitsUpdatedEvent(RealtimeServerEvent):
    type: Literal["rate_limits.updated"] = "rate_limits.updated"
    rate_limits: list[RateLimit]


class ResponseAudioDeltaEvent(_ContentPartRef):
    """Beta name (what the SDKs and the hosted beta API use)."""

    type: Literal["response.audio.delta"] = "response.audio.delta"
    delta: str


class ResponseAudioDoneEvent(_ContentPartRef):
    type: Literal["response.audio.done"] = "response.audio.done"


class ResponseAudioTranscriptDeltaEvent(_ContentPartRef):
    type: Literal["response.audio_transcript.delta"] = "response.audio_transcript.delta"
    delta: str


class ResponseAudioTranscriptDoneEvent(_ContentPartRef):
    type: Literal["response.audio_transcript.done"] = "response.audio_transcript.done"
    transcript: str


class ResponseOutputAudioDeltaEvent(_ContentPartRef):
    """GA name (also the name the spec's beta schemas carry)."""

    type: Literal["response.output_audio.delta"] = "response.output_audio.delta"
    delta: str


class ResponseOutputAudioDoneEvent(_ContentPartRef):
    type: Literal["response.output_audio.done"] = "response.output_audio.done"


class ResponseOutputAudioTranscriptDeltaEvent(_ContentPartRef):
    type: Literal["response.output_audio_transcript.delta"] = "response.output_audio_transcript.delta"
    delta: str


class ResponseOutputAudioTranscriptDoneEvent(_ContentPartRef):
    type: Literal["response.output_audio_transcript.done"] = "response.output_audio_transcript.done"
    transcript: str


class ResponseContentPartAddedEvent(_ContentPartRef):
    type: Literal["response.content_part.added"] = "response.content_part.added"
    part: RealtimeContentPart


class ResponseContentPartDoneEvent(_ContentPartRef):
    type: Literal["response.content_part.done"] = "response.content_part.done"
    part: RealtimeContentPart


class ResponseCreatedEvent(RealtimeServerEvent):
    type: Literal["response.created"] = "response.created"
    response: RealtimeResponse


class ResponseDoneEvent(RealtimeServerEvent):
    type: Literal["response.done"] = "response.done"
    response: RealtimeResponse


class ResponseFunctionCallArgumentsDeltaEvent(_OutputItemRef):
    type: Literal["response.function_call_arguments.delta"] = "response.function_call_arguments.delta"
    response_id: str
    call_id: str
    delta: str


class ResponseFunctionCallArgumentsDoneEvent(_OutputItemRef):
    type: Literal["response.function_call_arguments.done"] = "response.function_call_arguments.done"
    response_id: str
    call_id: str
    name: str
    arguments: str


class ResponseMcpCallArgumentsDeltaEvent(_OutputItemRef):
    type: Literal["response.mcp_call_arguments.delta"] = "response.mcp_call_arguments.delta"
    response_id: str
    delta: str
    obfuscation: Optional[str] = None


class ResponseMcpCallArgumentsDoneEvent(_OutputItemRef):
    type: Literal["response.mcp_call_arguments.done"] = "response.mcp_call_arguments.done"
    response_id: str
    arguments: str


class ResponseMcpCallCompletedEvent(_OutputItemRef):
    type: Literal["response.mcp_call.completed"] = "response.mcp_call.completed"


class ResponseMcpCallFailedEvent(_OutputItemRef):
    type: Literal["response.mcp_call.failed"] = "response.mcp_call.failed"


class ResponseMcpCallInProgressEvent(_OutputItemRef):
    type: Literal["response.mcp_call.in_progress"] = "response.mcp_call.in_progress"


class ResponseOutputItemAddedEvent(RealtimeServerEvent):
    type: Literal["response.output_item.added"] = "response.output_item.added"
    response_id: str
    output_index: int
    item: ConversationItem


class ResponseOutputItemDoneEvent(RealtimeServerEvent):
    type: Literal["response.output_item.done"] = "response.output_item.done"
    response_id: str
    output_index: int
    item: ConversationItem


class ResponseTextDeltaEvent(_ContentPartRef):
    """Beta name (what the SDKs and the hosted beta API use)."""

    type: Literal["response.text.delta"] = "response.text.delta"
    delta: str


class ResponseTextDoneEvent(_ContentPartRef):
    type: Literal["response.text.done"] = "response.text.done"
    text: str


class ResponseOutputTextDeltaEvent(_ContentPartRef):
    """GA name (also the name the spec's beta schemas carry)."""

    type: Literal["response.output_text.delta"] = "response.output_text.delta"
    delta: str


class ResponseOutputTextDoneEvent(_ContentPartRef):
    type: Literal["response.output_text.done"] = "response.output_text.done"
    text: str


class ConversationCreatedEvent(RealtimeServerEvent):
    type: Literal["conversation.created"] = "conversation.created"
    conversation: RealtimeConversation


class ConversationItemAddedEvent(RealtimeServerEvent):
    """GA: an item joined the conversation (``conversation.item.done`` follows when it is complete)."""

    type: Literal["conversation.item.added"] = "conversation.item.added"
    previous_item_id: Optional[str] = None
    item: ConversationItem


class ConversationItemDoneEvent(RealtimeServerEvent):
    type: Literal["conversation.item.done"] = "conversation.item.done"
    previous_item_id: Optional[str] = None
    item: ConversationItem


class OutputAudioBufferStartedEvent(RealtimeServerEvent):
    type: Literal["output_audio_buffer.started"] = "output_audio_buffer.started"
    response_id: str


class OutputAudioBufferStoppedEvent(RealtimeServerEvent):
    type: Literal["output_audio_buffer.stopped"] = "output_audio_buffer.stopped"
    response_id: str


class OutputAudioBufferClearedEvent(RealtimeServerEvent):
    type: Literal["output_audio_buffer.cleared"] = "output_audio_buffer.cleared"
    response_id: str


class SessionCreatedEvent(RealtimeServerEvent):
    type: Literal["session.created"] = "session.created"
    session: RealtimeSession


class SessionUpdatedEvent(RealtimeServerEvent):
    type: Literal["session.updated"] = "session.updated"
    session: RealtimeSession


class TranscriptionSessionCreatedEvent(RealtimeServerEvent):
    type: Literal["transcription_session.created"] = "transcription_session.created"
    session: RealtimeTranscriptionSession


class TranscriptionSessionUpdatedEvent(RealtimeServerEvent):
    type: Literal["transcription_session.updated"] = "transcription_session.updated"
    session: RealtimeTranscriptionSession


# ------------------------------------------------------------ client events

class ConversationItemCreateEvent(RealtimeClientEvent):
    type: Literal["conversation.item.create"] = "conversation.item.create"
    previous_item_id: Optional[str] = None
    item: dict[str, Any]


class ConversationItemDeleteEvent(RealtimeClientEvent):
    type: Literal["conversation.item.delete"] = "conversation.item.delete"
    item_id: str


class ConversationItemRetrieveEvent(RealtimeClientEvent):
    type: Literal["conversation.item.retrieve"] = "conversation.item.retrieve"
    item_id: str


class ConversationItemTruncateEvent(RealtimeClientEvent):
    type: Literal["conversation.item.truncate"] = "conversation.item.truncate"
    item_id: str
    content_index: int
    audio_end_ms: int


class InputAudioBufferAppendEvent(RealtimeClientEvent):
    type: Literal["input_audio_buffer.append"] = "input_audio_buffer.append"
    audio: str


class InputAudioBufferClearEvent(RealtimeClientEvent):
    type: Literal["input_audio_buffer.clear"] = "input_audio_buffer.clear"


class InputAudioBufferCommitEvent(RealtimeClientEvent):
    type: Literal["input_audio_buffer.commit"] = "input_audio_buffer.commit"


class OutputAudioBufferClearEvent(RealtimeClientEvent):
    type: Literal["output_audio_buffer.clear"] = "output_audio_buffer.clear"


class ResponseCancelEvent(RealtimeClientEvent):
    type: Literal["response.cancel"] = "response.cancel"
    response_id: Optional[str] = None


class ResponseCreateEvent(RealtimeClientEvent):
    type: Literal["response.create"] = "response.create"
    response: Optional[dict[str, Any]] = None


class SessionUpdateEvent(RealtimeClientEvent):
    type: Literal["session.update"] = "session.update"
    session: dict[str, Any]


class TranscriptionSessionUpdateEvent(RealtimeClientEvent):
    type: Literal["transcription_session.update"] = "transcription_session.update"
    session: dict[str, Any]


#: Any event the server sends.
ServerEvent = Annotated[Union[
    ConversationCreatedEvent,
    ConversationItemAddedEvent,
    ConversationItemDoneEvent,
    OutputAudioBufferStartedEvent,
    OutputAudioBufferStoppedEvent,
    OutputAudioBufferClearedEvent,
    ResponseOutputAudioDeltaEvent,
    ResponseOutputAudioDoneEvent,
    ResponseOutputAudioTranscriptDeltaEvent,
    ResponseOutputAudioTranscriptDoneEvent,
    ResponseOutputTextDeltaEvent,
    ResponseOutputTextDoneEvent,
    ConversationItemCreatedEvent,
    ConversationItemDeletedEvent,
    ConversationItemInputAudioTranscriptionCompletedEvent,
    ConversationItemInputAudioTranscriptionDeltaEvent,
    ConversationItemInputAudioTranscriptionFailedEvent,
    ConversationItemInputAudioTranscriptionSegmentEvent,
    ConversationItemRetrievedEvent,
    ConversationItemTruncatedEvent,
    ErrorEvent,
    InputAudioBufferClearedEvent,
    InputAudioBufferCommittedEvent,
    InputAudioBufferSpeechStartedEvent,
    InputAudioBufferSpeechStoppedEvent,
    InputAudioBufferTimeoutTriggeredEvent,
    McpListToolsCompletedEvent,
    McpListToolsFailedEvent,
    McpListToolsInProgressEvent,
    RateLimitsUpdatedEvent,
    ResponseAudioDeltaEvent,
    ResponseAudioDoneEvent,
    ResponseAudioTranscriptDeltaEvent,
    ResponseAudioTranscriptDoneEvent,
    ResponseContentPartAddedEvent,
    ResponseContentPartDoneEvent,
    ResponseCreatedEvent,
    ResponseDoneEvent,
    ResponseFunctionCallArgumentsDeltaEvent,
    ResponseFunctionCallArgumentsDoneEvent,
    ResponseMcpCallArgumentsDeltaEvent,
    ResponseMcpCallArgumentsDoneEvent,
    ResponseMcpCallCompletedEvent,
    ResponseMcpCallFailedEvent,
    ResponseMcpCallInProgressEvent,
    ResponseOutputItemAddedEvent,
    ResponseOutputItemDoneEvent,
    ResponseTextDeltaEvent,
    ResponseTextDoneEvent,
    SessionCreatedEvent,
    SessionUpdatedEvent,
    TranscriptionSessionCreatedEvent,
    TranscriptionSessionUpdatedEvent,
    RealtimeServerEvent,
], ByType()]

#: Any event the client sends.
ClientEvent = Annotated[Union[
    ConversationItemCreateEvent,
    ConversationItemDeleteEvent,
    ConversationItemRetrieveEvent,
    ConversationItemTruncateEvent,
    InputAudioBufferAppendEvent,
    InputAudioBufferClearEvent,
    InputAudioBufferCommitEvent,
    OutputAudioBufferClearEvent,
    ResponseCancelEvent,
    ResponseCreateEvent,
    SessionUpdateEvent,
    TranscriptionSessionUpdateEvent,
    RealtimeClientEvent,
], ByType()]

__all__ = [
    "ClientEvent",
    "ConversationCreatedEvent",
    "ConversationItemAddedEvent",
    "ConversationItemDoneEvent",
    "OutputAudioBufferClearedEvent",
    "OutputAudioBufferStartedEvent",
    "OutputAudioBufferStoppedEvent",
    "ResponseOutputAudioDeltaEvent",
    "ResponseOutputAudioDoneEvent",
    "ResponseOutputAudioTranscriptDeltaEvent",
    "ResponseOutputAudioTranscriptDoneEvent",
    "ResponseOutputTextDeltaEvent",
    "ResponseOutputTextDoneEvent",
    "ConversationItemCreateEvent",
    "ConversationItemCreatedEvent",
    "ConversationItemDeleteEvent",
    "ConversationItemDeletedEvent",
    "ConversationItemInputAudioTranscriptionCompletedEvent",
    "ConversationItemInputAudioTranscriptionDeltaEvent",
    "ConversationItemInputAudioTranscriptionFailedEvent",
    "ConversationItemInputAudioTranscriptionSegmentEvent",
    "ConversationItemRetrieveEvent",
    "ConversationItemRetrievedEvent",
    "ConversationItemTruncateEvent",
    "ConversationItemTruncatedEvent",
    "ErrorEvent",
    "InputAudioBufferAppendEvent",
    "InputAudioBufferClearEvent",
    "InputAudioBufferClearedEvent",
    "InputAudioBufferCommitEvent",
    "InputAudioBufferCommittedEvent",
    "InputAudioBufferSpeechStartedEvent",
    "InputAudioBufferSpeechStoppedEvent",
    "InputAudioBufferTimeoutTriggeredEvent",
    "McpListToolsCompletedEvent",
    "McpListToolsFailedEvent",
    "McpListToolsInProgressEvent",
    "OutputAudioBufferClearEvent",
    "RateLimitsUpdatedEvent",
    "RealtimeError",
    "ResponseAudioDeltaEvent",
    "ResponseAudioDoneEvent",
    "ResponseAudioTranscriptDeltaEvent",
    "ResponseAudioTranscriptDoneEvent",
    "ResponseCancelEvent",
    "ResponseContentPartAddedEvent",
    "ResponseContentPartDoneEvent",
    "ResponseCreateEvent",
    "ResponseCreatedEvent",
    "ResponseDoneEvent",
    "ResponseFunctionCallArgumentsDeltaEvent",
    "ResponseFunctionCallArgumentsDoneEvent",
    "ResponseMcpCallArgumentsDeltaEvent",
    "ResponseMcpCallArgumentsDoneEvent",
    "ResponseMcpCallCompletedEvent",
    "ResponseMcpCallFailedEvent",
    "ResponseMcpCallInProgressEvent",
    "ResponseOutputItemAddedEvent",
    "ResponseOutputItemDoneEvent",
    "ResponseTextDeltaEvent",
    "ResponseTextDoneEvent",
    "ServerEvent",
    "SessionCreatedEvent",
    "SessionUpdateEvent",
    "SessionUpdatedEvent",
    "TranscriptionSessionCreatedEvent",
    "TranscriptionSessionUpdateEvent",
    "TranscriptionSessionUpdatedEvent",
]
