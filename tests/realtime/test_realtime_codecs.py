"""The two protocols' mappings (beta and GA) round-trip sessions, items and responses."""

from __future__ import annotations

import pytest

from openbeta.server.errors import InvalidRequest
from openbeta.server.realtime import config as cfg
from openbeta.server.realtime.codec_beta import BetaCodec
from openbeta.server.realtime.codec_ga import GACodec

TOOL = {"type": "function", "name": "f", "description": "d", "parameters": {"type": "object"}}


def test_ga_session_round_trips_through_the_internal_form() -> None:
    config = cfg.apply(cfg.default_config(), {
        "modalities": ["text", "audio"], "input_audio_format": "g711_ulaw", "output_audio_format": "g711_alaw",
        "voice": "marin", "speed": 1.2, "tools": [TOOL], "tool_choice": "required", "instructions": "x",
        "max_response_output_tokens": 99, "input_audio_transcription": {"model": "whisper-1", "language": "en"},
        "turn_detection": {"type": "semantic_vad", "eagerness": "low"}})
    rendered = cfg.render_ga(config, session_id="sess_1", expires_at=5)
    assert rendered["output_modalities"] == ["audio"] and rendered["audio"]["input"]["format"] == {"type": "audio/pcmu"}
    assert rendered["audio"]["output"] == {"format": {"type": "audio/pcma"}, "voice": "marin", "speed": 1.2}
    back = cfg.apply(cfg.default_config(), cfg.parse_ga(rendered))
    assert {k: v for k, v in back.items() if k != "temperature"} == \
        {k: v for k, v in config.items() if k != "temperature"}
    beta = cfg.render_beta(config, session_id="sess_1", expires_at=5)
    assert cfg.apply(cfg.default_config(), cfg.parse_beta(beta)) == config


def test_codecs_name_events_and_content_for_their_protocol() -> None:
    item = {"id": "item_1", "object": "realtime.item", "type": "message", "status": "completed",
            "role": "assistant", "content": [{"type": "audio", "transcript": "hi"}]}
    response = {"object": "realtime.response", "id": "resp_1", "status": "completed", "status_details": None,
                "output": [item], "conversation_id": "conv_1", "modalities": ["text", "audio"], "voice": "alloy",
                "output_audio_format": "pcm16", "temperature": 0.8, "max_output_tokens": "inf", "usage": None,
                "metadata": None}
    beta, ga = BetaCodec(), GACodec()
    assert beta.encode("conversation.item.done", {"item": item}) is None
    assert ga.encode("conversation.item.created", {"item": item})["type"] == "conversation.item.added"
    assert ga.encode("response.audio_transcript.delta", {"delta": "h"})["type"] == \
        "response.output_audio_transcript.delta"
    assert beta.encode("response.text.delta", {"delta": "h"})["type"] == "response.text.delta"
    event = ga.encode("response.done", {"response": response})
    assert list(event)[:2] == ["type", "event_id"]
    assert event["response"]["output_modalities"] == ["audio"] and "modalities" not in event["response"]
    assert event["response"]["audio"]["output"] == {"format": {"type": "audio/pcm", "rate": 24000}, "voice": "alloy"}
    assert event["response"]["output"][0]["content"] == [{"type": "output_audio", "transcript": "hi"}]
    assert item["content"][0]["type"] == "audio"  # the session's own item is untouched
    kind, fields = ga.decode({"type": "conversation.item.create", "item": {
        "type": "message", "role": "assistant", "content": [{"type": "output_text", "text": "t"}]}})
    assert fields["item"]["content"] == [{"type": "text", "text": "t"}]
    kind, fields = ga.decode({"type": "response.create", "response": {"output_modalities": ["audio"],
                                                                      "max_output_tokens": 7,
                                                                      "audio": {"output": {"voice": "cedar"}}}})
    assert fields["response"] == {"modalities": ["text", "audio"], "max_response_output_tokens": 7, "voice": "cedar"}


@pytest.mark.parametrize(("event", "param", "code"), [
    ({}, "type", "missing_required_parameter"),
    ({"type": 5}, "type", "invalid_value"),
    ({"type": "response.create", "extra": 1}, "extra", "unknown_parameter"),
    ({"type": "session.update", "session": "x"}, "session", "invalid_type"),
    ({"type": "conversation.item.truncate", "item_id": "i", "content_index": -1, "audio_end_ms": 0},
     "content_index", "integer_below_min_value"),
    ({"type": "response.create", "response": {"temperature": "hot"}}, "response.temperature", "invalid_type"),
    ({"type": "conversation.item.create", "item": {"type": "message", "content": [{"type": "video"}]}},
     "item.content[0].type", "invalid_value"),
])
def test_bad_events_name_their_param(event, param, code) -> None:
    with pytest.raises(InvalidRequest) as info:
        BetaCodec().decode(event)
    assert (info.value.param, info.value.code) == (param, code)
