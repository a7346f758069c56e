"""The beta protocol (``OpenAI-Beta: realtime=v1``): client events in, server events out.

The session engine speaks one internal dialect, which is the beta one: flat session
fields, item content ``text``/``audio``, events ``response.text.delta``,
``response.audio.delta``, ``response.audio_transcript.delta`` (the names the official
SDKs parse; the spec's beta schemas carry the GA names by mistake). So this codec
mostly validates: ``decode`` checks a client event and returns its internal form,
``encode`` puts ``type`` and a fresh ``event_id`` in front of an event's fields.
:mod:`.codec_ga` derives the GA protocol from it.
"""

from __future__ import annotations

from typing import Any, Literal, Optional, Union

from pydantic import Field

from ...types._base import RequestModel
from ..errors import InvalidRequest
from ..ids import new_id
from ..validation import validate
from . import config as cfg

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


class _Event(RequestModel):
    type: str
    event_id: Optional[str] = Field(default=None, max_length=512)


class SessionUpdate(_Event):
    session: dict[str, Any]


class AudioAppend(_Event):
    audio: str = Field(max_length=MAX_APPEND_CHARS)


class ItemCreate(_Event):
    previous_item_id: Optional[str] = None
    item: dict[str, Any]


class ItemRef(_Event):
    item_id: str


class ItemTruncate(_Event):
    item_id: str
    content_index: int = Field(ge=0)
    audio_end_ms: int = Field(ge=0)


class ResponseCreate(_Event):
    response: Optional[dict[str, Any]] = None


class ResponseCancel(_Event):
    response_id: Optional[str] = None


class BetaResponseParams(RequestModel):
    modalities: Optional[list[cfg.Modality]] = Field(default=None, min_length=1, max_length=2)
    instructions: Optional[str] = Field(default=None, max_length=256_000)
    voice: Optional[str] = None
    output_audio_format: Optional[cfg.BetaFormat] = None
    tools: cfg.Tools = Field(default=None, max_length=128)
    tool_choice: Optional[Union[str, dict[str, Any]]] = None
    temperature: Optional[float] = Field(default=None, ge=0, le=2)
    max_response_output_tokens: cfg.MaxTokens = None
    conversation: Optional[str] = None
    metadata: Optional[dict[str, str]] = Field(default=None, max_length=16)
    input: Optional[list[dict[str, Any]]] = None


_SHAPES: dict[str, type[_Event]] = {
    "session.update": SessionUpdate,
    "transcription_session.update": SessionUpdate,
    "input_audio_buffer.append": AudioAppend,
    "input_audio_buffer.commit": _Event,
    "input_audio_buffer.clear": _Event,
    "output_audio_buffer.clear": _Event,
    "conversation.item.create": ItemCreate,
    "conversation.item.retrieve": ItemRef,
    "conversation.item.delete": ItemRef,
    "conversation.item.truncate": ItemTruncate,
    "response.create": ResponseCreate,
    "response.cancel": ResponseCancel,
}


def _under(prefix: str, fn: Any, *args: Any, **kwargs: Any) -> Any:
    """``fn(...)``, its validation errors named under ``prefix`` (``session.voice``)."""
    try:
        return fn(*args, **kwargs)
    except InvalidRequest as exc:
        raise cfg.with_prefix(exc, prefix) from None


class BetaCodec:
    name = "beta"
    #: Client event types this protocol accepts.
    client_types: tuple[str, ...] = tuple(_SHAPES)

    # ------------------------------------------------------------ client events

    def decode(self, data: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        """A client event as ``(type, fields)`` in internal form; :class:`InvalidRequest` when it is bad."""
        kind = data.get("type")
        if kind is None:
            raise InvalidRequest("Missing required parameter: 'type'.", param="type",
                                 code="missing_required_parameter")
        if not isinstance(kind, str) or kind not in self.client_types:
            supported = ", ".join(f"'{t}'" for t in self.client_types)
            raise InvalidRequest(f"Invalid value: '{kind}'. Supported values are: {supported}.", param="type",
                                 code="invalid_value")
        fields = validate(_SHAPES[kind], data).given()
        fields.pop("type", None)
        fields.pop("event_id", None)
        if kind == "conversation.item.create":
            fields["item"] = _under("item", self.item_in, fields["item"])
        elif kind == "response.create":
            fields["response"] = _under("response", self.response_in, fields.get("response") or {})
        return kind, fields

    def session_in(self, session: dict[str, Any], *, transcription: bool) -> dict[str, Any]:
        """``session.update``'s (or ``transcription_session.update``'s) ``session`` as internal fields."""
        return _under("session", cfg.parse_beta, session, transcription=transcription)

    def item_in(self, item: dict[str, Any]) -> dict[str, Any]:
        return validate(ItemParams, item).given()

    def response_in(self, response: dict[str, Any]) -> dict[str, Any]:
        given = validate(BetaResponseParams, response).given()
        if "input" in given:
            given["input"] = [_under(f"input[{i}]", self.item_in, item) for i, item in enumerate(given["input"])]
        return given

    # ------------------------------------------------------------ server events

    def encode(self, kind: str, fields: dict[str, Any]) -> Optional[dict[str, Any]]:
        """The wire event for an internal one, or None when this protocol has no such event."""
        if kind == "conversation.item.done":
            return None
        return self._event(kind, fields)

    @staticmethod
    def _event(kind: str, fields: dict[str, Any]) -> dict[str, Any]:
        return {"type": kind, "event_id": new_id("event_", 20), **fields}

    def session(self, config: dict[str, Any], *, session_id: str, expires_at: int) -> dict[str, Any]:
        return cfg.render_beta(config, session_id=session_id, expires_at=expires_at)

    def created_event(self, config: dict[str, Any]) -> str:
        """The first event of a connection."""
        return "transcription_session.created" if config.get("kind") == "transcription" else "session.created"

    def updated_event(self, config: dict[str, Any], client_kind: str) -> str:
        return "transcription_session.updated" if client_kind == "transcription_session.update" else "session.updated"
