"""The GA protocol (``client.realtime.connect``, no ``OpenAI-Beta`` header).

Differences from the beta protocol, all translated here:
- sessions are nested (``type``, ``output_modalities``, ``audio.input.format {type, rate}``,
  ``audio.output.voice``, ``max_output_tokens``) and ``session.update`` carries ``type``;
- assistant content is ``output_text``/``output_audio`` (internally ``text``/``audio``);
- events ``response.output_text.*``, ``response.output_audio.*``,
  ``response.output_audio_transcript.*``; items announce ``conversation.item.added`` and
  ``conversation.item.done`` (no ``conversation.item.created``);
- responses carry ``output_modalities`` and ``audio.output {format, voice}``.
"""

from __future__ import annotations

import copy
from typing import Any, Optional

from ...types.realtime_objects import GAResponseObject
from ...types.realtime_params import GAResponseParams
from ..errors import InvalidRequest
from ..validation import validate
from . import config as cfg
from .codec_beta import BetaCodec, _under

_RENAMES = {
    "response.text.delta": "response.output_text.delta",
    "response.text.done": "response.output_text.done",
    "response.audio.delta": "response.output_audio.delta",
    "response.audio.done": "response.output_audio.done",
    "response.audio_transcript.delta": "response.output_audio_transcript.delta",
    "response.audio_transcript.done": "response.output_audio_transcript.done",
    "conversation.item.created": "conversation.item.added",
}
_CONTENT_OUT = {"text": "output_text", "audio": "output_audio"}
_CONTENT_IN = {"output_text": "text", "output_audio": "audio"}


def _item_out(item: dict[str, Any]) -> dict[str, Any]:
    if item.get("type") != "message" or item.get("role") != "assistant":
        return item
    out = dict(item)
    out["content"] = [{**part, "type": _CONTENT_OUT.get(part.get("type"), part.get("type"))}
                      for part in item.get("content") or []]
    return out


def _response_out(response: dict[str, Any]) -> dict[str, Any]:
    """The (beta-shaped) response as GA sends it: ``output_modalities`` and ``audio.output`` in place of
    ``modalities``, ``voice``, ``output_audio_format`` and ``temperature``."""
    return GAResponseObject(
        **{key: response.get(key) for key in ("object", "id", "status", "status_details", "conversation_id",
                                              "max_output_tokens", "usage", "metadata")},
        output=[_item_out(item) for item in response.get("output") or []],
        audio={"output": {"format": cfg._GA_FORMATS[response.get("output_audio_format") or "pcm16"],
                          "voice": response.get("voice")}},
        output_modalities=["audio"] if "audio" in (response.get("modalities") or []) else ["text"]).to_dict()


class GACodec(BetaCodec):
    name = "ga"
    client_types = tuple(t for t in BetaCodec.client_types if t != "transcription_session.update")

    def session_in(self, session: dict[str, Any], *, transcription: bool) -> dict[str, Any]:
        if "type" not in session:
            raise InvalidRequest("Missing required parameter: 'session.type'.", param="session.type",
                                 code="missing_required_parameter")
        return _under("session", cfg.parse_ga, session)

    def item_in(self, item: dict[str, Any]) -> dict[str, Any]:
        given = super().item_in(item)
        for part in given.get("content") or []:
            part["type"] = _CONTENT_IN.get(part["type"], part["type"])
        return given

    def response_in(self, response: dict[str, Any]) -> dict[str, Any]:
        given = validate(GAResponseParams, response).given()
        out: dict[str, Any] = {k: v for k, v in given.items()
                               if k in ("instructions", "tools", "tool_choice", "conversation", "metadata")}
        if "output_modalities" in given:
            out["modalities"] = ["text", "audio"] if "audio" in given["output_modalities"] else ["text"]
        if "max_output_tokens" in given:
            out["max_response_output_tokens"] = given["max_output_tokens"]
        audio_out = (given.get("audio") or {}).get("output") or {}
        if audio_out.get("format"):
            out["output_audio_format"] = cfg.ga_format(audio_out["format"])
        if audio_out.get("voice"):
            out["voice"] = audio_out["voice"]
        if "input" in given:
            out["input"] = [_under(f"input[{i}]", self.item_in, item) for i, item in enumerate(given["input"])]
        return out

    def encode(self, kind: str, fields: dict[str, Any]) -> Optional[dict[str, Any]]:
        fields = copy.copy(fields)
        if "item" in fields:
            fields["item"] = _item_out(fields["item"])
        if "response" in fields:
            fields["response"] = _response_out(fields["response"])
        return self._event(_RENAMES.get(kind, kind), fields)

    def session(self, config: dict[str, Any], *, session_id: str, expires_at: int) -> dict[str, Any]:
        return cfg.render_ga(config, session_id=session_id, expires_at=expires_at)

    def created_event(self, config: dict[str, Any]) -> str:
        return "session.created"

    def updated_event(self, config: dict[str, Any], client_kind: str) -> str:
        return "session.updated"
