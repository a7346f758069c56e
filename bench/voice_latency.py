"""Voice latency: end of speech -> first ``response.audio.delta``, its parts, and the transcripts' word error.

    python bench/voice_latency.py [--turns 10] [--provider local|scripted] [--vad semantic|server]
                                  [--voice alloy] [--max-tokens 24] [--baseline OTHER/src]
                                  [--audio-server [--server-stt-ms 150] [--server-tts-ms 100]]

One ``openbeta serve`` (the real voice models; the embedded model by default, or the scripted
model) and the official Python SDK's beta realtime client. Each turn sends one of the spoken
questions in ``CLIPS`` (synthesized by Piper beforehand: 1 s of silence, the question, 2 s of
silence) in 100 ms appends paced like a microphone (each chunk sent when it has been
"recorded"), with ``semantic_vad`` (eagerness auto) or ``server_vad`` (silence 500 ms). End of
speech is where the question's audio last rises above -40 dBFS (measured on the clip, so it does
not depend on the server's turn detection), as a wall-clock time on the paced stream.

``--audio-server`` puts speech to text and speech on a local fake OpenAI-compatible audio server
(in this process, on uvicorn): it answers a transcription with the clip's text after
``--server-stt-ms`` and streams 200 ms of speech per chunk, the first after ``--server-tts-ms``,
so the server's own times are known and what the table adds to them is openbeta's.

``--baseline OTHER/src`` starts a second server from another source tree and alternates the
turns between the two, so before and after share one run (and one machine load).

Measured per turn, in the same run:

* the server's timeline as the client receives it: ``speech_stopped`` (the turn detector's
  hangover), ``transcription.completed``, ``response.created``, the first transcript delta and
  the first audio delta, each after the end of speech;
* in this process, right after the turn, on the same inputs: Whisper on the committed audio in
  one pass, the same provider on the same prompt (to its first token, its first clause and its
  first sentence) and Piper on the answer's first piece (to its first chunk);
* the word error rate (``jiwer``) of the server's transcript against the clip's text, lower-cased
  without punctuation.

The load average (``os.getloadavg``) is printed at the start and the end.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Optional

from servers import SRC, free_port, stop, wait_until_up

sys.path.insert(0, str(SRC))

CLIPS = [
    "What is the capital of France? Please answer in one word.",
    "Could you tell me how long it takes to boil an egg, and whether I should salt the water first?",
    "I would like to book a table for four people tomorrow evening at seven.",
    "Turn off the lights in the kitchen, please.",
    "Why is the sky blue during the day but red at sunset?",
]
INSTRUCTIONS = "You are a helpful assistant. Answer in one short sentence."
SCRIPTED_ANSWER = "Paris, the capital of France, is also its largest city. It lies on the Seine."
SILENCE_MS = 500
CHUNK = 4800  # 100 ms of pcm16 24 kHz
_SENTENCE = re.compile(r"^(.+?[.!?])(\s|$)", re.S)
_CLAUSE = re.compile(r"^(.+?[.!?,;:\u2013\u2014])(\s|$)", re.S)


def start_server(data_dir: Path, provider: str, src: Path,
                 extra_env: Optional[dict[str, str]] = None) -> tuple[str, subprocess.Popen]:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("OPENBETA_")}
    env.update(PYTHONPATH=str(src), OPENBETA_PORT=str(port), OPENBETA_DATA_DIR=str(data_dir),
               OPENBETA_PROVIDER=provider, OPENBETA_LOG_LEVEL="warning", **(extra_env or {}))
    process = subprocess.Popen([sys.executable, "-m", "openbeta.cli", "serve"], env=env)
    root = f"http://127.0.0.1:{port}"
    wait_until_up(root + "/health", process, "openbeta serve")
    return root + "/v1", process


def start_audio_server(clips: list[tuple[str, bytes, int]], stt_ms: float, tts_ms: float) -> tuple[str, Any]:
    """The fake audio server, in a thread of this process: a transcription answers the text of the clip
    closest in length to the audio (its speech, with the silence openbeta commits around it), after ``stt_ms``;
    speech streams 200 ms chunks of a tone, the first after ``tts_ms``."""
    import io
    import threading
    import wave

    import uvicorn
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import JSONResponse, StreamingResponse
    from starlette.routing import Route

    lengths = [(len(audio) // 48, text) for text, audio, _end in clips]

    async def transcriptions(request: Request) -> JSONResponse:
        form = await request.form()
        data = await form["file"].read()  # type: ignore[union-attr]
        with wave.open(io.BytesIO(data)) as reader:
            ms = reader.getnframes() * 1000 // reader.getframerate()
        await asyncio.sleep(stt_ms / 1000)
        return JSONResponse({"text": min(lengths, key=lambda item: abs(item[0] - 3000 - ms))[1]})

    async def speech(request: Request) -> StreamingResponse:
        body = await request.json()

        async def stream() -> Any:
            await asyncio.sleep(tts_ms / 1000)
            for _ in range(max(1, len(body["input"]) // 15)):  # about 1 s of speech per 15 characters
                yield b"\x00\x10" * 4800
                await asyncio.sleep(0.05)

        return StreamingResponse(stream(), media_type="audio/pcm")

    app = Starlette(routes=[Route("/v1/audio/transcriptions", transcriptions, methods=["POST"]),
                            Route("/v1/audio/speech", speech, methods=["POST"])])
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    threading.Thread(target=server.run, daemon=True).start()
    while not server.started:
        time.sleep(0.05)
    return f"http://127.0.0.1:{port}/v1", server


def instructions_for(provider: str) -> str:
    return "SCRIPT: " + json.dumps({"text": SCRIPTED_ANSWER}) if provider == "scripted" else INSTRUCTIONS


def turn_detection(vad: str) -> dict[str, Any]:
    if vad == "semantic":
        return {"type": "semantic_vad", "eagerness": "auto"}
    return {"type": "server_vad", "silence_duration_ms": SILENCE_MS}


def speech_end_ms(pcm: bytes) -> int:
    """Where the clip's speech ends: the end of its last 10 ms frame above -40 dBFS."""
    import numpy as np

    samples = np.frombuffer(pcm, dtype="<i2").astype(np.float32) / 32768.0
    frames = samples[:len(samples) // 240 * 240].reshape(-1, 240)
    loud = np.flatnonzero(np.sqrt((frames ** 2).mean(axis=1)) > 0.01)
    return int(loud[-1] + 1) * 10 if len(loud) else 0


def normalize(text: str) -> str:
    return " ".join(re.sub(r"[^a-z0-9' ]+", " ", text.lower()).split())


async def turn(base_url: str, audio: bytes, speech_end: int, provider: str, max_tokens: int,
               vad: str, voice: str) -> dict[str, Any]:
    """One spoken turn over the SDK; wall-clock times of its events after the end of speech."""
    from openai import AsyncOpenAI

    client = AsyncOpenAI(base_url=base_url, api_key="bench", websocket_base_url=base_url.replace("http", "ws"))
    seen: dict[str, float] = {}
    out: dict[str, Any] = {"answer": ""}
    async with client.beta.realtime.connect(model="gpt-4o-realtime-preview") as conn:
        await conn.session.update(session={
            "modalities": ["text", "audio"], "instructions": instructions_for(provider), "temperature": 0.6,
            "max_response_output_tokens": max_tokens, "voice": voice,
            "input_audio_transcription": {"model": "whisper-1", "language": "en"},
            "turn_detection": turn_detection(vad)})  # type: ignore[typeddict-item]
        async for event in conn:
            if event.type == "session.updated":
                break
        start = time.perf_counter()

        async def speak() -> None:
            for index in range(0, len(audio) // CHUNK + 1):
                chunk = audio[index * CHUNK:(index + 1) * CHUNK]
                if not chunk:
                    break
                delay = start + (index + 1) * 0.1 - time.perf_counter()  # sent once "recorded"
                if delay > 0:
                    await asyncio.sleep(delay)
                await conn.input_audio_buffer.append(audio=base64.b64encode(chunk).decode())

        sender = asyncio.create_task(speak())
        async for event in conn:
            now = time.perf_counter()
            seen.setdefault(event.type, now)
            if event.type == "error":
                raise SystemExit(f"error event: {event.error}")
            if event.type == "input_audio_buffer.speech_started":
                out.setdefault("audio_start_ms", event.audio_start_ms)
            elif event.type == "input_audio_buffer.speech_stopped":
                out["audio_end_ms"] = event.audio_end_ms
            elif event.type == "conversation.item.input_audio_transcription.completed":
                out["transcript"] = event.transcript
            elif event.type == "response.audio_transcript.delta":
                out["answer"] += event.delta
            elif event.type == "response.done":
                break
        await sender
    end_of_speech = start + speech_end / 1000
    out["times"] = {kind: at - end_of_speech for kind, at in seen.items()}
    return out


async def parts(voice: Any, provider: Any, audio: bytes, result: dict[str, Any], max_tokens: int,
                provider_name: str, voice_name: str) -> dict[str, float]:
    from openbeta.server.providers.base import ChatRequest

    committed = audio[result["audio_start_ms"] * 48:result["audio_end_ms"] * 48]
    start = time.perf_counter()
    text = "".join([delta async for delta in voice.transcribe(committed, language="en")])
    stt = time.perf_counter() - start

    request = ChatRequest(model="bench", messages=[{"role": "system", "content": instructions_for(provider_name)},
                                                   {"role": "user", "content": text}],
                          temperature=0.6, max_tokens=max_tokens)
    start = time.perf_counter()
    first: dict[str, Optional[float]] = {"token": None, "clause": None, "sentence": None}
    answer = ""
    async for delta in provider.stream(request):
        if delta.text:
            answer += delta.text
            at = time.perf_counter() - start
            first["token"] = first["token"] if first["token"] is not None else at
            if first["clause"] is None and _CLAUSE.match(answer):
                first["clause"] = at
            if first["sentence"] is None and _SENTENCE.match(answer):
                first["sentence"] = at
    total = time.perf_counter() - start

    spoken = result["answer"].strip() or answer.strip() or "Paris."
    match = _CLAUSE.match(spoken)
    piece = match.group(1) if match else spoken
    start = time.perf_counter()
    tts = 0.0
    async for _chunk in voice.synthesize(piece, voice=voice_name):
        tts = time.perf_counter() - start
        break
    return {"vad": result["times"]["input_audio_buffer.speech_stopped"], "stt": stt,
            "first_token": first["token"] or total, "first_clause": first["clause"] or total,
            "first_sentence": first["sentence"] or total, "tts": tts}


def ms(value: float) -> str:
    return f"{value * 1000:.0f} ms"


def load() -> str:
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--turns", type=int, default=10, help="measured turns per server")
    parser.add_argument("--provider", choices=["local", "scripted"], default="local")
    parser.add_argument("--vad", choices=["semantic", "server"], default="semantic")
    parser.add_argument("--max-tokens", type=int, default=24)
    parser.add_argument("--voice", default="alloy", help="the session's voice (alloy: Piper; shimmer: hibari)")
    parser.add_argument("--audio-server", action="store_true", help="speech parts on a local fake audio server")
    parser.add_argument("--server-stt-ms", type=float, default=150)
    parser.add_argument("--server-tts-ms", type=float, default=100)
    parser.add_argument("--baseline", type=Path, help="another openbeta source tree (its src/) measured alongside")
    args = parser.parse_args()

    import jiwer

    from openbeta.server.providers.base import ChatRequest
    from openbeta.server.providers.local import LocalProvider
    from openbeta.server.providers.scripted import ScriptedProvider
    from openbeta.server.realtime.voice import Voice

    print(f"load average at start: {load()}", flush=True)
    voice = Voice()
    if not voice.available:
        raise SystemExit(voice.missing_reason)
    provider = LocalProvider() if args.provider == "local" else ScriptedProvider()
    clips = []
    for text in CLIPS:
        question = b"".join([chunk async for chunk in voice.synthesize(text)])
        clips.append((text, b"\0" * 48000 + question + b"\0" * 96000, 1000 + speech_end_ms(question)))

    sources = {"this tree": SRC, **({"baseline": args.baseline.resolve()} if args.baseline else {})}
    extra_env: dict[str, str] = {}
    audio_server = None
    if args.audio_server:
        url, audio_server = start_audio_server(clips, args.server_stt_ms, args.server_tts_ms)
        extra_env = {"OPENBETA_VOICE_STT_BASE_URL": url, "OPENBETA_VOICE_TTS_BASE_URL": url}
    servers = {name: start_server(Path(tempfile.mkdtemp(prefix="voice-bench-")), args.provider, src, extra_env)
               for name, src in sources.items()}
    rows: dict[str, list[dict[str, Any]]] = {name: [] for name in servers}
    try:
        # Warm-up, untimed: each server loads its models on its first turn, this process on its own.
        for base_url, _process in servers.values():
            await turn(base_url, clips[0][1], clips[0][2], args.provider, args.max_tokens, args.vad, args.voice)
        await voice.warm_up()
        async for _ in provider.stream(ChatRequest(model="bench", messages=[{"role": "user", "content": "Hi"}],
                                                   max_tokens=2)):
            pass
        for index in range(args.turns):
            text, audio, speech_end = clips[index % len(clips)]
            for name, (base_url, _process) in servers.items():
                result = await turn(base_url, audio, speech_end, args.provider, args.max_tokens, args.vad, args.voice)
                measured = await parts(voice, provider, audio, result, args.max_tokens, args.provider, args.voice)
                times = result["times"]
                heard = result.get("transcript") or ""
                row = {**measured, "e2e": times["response.audio.delta"],
                       "after_stopped": times["response.audio.delta"] - times["input_audio_buffer.speech_stopped"],
                       "srv_transcribed": times["conversation.item.input_audio_transcription.completed"],
                       "srv_created": times["response.created"],
                       "srv_first_text": times.get("response.audio_transcript.delta", times["response.audio.delta"]),
                       "reference": normalize(text), "heard": normalize(heard)}
                rows[name].append(row)
                print(f"turn {index + 1} [{name}]: e2e {ms(row['e2e'])} | stopped {ms(row['vad'])} transcribed "
                      f"{ms(row['srv_transcribed'])} created {ms(row['srv_created'])} | in process: stt "
                      f"{ms(row['stt'])} first token {ms(row['first_token'])} first clause "
                      f"{ms(row['first_clause'])} tts {ms(row['tts'])} | heard {heard!r}", flush=True)
    finally:
        for _base_url, process in servers.values():
            stop(process)
        if audio_server is not None:
            audio_server.should_exit = True
        await provider.aclose()
        voice.close()
    print(f"load average at end: {load()}")

    def median(name: str, key: str) -> float:
        return statistics.median(row[key] for row in rows[name])

    names = list(rows)
    where = (f"audio server (fake: stt {args.server_stt_ms:g} ms, tts first chunk {args.server_tts_ms:g} ms)"
             if args.audio_server else "offline")
    print(f"\nmedians over {args.turns} turns per server (provider {args.provider}, {args.vad} vad, voice "
          f"{args.voice}, {where}):")
    print("| measure | " + " | ".join(names) + " |\n| --- |" + " ---: |" * len(names))
    for key, label in [("e2e", "end of speech -> first `response.audio.delta`"),
                       ("vad", "end of speech -> `speech_stopped`"),
                       ("srv_transcribed", "end of speech -> `transcription.completed`"),
                       ("srv_created", "end of speech -> `response.created`"),
                       ("srv_first_text", "end of speech -> first transcript delta"),
                       ("after_stopped", "`speech_stopped` -> first `response.audio.delta`"),
                       ("stt", "in process: Whisper, one pass on the committed audio"),
                       ("first_token", "in process: model first token"),
                       ("first_clause", "in process: model first clause"),
                       ("first_sentence", "in process: model first sentence"),
                       ("tts", "in process: the session voice, first chunk of the answer's first piece")]:
        print(f"| {label} | " + " | ".join(ms(median(name, key)) for name in names) + " |")
    for name in names:
        p90 = sorted(row["e2e"] for row in rows[name])[int(0.9 * (len(rows[name]) - 1))]
        print(f"{name}: e2e min {ms(min(r['e2e'] for r in rows[name]))}, p90 {ms(p90)}, "
              f"max {ms(max(r['e2e'] for r in rows[name]))}")
    if args.audio_server:  # the fake server's transcripts are the clips' texts by length: no word error to speak of
        return
    print("| word error rate of the transcripts | " + " | ".join(
        f"{jiwer.wer([r['reference'] for r in rows[name]], [r['heard'] for r in rows[name]]):.3f}"
        for name in names) + " |")


if __name__ == "__main__":
    asyncio.run(main())
