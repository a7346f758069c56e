"""Realtime request shapes: session objects (beta and GA), client events and response options, as the
server validates them (``POST /realtime/sessions``, ``/transcription_sessions``, ``/client_secrets`` and
the WebSocket's client events). The server's realtime face (``server/realtime/``) validates with these;
the answers' shapes are in :mod:`.realtime` and :mod:`.realtime_events`.
"""

from __future__ import annotations

from typing import Any, Literal, Optional, Union

from pydantic import Field, field_validator, model_validator

from ._base import RequestModel

BetaFormat = Literal["pcm16", "g711_ulaw", "g711_alaw"]
Modality = Literal["text", "audio"]


def no_prompt_templates(value: Any) -> Any:
    """``prompt`` (a stored prompt template's reference) is refused: there is no prompt store here."""
    if value is not None:
        raise ValueError("stored prompt templates are not supported here: send 'instructions' instead")
    return value


class TurnDetectionParams(RequestModel):
    type: Literal["server_vad", "semantic_vad"] = "server_vad"
    threshold: Optional[float] = Field(default=None, ge=0, le=1)
    prefix_padding_ms: Optional[int] = Field(default=None, ge=0)
    silence_duration_ms: Optional[int] = Field(default=None, ge=0)
    create_response: Optional[bool] = None
    interrupt_response: Optional[bool] = None
    eagerness: Optional[Literal["low", "medium", "high", "auto"]] = None
    idle_timeout_ms: Optional[int] = Field(default=None, ge=5000, le=30000)

    @model_validator(mode="after")
    def _idle_timeout_needs_server_vad(self) -> "TurnDetectionParams":
        if self.idle_timeout_ms is not None and self.type == "semantic_vad":
            raise ValueError("idle timeout is only supported for 'server_vad' turn detection")
        return self


class TranscriptionParams(RequestModel):
    model: Optional[str] = None
    language: Optional[str] = None
    prompt: Optional[str] = None


class NoiseReductionParams(RequestModel):
    """Noise reduction of the input audio. (Whether it can run is the server's to say: ``server/realtime/config.py``
    refuses it by name where its packages are not installed.)"""

    type: Optional[Literal["near_field", "far_field"]] = None


class FunctionToolParams(RequestModel):
    type: Literal["function"] = "function"
    name: str = Field(min_length=1, max_length=64)
    description: Optional[str] = None
    parameters: Optional[dict[str, Any]] = None


class ExpiresAfterParams(RequestModel):
    anchor: Literal["created_at"] = "created_at"
    seconds: int = Field(default=600, ge=10, le=7200)


class ClientSecretParams(RequestModel):
    expires_after: Optional[ExpiresAfterParams] = None


Tools = Optional[list[FunctionToolParams]]
#: What ``include`` may ask for: the transcription's token log probabilities.
Include = Optional[list[Literal["item.input_audio_transcription.logprobs"]]]
MaxTokens = Optional[Union[int, Literal["inf"]]]


class BetaSessionParams(RequestModel):
    """A beta session (``POST /realtime/sessions`` body, ``session.update``'s ``session``)."""

    model: Optional[str] = None
    modalities: Optional[list[Modality]] = Field(default=None, min_length=1, max_length=2)
    instructions: Optional[str] = Field(default=None, max_length=256_000)
    voice: Optional[str] = None
    input_audio_format: Optional[BetaFormat] = None
    output_audio_format: Optional[BetaFormat] = None
    input_audio_transcription: Optional[TranscriptionParams] = None
    input_audio_noise_reduction: Optional[NoiseReductionParams] = None
    turn_detection: Optional[TurnDetectionParams] = None
    tools: Tools = Field(default=None, max_length=128)
    tool_choice: Optional[str] = None
    temperature: Optional[float] = Field(default=None, ge=0, le=2)
    max_response_output_tokens: MaxTokens = None
    speed: Optional[float] = Field(default=None, ge=0.25, le=1.5)
    tracing: Optional[Any] = None
    include: Include = None
    client_secret: Optional[ClientSecretParams] = None
    # Echoed back by clients that send the whole session object; ignored.
    id: Optional[str] = None
    object: Optional[str] = None
    expires_at: Optional[int] = None


class BetaTranscriptionSessionParams(RequestModel):
    """A beta transcription session (``POST /realtime/transcription_sessions``, ``transcription_session.update``)."""

    modalities: Optional[list[Modality]] = None
    input_audio_format: Optional[BetaFormat] = None
    input_audio_transcription: Optional[TranscriptionParams] = None
    input_audio_noise_reduction: Optional[NoiseReductionParams] = None
    turn_detection: Optional[TurnDetectionParams] = None
    include: Include = None
    client_secret: Optional[ClientSecretParams] = None


class GAFormatParams(RequestModel):
    type: Literal["audio/pcm", "audio/pcmu", "audio/pcma"]
    rate: Optional[Literal[24000]] = None


class GAAudioInputParams(RequestModel):
    format: Optional[GAFormatParams] = None
    transcription: Optional[TranscriptionParams] = None
    noise_reduction: Optional[NoiseReductionParams] = None
    turn_detection: Optional[TurnDetectionParams] = None


class GAAudioOutputParams(RequestModel):
    format: Optional[GAFormatParams] = None
    voice: Optional[str] = None
    speed: Optional[float] = Field(default=None, ge=0.25, le=1.5)


class GAAudioParams(RequestModel):
    input: Optional[GAAudioInputParams] = None
    output: Optional[GAAudioOutputParams] = None


class GASessionParams(RequestModel):
    """A GA session (``client_secrets`` ``session``, ``session.update``'s ``session``)."""

    type: Literal["realtime", "transcription"]
    model: Optional[str] = None
    instructions: Optional[str] = Field(default=None, max_length=256_000)
    output_modalities: Optional[list[Modality]] = Field(default=None, min_length=1, max_length=1)
    audio: Optional[GAAudioParams] = None
    tools: Tools = Field(default=None, max_length=128)
    tool_choice: Optional[Union[str, dict[str, Any]]] = None
    max_output_tokens: MaxTokens = None
    tracing: Optional[Any] = None
    truncation: Optional[Any] = None
    prompt: Optional[Any] = None
    include: Include = None
    id: Optional[str] = None
    object: Optional[str] = None
    expires_at: Optional[int] = None

    @field_validator("truncation")
    @classmethod
    def _truncation_we_do(cls, value: Any) -> Any:
        if value not in (None, "auto", "disabled"):
            raise ValueError("only 'auto' (drop the oldest items to fit the model's context) and 'disabled' "
                             "truncation are supported, not a retention ratio")
        return value

    _no_prompt_templates = field_validator("prompt")(no_prompt_templates)


class GAClientSecretParams(RequestModel):
    """``POST /realtime/client_secrets``."""

    expires_after: Optional[ExpiresAfterParams] = None
    session: Optional[GASessionParams] = None


#: Largest ``input_audio_buffer.append`` audio (base64 characters), as the hosted API documents.
MAX_APPEND_CHARS = 15 * 1024 * 1024


class ContentParams(RequestModel):
    type: Literal["input_text", "input_audio", "item_reference", "text", "audio", "output_text", "output_audio",
                  "input_image"]
    text: Optional[str] = None
    audio: Optional[str] = None
    transcript: Optional[str] = None
    id: Optional[str] = None
    image_url: Optional[str] = None
    detail: Optional[str] = None


class ItemParams(RequestModel):
    id: Optional[str] = Field(default=None, min_length=1, max_length=64)
    type: Literal["message", "function_call", "function_call_output", "item_reference"] = "message"
    object: Optional[Literal["realtime.item"]] = None
    status: Optional[Literal["completed", "incomplete", "in_progress"]] = None
    role: Optional[Literal["user", "assistant", "system"]] = None
    content: Optional[list[ContentParams]] = None
    call_id: Optional[str] = None
    name: Optional[str] = None
    arguments: Optional[str] = None
    output: Optional[str] = None


class ClientEventParams(RequestModel):
    """A client event: its ``type`` and optional ``event_id``; the subclasses add each event's fields."""

    type: str
    event_id: Optional[str] = Field(default=None, max_length=512)


class SessionUpdate(ClientEventParams):
    session: dict[str, Any]


class AudioAppend(ClientEventParams):
    audio: str = Field(max_length=MAX_APPEND_CHARS)


class ItemCreate(ClientEventParams):
    previous_item_id: Optional[str] = None
    item: dict[str, Any]


class ItemRef(ClientEventParams):
    item_id: str


class ItemTruncate(ClientEventParams):
    item_id: str
    content_index: int = Field(ge=0)
    audio_end_ms: int = Field(ge=0)


class ResponseCreate(ClientEventParams):
    response: Optional[dict[str, Any]] = None


class ResponseCancel(ClientEventParams):
    response_id: Optional[str] = None


class BetaResponseParams(RequestModel):
    modalities: Optional[list[Modality]] = Field(default=None, min_length=1, max_length=2)
    instructions: Optional[str] = Field(default=None, max_length=256_000)
    voice: Optional[str] = None
    output_audio_format: Optional[BetaFormat] = None
    tools: Tools = Field(default=None, max_length=128)
    tool_choice: Optional[Union[str, dict[str, Any]]] = None
    temperature: Optional[float] = Field(default=None, ge=0, le=2)
    max_response_output_tokens: MaxTokens = None
    conversation: Optional[str] = None
    metadata: Optional[dict[str, str]] = Field(default=None, max_length=16)
    input: Optional[list[dict[str, Any]]] = None


class GAResponseAudioOutput(RequestModel):
    format: Optional[GAFormatParams] = None
    voice: Optional[str] = None


class GAResponseAudio(RequestModel):
    output: Optional[GAResponseAudioOutput] = None


class GAResponseParams(RequestModel):
    output_modalities: Optional[list[Modality]] = Field(default=None, min_length=1, max_length=1)
    instructions: Optional[str] = Field(default=None, max_length=256_000)
    audio: Optional[GAResponseAudio] = None
    tools: Tools = Field(default=None, max_length=128)
    tool_choice: Optional[Union[str, dict[str, Any]]] = None
    max_output_tokens: MaxTokens = None
    conversation: Optional[str] = None
    metadata: Optional[dict[str, str]] = Field(default=None, max_length=16)
    input: Optional[list[dict[str, Any]]] = None
    prompt: Optional[Any] = None
    parallel_tool_calls: Optional[bool] = None

    _no_prompt_templates = field_validator("prompt")(no_prompt_templates)


__all__ = [
    "AudioAppend",
    "BetaFormat",
    "BetaResponseParams",
    "BetaSessionParams",
    "BetaTranscriptionSessionParams",
    "ClientEventParams",
    "ClientSecretParams",
    "ContentParams",
    "ExpiresAfterParams",
    "FunctionToolParams",
    "GAAudioInputParams",
    "GAAudioOutputParams",
    "GAAudioParams",
    "GAClientSecretParams",
    "GAFormatParams",
    "GAResponseAudio",
    "GAResponseAudioOutput",
    "GAResponseParams",
    "GASessionParams",
    "Include",
    "ItemCreate",
    "ItemParams",
    "ItemRef",
    "ItemTruncate",
    "MAX_APPEND_CHARS",
    "MaxTokens",
    "Modality",
    "NoiseReductionParams",
    "ResponseCancel",
    "ResponseCreate",
    "SessionUpdate",
    "Tools",
    "TranscriptionParams",
    "TurnDetectionParams",
]
