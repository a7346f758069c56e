"""Speech starts at the answer's first clause: the first piece spoken ends at the first pause mark after
``MIN_CLAUSE_WORDS`` words (or the first sentence, if that ends sooner); the rest is spoken sentence by sentence."""

from __future__ import annotations

import base64
from typing import Any

import pytest

from realtime_voice_double import FakeVoice
from test_realtime_voice_hooks import answered, open_session


def spoken(app: Any, answer: str) -> tuple[list[str], list[dict[str, Any]]]:
    voice = FakeVoice()
    with open_session(app, voice) as ws:
        events = answered(ws, answer)
    return [text for text, _voice, _speed in voice.said], events


@pytest.mark.parametrize("answer, pieces", [
    ("Paris, the capital of France, is also its largest city. It lies on the Seine.",
     ["Paris, the capital of France,", "is also its largest city.", "It lies on the Seine."]),
    # a pause after fewer words does not end the first piece; later sentences are not cut at their commas
    ("Yes, it is, and it rains there often. In spring, it rains less.",
     ["Yes, it is,", "and it rains there often.", "In spring, it rains less."]),
    ("Sure. I can help you - just ask.", ["Sure.", "I can help you - just ask."]),
    ("Three short words; then the rest of it", ["Three short words;", "then the rest of it"]),
    ("The year 1,000 came", ["The year 1,000 came"]),
])
def test_the_first_piece_spoken_is_the_first_clause(app, answer: str, pieces: list[str]) -> None:
    said, events = spoken(app, answer)
    assert said == pieces
    transcript = "".join(e["delta"] for e in events if e["type"] == "response.audio_transcript.delta")
    assert transcript == answer  # the text is whole, however it was cut for speech
    audio = b"".join(base64.b64decode(e["delta"]) for e in events if e["type"] == "response.audio.delta")
    assert len(audio) == 4800 * len(answer.split())  # every word spoken once (the double: 100 ms a word)
