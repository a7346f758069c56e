"""Voice latency: end of speech -> first ``response.audio.delta``, against the sum of its parts.

    python bench/voice_latency.py [--turns 5] [--provider local|scripted] [--max-tokens 24]

One ``openbeta serve`` (the real voice models; the embedded SmolLM2 by default, or the scripted
model) and the official Python SDK's beta realtime client. Each turn sends a spoken question
(synthesized by Piper beforehand: 1 s of silence, the question, 2 s of silence) in 100 ms appends
paced like a microphone (each chunk sent when it has been "recorded"), with ``server_vad``
(silence 500 ms). End of speech is ``audio_end_ms - silence_duration_ms`` of the server's own
``speech_stopped``, as a wall-clock time on the paced stream.

The parts, measured in the same run right after each turn on the same inputs, in this process:

* VAD hangover: end of speech -> ``speech_stopped`` received (from the turn itself);
* STT: ``Voice.transcribe`` of the turn's committed audio, to its last delta;
* model first token: the same provider on the same prompt (instructions + transcript), to its
  first text delta (its first sentence, which speech waits for, is reported too);
* TTS first chunk: ``Voice.synthesize`` of the answer's first sentence, to its first chunk.

The server's own timeline of the turn (as the client receives its events) is printed as well.
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

QUESTION = "What is the capital of France? Please answer in one word."
INSTRUCTIONS = "You are a helpful assistant. Answer in one short sentence."
SCRIPTED_ANSWER = "Paris is the capital of France. It is also its largest city."
SILENCE_MS = 500
CHUNK = 4800  # 100 ms of pcm16 24 kHz
_SENTENCE = re.compile(r"^(.+?[.!?])(\s|$)", re.S)


def start_server(data_dir: Path, provider: str) -> tuple[str, subprocess.Popen]:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("OPENBETA_")}
    env.update(PYTHONPATH=str(SRC), OPENBETA_PORT=str(port), OPENBETA_DATA_DIR=str(data_dir),
               OPENBETA_PROVIDER=provider, OPENBETA_LOG_LEVEL="warning")
    process = subprocess.Popen([sys.executable, "-m", "openbeta.cli", "serve"], env=env)
    root = f"http://127.0.0.1:{port}"
    wait_until_up(root + "/health", process, "openbeta serve")
    return root + "/v1", process


def instructions_for(provider: str) -> str:
    return "SCRIPT: " + json.dumps({"text": SCRIPTED_ANSWER}) if provider == "scripted" else INSTRUCTIONS


async def turn(base_url: str, audio: bytes, provider: str, max_tokens: int) -> dict[str, Any]:
    """One spoken turn over the SDK; wall-clock times of its events."""
    from openai import AsyncOpenAI

    client = AsyncOpenAI(base_url=base_url, api_key="bench", websocket_base_url=base_url.replace("http", "ws"))
    seen: dict[str, float] = {}
    out: dict[str, Any] = {"answer": ""}
    async with client.beta.realtime.connect(model="gpt-4o-realtime-preview") as conn:
        await conn.session.update(session={
            "modalities": ["text", "audio"], "instructions": instructions_for(provider), "temperature": 0.6,
            "max_response_output_tokens": max_tokens,
            "input_audio_transcription": {"model": "whisper-1", "language": "en"},
            "turn_detection": {"type": "server_vad", "silence_duration_ms": SILENCE_MS}})
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
                out["audio_start_ms"] = event.audio_start_ms
            elif event.type == "input_audio_buffer.speech_stopped":
                out["audio_end_ms"] = event.audio_end_ms
            elif event.type == "conversation.item.input_audio_transcription.completed":
                out["transcript"] = event.transcript
            elif event.type == "response.audio_transcript.delta":
                out["answer"] += event.delta
            elif event.type == "response.done":
                break
        await sender
    end_of_speech = start + (out["audio_end_ms"] - SILENCE_MS) / 1000
    out["times"] = {kind: at - end_of_speech for kind, at in seen.items()}
    return out


async def parts(voice: Any, provider: Any, audio: bytes, result: dict[str, Any], max_tokens: int,
                provider_name: str) -> dict[str, float]:
    from openbeta.server.providers.base import ChatRequest

    committed = audio[result["audio_start_ms"] * 48:result["audio_end_ms"] * 48]
    start = time.perf_counter()
    text = "".join([delta async for delta in voice.transcribe(committed, language="en")])
    stt = time.perf_counter() - start

    request = ChatRequest(model="bench", messages=[{"role": "system", "content": instructions_for(provider_name)},
                                                   {"role": "user", "content": text}],
                          temperature=0.6, max_tokens=max_tokens)
    start = time.perf_counter()
    first_token: Optional[float] = None
    first_sentence: Optional[float] = None
    answer = ""
    async for delta in provider.stream(request):
        if delta.text:
            answer += delta.text
            first_token = first_token if first_token is not None else time.perf_counter() - start
            if first_sentence is None and _SENTENCE.match(answer):
                first_sentence = time.perf_counter() - start
    total = time.perf_counter() - start
    first_sentence = first_sentence if first_sentence is not None else total

    spoken = result["answer"].strip() or answer.strip() or "Paris."
    match = _SENTENCE.match(spoken)
    sentence = match.group(1) if match else spoken
    start = time.perf_counter()
    async for _chunk in voice.synthesize(sentence):
        tts = time.perf_counter() - start
        break
    vad = result["times"]["input_audio_buffer.speech_stopped"]
    return {"vad": vad, "stt": stt, "first_token": first_token or total, "first_sentence": first_sentence,
            "tts": tts}


def ms(value: float) -> str:
    return f"{value * 1000:.0f} ms"


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--turns", type=int, default=5)
    parser.add_argument("--provider", choices=["local", "scripted"], default="local")
    parser.add_argument("--max-tokens", type=int, default=24)
    args = parser.parse_args()

    from openbeta.server.providers.base import ChatRequest
    from openbeta.server.providers.local import LocalProvider
    from openbeta.server.providers.scripted import ScriptedProvider
    from openbeta.server.realtime.voice import Voice

    voice = Voice()
    if not voice.available:
        raise SystemExit(voice.missing_reason)
    provider = LocalProvider() if args.provider == "local" else ScriptedProvider()
    question = b"".join([chunk async for chunk in voice.synthesize(QUESTION)])
    audio = b"\0" * 48000 + question + b"\0" * 96000

    base_url, process = start_server(Path(tempfile.mkdtemp(prefix="voice-bench-")), args.provider)
    rows = []
    try:
        # Warm-up, untimed: the server loads its models on its first turn, this process on its own.
        await turn(base_url, audio, args.provider, args.max_tokens)
        await voice.warm_up()
        async for _ in provider.stream(ChatRequest(model="bench", messages=[{"role": "user", "content": "Hi"}],
                                                   max_tokens=2)):
            pass
        for index in range(args.turns):
            result = await turn(base_url, audio, args.provider, args.max_tokens)
            measured = await parts(voice, provider, audio, result, args.max_tokens, args.provider)
            times = result["times"]
            e2e = times["response.audio.delta"]
            total = measured["vad"] + measured["stt"] + measured["first_token"] + measured["tts"]
            total_sentence = total - measured["first_token"] + measured["first_sentence"]
            rows.append({"e2e": e2e, "sum": total, "sum_sentence": total_sentence, **measured,
                         "srv_stopped": times["input_audio_buffer.speech_stopped"],
                         "srv_transcribed": times["conversation.item.input_audio_transcription.completed"],
                         "srv_created": times["response.created"],
                         "srv_first_text": times.get("response.audio_transcript.delta", e2e)})
            print(f"turn {index + 1}: e2e {ms(e2e)} | parts: vad {ms(measured['vad'])} + stt {ms(measured['stt'])}"
                  f" + first token {ms(measured['first_token'])} + tts {ms(measured['tts'])} = {ms(total)}"
                  f" (first sentence {ms(measured['first_sentence'])}) | heard {result.get('transcript')!r}"
                  f" -> {result['answer']!r}", flush=True)
    finally:
        stop(process)
        await provider.aclose()
        voice.close()

    def median(key: str) -> float:
        return statistics.median(row[key] for row in rows)

    print(f"\nmedians over {len(rows)} turns (provider {args.provider}):")
    print("| measure | median |\n| --- | ---: |")
    for key, label in [("e2e", "end of speech -> first response.audio.delta"),
                       ("vad", "VAD hangover (end of speech -> speech_stopped)"),
                       ("stt", "STT (in process, same audio)"),
                       ("first_token", "model first token (in process, same prompt)"),
                       ("first_sentence", "model first sentence (in process, same prompt)"),
                       ("tts", "TTS first chunk (in process, first sentence)"),
                       ("sum", "sum of parts (vad + stt + first token + tts)"),
                       ("sum_sentence", "sum with the first sentence in place of the first token")]:
        print(f"| {label} | {ms(median(key))} |")
    print(f"| e2e - sum of parts | {ms(statistics.median(r['e2e'] - r['sum'] for r in rows))} |")
    print(f"| e2e - sum with the first sentence | {ms(statistics.median(r['e2e'] - r['sum_sentence'] for r in rows))} |")
    print("\nserver timeline (client receive times after end of speech, medians):")
    for key, label in [("srv_stopped", "speech_stopped"), ("srv_transcribed", "transcription.completed"),
                       ("srv_created", "response.created"), ("srv_first_text", "first audio_transcript.delta"),
                       ("e2e", "first audio.delta")]:
        print(f"  {label}: {ms(median(key))}")


if __name__ == "__main__":
    asyncio.run(main())
