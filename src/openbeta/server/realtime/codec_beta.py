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

from typing import Any, Optional

from ...types.realtime_params import (AudioAppend, BetaResponseParams, ClientEventParams, ItemCreate, ItemParams,
                                      ItemRef, ItemTruncate, ResponseCancel, ResponseCreate, SessionUpdate)
from ..errors import InvalidRequest
from ..ids import new_id
from ..validation import validate
from . import config as cfg

_SHAPES: dict[str, type[ClientEventParams]] = {
    "session.update": SessionUpdate,
    "transcription_session.update": SessionUpdate,
    "input_audio_buffer.append": AudioAppend,
    "input_audio_buffer.commit": ClientEventParams,
    "input_audio_buffer.clear": ClientEventParams,
    "output_audio_buffer.clear": ClientEventParams,
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
