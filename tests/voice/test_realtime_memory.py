"""Realtime audio responses hold bounded memory, and a closed socket ends their work and frees it.

The report: a client that never read sent 300 out-of-band long audio responses; the server grew by
gigabytes, kept them after the disconnect, and went on working for a minute after the socket closed. A
client that read, with 50 such responses, added gigabytes too. Both are replayed here against a live
server with the real voice models (Piper speaks every response) and the scripted text model, through a
real WebSocket, watching the server process's resident memory in /proc and its work in ``/metrics``:

* while the scenario runs, the server grows by less than ``PEAK_GROWTH_MB`` over its warmed-up size;
* once the socket closes, every response and speech job of the session stops (``/metrics``: no response in
  progress, no speech job running, no more audio spoken);
* and the process returns to within 10% of its warmed-up size.

The warm-up (one transcription and one response, both read in full) loads the models and lets the speech
engine reach its working size first, so one-time loads are not counted as growth.
"""

from __future__ import annotations

import base64
import json
import socket
import threading
import time
from typing import Any, Callable, Iterator

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from server_process import launch, rss_mib

websockets_sync = pytest.importorskip("websockets.sync.client")

KEY = "sk-realtime-memory"
#: A long answer that never ends a sentence (a list run on with commas), as models write: about 20,000
#: characters, spoken in pieces the session cuts. Each clause is one piece (186 characters, the first
#: clause of the answer too), and every piece is the same: the voice model's working memory grows with a
#: piece's length, so pieces that differed (a short first clause, then longer ones; clauses that grow as
#: the answer goes on) would make the first pieces spoken take less than later ones, which the trend check
#: below would take for memory kept.
CLAUSE = ("the lantern on the harbour wall glowed amber while the tide rolled over the stones and the fishing "
          "boats came home in the evening light with their nets full and their sails folded down")
RUN_ON = ", ".join([CLAUSE] * 105)
#: Growth over the warmed-up size allowed while a session runs: the voice model's working memory while it
#: speaks (about 1 MB a character of a piece, pieces of at most 200, held by its arena until speech stops,
#: so the warmed-up size does not hold it), the session's outbox (8 MiB of events by default), the audio
#: of the speech jobs its 16 responses wait on, and the allocator's slack.
PEAK_GROWTH_MB = 500
#: Memory may wander this much from the first third of the scenario to its last; a server that keeps what
#: it makes grows far more.
TREND_SLACK_MB = 64
#: Returning to within this share of the warmed-up size after the session ends (the issue's bar).
RETURN_SHARE = 0.10
#: Generous liveness bounds (not timing claims): how long the checks below wait for what they expect.
SETTLE_SECONDS = 30
OBSERVE_SECONDS = 20


@pytest.fixture()
def server(tmp_path, voice) -> Iterator[Any]:
    started = launch(tmp_path / "server", {"OPENBETA_PROVIDER": "scripted", "OPENBETA_API_KEYS": KEY,
                                           "OPENBETA_PUBLIC_METRICS": "true"})
    yield started
    started.stop()


def _connect(server: Any, **options: Any) -> Any:
    return websockets_sync.connect(server.base_url.replace("http://", "ws://") + "/realtime?model=gpt-realtime",
                                   additional_headers={"Authorization": f"Bearer {KEY}", "OpenAI-Beta": "realtime=v1"},
                                   max_size=None, open_timeout=60, **options)


def _response_create(index: int, text: str) -> str:
    """An out-of-band audio response whose scripted answer is ``text``."""
    return json.dumps({"type": "response.create", "event_id": f"evt_{index}", "response": {
        "conversation": "none", "modalities": ["audio", "text"],
        "input": [{"type": "message", "role": "user", "content": [
            {"type": "input_text", "text": "SCRIPT: " + json.dumps({"text": text})}]}]}})


def _metrics(server: Any) -> dict[tuple[str, tuple], float]:
    """``(sample name, sorted labels) -> value`` of every series ``/metrics`` reports."""
    text = httpx.get(server.root_url + "/metrics", timeout=30).text
    return {(sample.name, tuple(sorted(sample.labels.items()))): sample.value
            for family in text_string_to_metric_families(text) for sample in family.samples}


def _value(metrics: dict[tuple[str, tuple], float], name: str, **labels: str) -> float:
    key = (name, tuple(sorted(labels.items())))
    assert key in metrics, f"/metrics has no {name} {labels}"
    return metrics[key]


def _spoken(server: Any) -> float:
    return _value(_metrics(server), "openbeta_voice_audio_seconds_total", kind="speech")


def _idle(server: Any) -> bool:
    """No realtime session, response or speech job is running on the server."""
    m = _metrics(server)
    return (_value(m, "openbeta_realtime_sessions") == 0 and _value(m, "openbeta_realtime_responses") == 0
            and _value(m, "openbeta_voice_jobs", kind="speech") == 0)


def _until(check: Callable[[], bool], seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.25)
    return check()


class _Sampler:
    """The server's resident memory, sampled every 100 ms on a thread: ``peak``, the most seen; ``seen``, the
    most of each second; ``exceeded`` is set once it passes ``limit`` (the scenario then stops early).

    ``settled`` is set (and ``settled_at`` is its second) once the server has spoken as much again as the
    warm-up did (``/metrics``): the voice model has then run as often as in the warm-up and reached the same
    working size, however slow the machine, and what it holds from then on is the session's to answer for."""

    def __init__(self, server: Any, limit: float) -> None:
        self.server = server
        self.pid = server.process.pid
        self.limit = limit
        self.peak = rss_mib(self.pid)
        self.seen: list[int] = []
        self.exceeded = threading.Event()
        spoken = _spoken(server)
        self._settles_at = 2 * spoken  # everything spoken so far is the warm-up's
        self.settled = threading.Event()
        self.settled_at = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        began = time.monotonic()
        while not self._stop.wait(0.1):
            rss = rss_mib(self.pid)
            self.peak = max(self.peak, rss)
            if rss > self.limit:
                self.exceeded.set()
            second = int(time.monotonic() - began)
            if second >= len(self.seen):
                self.seen.extend([0] * (second + 1 - len(self.seen)))
                if not self.settled.is_set() and _spoken(self.server) >= self._settles_at:
                    self.settled_at = second
                    self.settled.set()
            self.seen[second] = max(self.seen[second], round(rss))

    def __enter__(self) -> "_Sampler":
        self._thread.start()
        return self

    def __exit__(self, *_exc: Any) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, rss_mib(self.pid))


def _warmed_up(server: Any) -> float:
    """Load the voice models and run one long response through a reading client; the server's size then."""
    with _connect(server) as ws:
        assert json.loads(ws.recv(timeout=60))["type"] == "session.created"
        silence = base64.b64encode(b"\0" * 48000).decode()  # 1 s: the transcription loads speech-to-text
        ws.send(json.dumps({"type": "conversation.item.create", "item": {
            "type": "message", "role": "user", "content": [{"type": "input_audio", "audio": silence}]}}))
        ws.send(_response_create(0, RUN_ON[:1000]))  # five pieces, as every answer below speaks them
        audio = 0
        while True:
            event = json.loads(ws.recv(timeout=300))
            assert event["type"] != "error", event
            audio += event["type"] == "response.audio.delta"
            if event["type"] == "response.done":
                assert event["response"]["status"] == "completed" and audio, event
                break
    assert _until(lambda: _idle(server), SETTLE_SECONDS)
    time.sleep(3.0)  # the speech model gives its working memory back a second after speech stops
    return rss_mib(server.process.pid)


def _settle(sampler: _Sampler) -> float:
    """Wait until the voice model has reached its working size; the time to observe the session from then."""
    assert sampler.settled.wait(SETTLE_SECONDS * 4) or sampler.exceeded.is_set(), \
        f"the server did not speak as much as the warm-up did: {sampler.seen}"
    return time.monotonic() + OBSERVE_SECONDS


def _check_bounded(baseline: float, sampler: _Sampler) -> None:
    """While the session ran: less than ``PEAK_GROWTH_MB`` over the warmed-up size, and no growth with
    time (the last third of the ``OBSERVE_SECONDS`` after the voice model reached its working size holds no
    more than the server held when it reached it, give or take ``TREND_SLACK_MB``)."""
    growth = sampler.peak - baseline
    print(f"warmed up {baseline:.0f} MB; during the session, the most in each second: {sampler.seen} "
          f"(working size from second {sampler.settled_at})")
    assert growth < PEAK_GROWTH_MB, \
        f"the server grew by {growth:.0f} MB while the session ran (warmed up: {baseline:.0f} MB; most in " \
        f"each second: {sampler.seen})"
    assert sampler.settled.is_set(), f"the server did not speak as much as the warm-up did: {sampler.seen}"
    settled, third = sampler.settled_at, max(1, OBSERVE_SECONDS // 3)
    assert len(sampler.seen) >= settled + OBSERVE_SECONDS, f"the session was not observed long enough: {sampler.seen}"
    first, last = max(sampler.seen[:settled + 1]), max(sampler.seen[settled + OBSERVE_SECONDS - third:])
    assert last <= first + TREND_SLACK_MB, f"the server kept growing while the session ran: {sampler.seen}"


def _check_ended(server: Any, baseline: float, spoken_before: float) -> None:
    """Once the client is gone: the session's work has stopped, and its memory has gone back."""
    assert _spoken(server) > spoken_before, "no audio was spoken: the scenario did not run"
    # no response in progress, no speech job running, no audio made from then on
    assert _until(lambda: _idle(server), SETTLE_SECONDS), _metrics(server)
    spoken = _spoken(server)
    time.sleep(3.0)
    assert _spoken(server) == spoken, "speech went on after the session ended"
    pid = server.process.pid
    limit = baseline * (1 + RETURN_SHARE)
    _until(lambda: rss_mib(pid) <= limit, SETTLE_SECONDS)
    after = rss_mib(pid)
    print(f"after the session: {after:.0f} MB")
    assert after <= limit, f"{after:.0f} MB after the session, {baseline:.0f} MB warmed up (limit {limit:.0f} MB)"


def test_a_client_that_never_reads_300_long_audio_responses(server):
    baseline = _warmed_up(server)
    spoken_before = _spoken(server)
    with _Sampler(server, baseline + PEAK_GROWTH_MB) as sampler:
        ws = _connect(server, max_queue=1, ping_interval=None)  # reads nothing past the first frame or two
        for index in range(300):
            ws.send(_response_create(index, RUN_ON))
        sampler.exceeded.wait(_settle(sampler) - time.monotonic())
        ws.socket.shutdown(socket.SHUT_RDWR)  # gone, without a closing handshake
        ws.socket.close()
    _check_bounded(baseline, sampler)
    _check_ended(server, baseline, spoken_before)


def test_a_reading_client_with_50_long_audio_responses(server):
    baseline = _warmed_up(server)
    spoken_before = _spoken(server)
    answered: dict[str, str] = {}
    audio = 0
    with _Sampler(server, baseline + PEAK_GROWTH_MB) as sampler:
        with _connect(server) as ws:
            for index in range(1, 51):
                ws.send(_response_create(index, RUN_ON))
            give_up = time.monotonic() + SETTLE_SECONDS * 4
            deadline: float | None = None
            while not sampler.exceeded.is_set():
                now = time.monotonic()
                if deadline is None and sampler.settled.is_set():
                    deadline = now + OBSERVE_SECONDS
                if now >= (deadline or give_up):
                    break
                try:
                    event = json.loads(ws.recv(timeout=1.0))
                except TimeoutError:
                    continue
                if event["type"] == "response.created":
                    answered[event["response"]["id"]] = "created"
                elif event["type"] == "error":  # a response past the session's bound is refused, and says so
                    assert event["error"]["code"] == "too_many_responses", event
                    answered[event["error"]["event_id"]] = "refused"
                audio += event["type"] == "response.audio.delta"
    _check_bounded(baseline, sampler)
    assert audio, "the client heard no audio"
    assert len(answered) == 50, f"{len(answered)} of 50 responses were answered (created or refused)"
    _check_ended(server, baseline, spoken_before)
