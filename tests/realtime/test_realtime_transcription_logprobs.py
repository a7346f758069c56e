"""``include: ["item.input_audio_transcription.logprobs"]``: each transcription delta carries the log
probabilities of exactly its text's tokens, and the completed event those of the whole transcript; without
it, the events have no ``logprobs`` field. Beta and GA, realtime and transcription sessions, a manual commit
and a spoken turn transcribed in passes. Driven in process with the voice pipeline's double, whose tokens
are its words (log probability ``-len(word) / 100``)."""

from __future__ import annotations

from typing import Any

import pytest

from realtime_voice_double import FakeVoice
from test_realtime_voice_hooks import SILENCE, TONE, append, open_session, opened, send, until

INCLUDE = ["item.input_audio_transcription.logprobs"]
DELTA = "conversation.item.input_audio_transcription.delta"
COMPLETED = "conversation.item.input_audio_transcription.completed"


def covered(text: str, logprobs: list[dict[str, Any]]) -> None:
    """The entries cover ``text`` exactly, each well formed."""
    assert b"".join(bytes(entry["bytes"]) for entry in logprobs) == text.encode()
    assert "".join(entry["token"] for entry in logprobs) == text
    for entry in logprobs:
        assert set(entry) == {"token", "logprob", "bytes"} and entry["logprob"] <= 0


def transcribed(ws: Any, chunks: list[bytes], *, commit: bool = False) -> list[dict[str, Any]]:
    for chunk in chunks:
        append(ws, chunk)
    if commit:
        send(ws, type="input_audio_buffer.commit")
    return until(ws, COMPLETED)


def split(events: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    return [e for e in events if e["type"] == DELTA], events[-1]


@pytest.mark.parametrize("include", [INCLUDE, None])
def test_beta_session_update_include_adds_logprobs_to_deltas_and_completed(app, include) -> None:
    voice = FakeVoice(transcript="the quick fox")
    with open_session(app, voice) as ws:
        opened(ws)
        send(ws, type="session.update", session={"modalities": ["text"], "turn_detection": None,
                                                 "input_audio_transcription": {"model": "whisper-1"},
                                                 **({"include": include} if include else {})})
        assert ws.receive_json()["session"].get("include") == include
        deltas, completed = split(transcribed(ws, [TONE] * 3, commit=True))
    assert [d["delta"] for d in deltas] == ["the ", "quick ", "fox"]
    assert completed["transcript"] == "the quick fox"
    if include is None:
        assert all("logprobs" not in event for event in [*deltas, completed])
        return
    for delta in deltas:
        covered(delta["delta"], delta["logprobs"])
    covered(completed["transcript"], completed["logprobs"])
    assert [e["logprob"] for e in completed["logprobs"]] == [-0.03, -0.05, -0.03]
    assert completed["logprobs"] == [entry for d in deltas for entry in d["logprobs"]]


def test_ga_include_adds_logprobs(app) -> None:
    voice = FakeVoice(transcript="ga has them")
    with open_session(app, voice, beta=False) as ws:
        opened(ws)
        send(ws, type="session.update", session={"type": "realtime", "output_modalities": ["text"],
                                                 "include": INCLUDE, "audio": {"input": {
                                                     "turn_detection": None,
                                                     "transcription": {"model": "whisper-1"}}}})
        assert ws.receive_json()["session"]["include"] == INCLUDE
        deltas, completed = split(transcribed(ws, [TONE] * 3, commit=True))
        covered(completed["transcript"], completed["logprobs"])
        assert "".join(d["delta"] for d in deltas) == "ga has them"
        for delta in deltas:
            covered(delta["delta"], delta["logprobs"])
        # Asked no more: the next turn's events have none.
        send(ws, type="session.update", session={"type": "realtime", "include": None})
        assert ws.receive_json()["session"]["include"] is None
        deltas, completed = split(transcribed(ws, [TONE] * 3, commit=True))
        assert all("logprobs" not in event for event in [*deltas, completed])


@pytest.mark.parametrize("beta", [True, False])
def test_transcription_sessions_send_logprobs_when_asked(app, beta) -> None:
    voice = FakeVoice(transcripts=["said once", "said twice"])
    with open_session(app, voice, query="&intent=transcription", beta=beta) as ws:
        assert ws.receive_json()["type"] == ("transcription_session.created" if beta else "session.created")
        if beta:
            send(ws, type="transcription_session.update", session={"include": INCLUDE})
        else:
            send(ws, type="session.update", session={"type": "transcription", "include": INCLUDE})
        assert ws.receive_json()["session"]["include"] == INCLUDE
        deltas, completed = split(transcribed(ws, [TONE] * 3 + [SILENCE] * 6))
        assert completed["transcript"] == "said once"
        covered("said once", completed["logprobs"])
        for delta in deltas:
            covered(delta["delta"], delta["logprobs"])


def test_a_turn_transcribed_in_passes_keeps_the_tokens_with_the_text(app) -> None:
    """Two passes (a long stretch before a pause, then the rest): each pass's text is trimmed and the two are
    joined with a space; the space goes on the second pass's first token."""
    voice = FakeVoice(transcripts=["first part ", "second part"], pauses=True)
    with open_session(app, voice) as ws:
        opened(ws)
        send(ws, type="session.update", session={
            "modalities": ["text"], "input_audio_transcription": {"model": "whisper-1"}, "include": INCLUDE,
            "turn_detection": {"type": "server_vad", "silence_duration_ms": 500, "prefix_padding_ms": 0,
                               "create_response": False}})
        assert ws.receive_json()["type"] == "session.updated"
        deltas, completed = split(transcribed(ws, [SILENCE] + [TONE] * 20 + [SILENCE] * 2 + [TONE] * 4
                                              + [SILENCE] * 6))
    assert [d["delta"] for d in deltas] == ["first part", " second part"]
    assert completed["transcript"] == "first part second part"
    covered(completed["transcript"], completed["logprobs"])
    assert [e["token"] for e in completed["logprobs"]] == ["first ", "part", " second ", "part"]
    for delta in deltas:
        covered(delta["delta"], delta["logprobs"])


@pytest.mark.parametrize("entries", [
    None, "tokens", [{"token": "a", "logprob": 0.5}], [{"token": "a", "logprob": float("nan")}],
    [{"token": "a", "logprob": True}], [{"token": 1, "logprob": -0.1}], [{"token": "a", "logprob": -0.1, "bytes": [256]}],
    [{"token": "a", "logprob": -0.1, "bytes": "a"}], [{"token": "a", "logprob": -0.1}] * 5000,
])
def test_an_audio_server_s_malformed_logprobs_are_not_passed_on(entries) -> None:
    """An audio server's answer is hostile input: anything but a bounded list of well-formed tokens is taken as
    none (``null`` on the wire), never forwarded as it came."""
    from openbeta.server.realtime.heard import from_server

    assert from_server(entries) is None


def test_trimming_and_joining_keep_tokens_on_their_text() -> None:
    from openbeta.server.realtime.heard import Heard, join, prefixed, strip, wire

    piece = strip(Heard(" caf\u00e9 au lait \n", [(b" caf\xc3", -0.1), (b"\xa9", -0.2), (b" au", -0.3),
                                                   (b" lait", -0.4), (b" \n", -0.5)]))
    assert piece == "caf\u00e9 au lait" and piece.logprobs == ((b"caf\xc3", -0.1), (b"\xa9", -0.2), (b" au", -0.3),
                                                             (b" lait", -0.4))
    # a token holding part of a character: its bytes are exact, its text has the replacement character
    assert [entry["token"] for entry in wire(piece.logprobs)] == ["caf\ufffd", "\ufffd", " au", " lait"]
    both = join([piece, prefixed(" ", strip(Heard(" merci", [(b" merci", -0.6)])))])
    assert both == "caf\u00e9 au lait merci" and b"".join(t for t, _ in both.logprobs) == both.encode()
    assert join([piece, "plain"]).logprobs is None and join([]).logprobs is None
