"""The realtime REST answers (``POST /v1/realtime/client_secrets``, ``/sessions``,
``/transcription_sessions``) match the spec's response schemas: no ``null`` where a schema has none."""

from __future__ import annotations

import pytest

from hardening_helpers import spec_document, with_deviations

schemathesis = pytest.importorskip("schemathesis")

TRANSCRIPTION = {"model": "whisper-1", "language": "en", "prompt": "names: Ada"}
#: (path, request body): defaults, and sessions with every optional part set or turned off.
REQUESTS = [
    ("/realtime/sessions", {}),
    ("/realtime/sessions", {"modalities": ["text"], "input_audio_transcription": {"model": "whisper-1"},
                            "turn_detection": {"type": "semantic_vad"}, "tracing": "auto",
                            "input_audio_noise_reduction": {"type": "near_field"},
                            "include": ["item.input_audio_transcription.logprobs"],
                            "tools": [{"type": "function", "name": "f", "parameters": {"type": "object"}}]}),
    ("/realtime/transcription_sessions", {}),
    ("/realtime/transcription_sessions", {"input_audio_transcription": {"model": "whisper-1"},
                                          "turn_detection": None}),
    ("/realtime/transcription_sessions", {"input_audio_transcription": TRANSCRIPTION,
                                          "input_audio_noise_reduction": {"type": "far_field"},
                                          "include": ["item.input_audio_transcription.logprobs"]}),
    ("/realtime/client_secrets", {}),
    ("/realtime/client_secrets", {"session": {"type": "realtime", "output_modalities": ["text"],
                                              "audio": {"input": {"transcription": {"model": "whisper-1"},
                                                                  "noise_reduction": {"type": "near_field"},
                                                                  "turn_detection": {"type": "semantic_vad"}}},
                                              "tracing": "auto"},
                                  "expires_after": {"anchor": "created_at", "seconds": 120}}),
    ("/realtime/client_secrets", {"session": {"type": "transcription"}}),
    ("/realtime/client_secrets", {"session": {"type": "transcription",
                                              "audio": {"input": {"transcription": TRANSCRIPTION,
                                                                  "turn_detection": None}},
                                              "include": ["item.input_audio_transcription.logprobs"]}}),
]


@pytest.fixture(scope="module")
def spec_schema():
    return schemathesis.openapi.from_dict(with_deviations(spec_document()))


@pytest.fixture(scope="module")
def api(module_api, db_kind):
    if db_kind != "sqlite":
        pytest.skip("independent of the database: runs on SQLite only")
    return module_api


@pytest.mark.parametrize("path,body", REQUESTS, ids=[f"{p} {i}" for i, (p, _) in enumerate(REQUESTS)])
def test_realtime_rest_answers_match_the_spec(api, spec_schema, path, body):
    response = api.post("/v1" + path, json=body)
    assert response.status_code == 200, response.text
    spec_schema[path]["POST"].validate_response(response)
    secret = response.json().get("client_secret", response.json())
    assert secret["value"].startswith("ek_")
