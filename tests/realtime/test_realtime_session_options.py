"""Session options are applied or refused, never stored and ignored: GA ``truncation`` (``auto`` drops the
oldest items to fit the model's context, ``disabled`` sends them all, a retention ratio is refused),
``prompt`` templates (refused), ``include`` (only the transcription's logprobs, the spec's one value; test_realtime_transcription_logprobs.py
checks they are sent)."""

from __future__ import annotations

from typing import Any

import openai
import pytest
from openai import OpenAI

from realtime_support import KEY, opening, until, user_item

#: Words per item: four of them are far more than the scripted model's 8192-word context holds.
WORDS = 3000


def _long(n: int) -> dict[str, Any]:
    return user_item(" ".join(f"w{n}" for _ in range(WORDS)))


def _secret_error(client: OpenAI, session: dict[str, Any]) -> dict[str, Any]:
    with pytest.raises(openai.BadRequestError) as info:
        client.realtime.client_secrets.create(session={"type": "realtime", **session})
    return info.value.body


def test_unsupported_options_are_refused_by_name(rt_server) -> None:
    client = OpenAI(base_url=rt_server.base_url, api_key=KEY)
    ratio = _secret_error(client, {"truncation": {"type": "retention_ratio", "retention_ratio": 0.5}})
    assert ratio["param"] == "session.truncation" and "retention ratio" in ratio["message"]
    prompt = _secret_error(client, {"prompt": {"id": "pmpt_1"}})
    assert prompt["param"] == "session.prompt" and "instructions" in prompt["message"]
    include = _secret_error(client, {"include": ["item.input_audio_transcription.words"]})
    assert include["param"].startswith("session.include")
    with client.realtime.connect(model="gpt-realtime") as conn:
        opening(conn)
        conn.send({"type": "session.update", "event_id": "p1",
                   "session": {"type": "realtime", "prompt": {"id": "pmpt_1"}}})
        error = conn.recv()
        assert error.type == "error" and error.error.param == "session.prompt" and error.error.event_id == "p1"
        conn.session.update(session={"type": "realtime", "truncation": "disabled",
                                     "include": ["item.input_audio_transcription.logprobs"]})
        updated = conn.recv()
        assert updated.session.truncation == "disabled"
        assert updated.session.include == ["item.input_audio_transcription.logprobs"]


@pytest.mark.parametrize("truncation", ["auto", "disabled"])
def test_truncation_auto_fits_the_context_and_disabled_sends_everything(rt_server, truncation) -> None:
    client = OpenAI(base_url=rt_server.base_url, api_key=KEY)
    with client.realtime.connect(model="gpt-realtime") as conn:
        opening(conn)
        conn.session.update(session={"type": "realtime", "output_modalities": ["text"], "truncation": truncation,
                                     "instructions": "Be brief."})
        assert conn.recv().session.truncation == truncation
        for n in range(4):
            conn.conversation.item.create(item=_long(n))
            until(conn, "conversation.item.done")
        conn.response.create(response={"max_output_tokens": 64})
        done = until(conn, "response.done")[-1].response
    used = done.usage.input_tokens
    if truncation == "auto":
        # the oldest items went; the newest two (and the instructions) fit under 8192 - 64
        assert 2 * WORDS < used <= 8192 - 64
    else:
        assert used > 4 * WORDS


@pytest.mark.parametrize("parse,body,param", [
    ("parse_beta", {"input_audio_noise_reduction": {"type": "near_field"}}, "input_audio_noise_reduction"),
    ("parse_ga", {"type": "realtime", "audio": {"input": {"noise_reduction": {"type": "far_field"}}}},
     "audio.input.noise_reduction"),
    ("check_client_secret",
     {"session": {"type": "realtime", "audio": {"input": {"noise_reduction": {"type": "near_field"}}}}},
     "session.audio.input.noise_reduction"),
])
def test_noise_reduction_is_refused_by_name_where_it_cannot_run(monkeypatch, parse, body, param):
    from openbeta.server.errors import InvalidRequest
    from openbeta.server.realtime import config, denoise

    monkeypatch.setattr(denoise, "unavailable", lambda: "noise reduction needs its packages")
    with pytest.raises(InvalidRequest) as refused:
        getattr(config, parse)(body)
    assert refused.value.param == param and "noise reduction needs its packages" in refused.value.message
    monkeypatch.setattr(denoise, "unavailable", lambda: None)
    getattr(config, parse)(body)  # where it can run, the same session is taken
