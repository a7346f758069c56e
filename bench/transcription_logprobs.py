"""What the transcription's log probabilities cost: Whisper on the same clips, three ways, interleaved.

    python bench/transcription_logprobs.py [--rounds 5]

The packaged Whisper base (``WhisperStt``, as a realtime session runs it) transcribes each spoken
question of ``voice_latency.CLIPS`` (synthesized by Piper beforehand) in turn:

* ``raw``: the decoder unwrapped (CTranslate2's Whisper itself, as before log probabilities existed);
* ``off``: as a session runs it without ``include`` (the wrapper in place, nothing asked for);
* ``logprobs``: with ``include: ["item.input_audio_transcription.logprobs"]`` (each step's logits
  returned, the chosen tokens' log-softmax computed).

The three alternate clip by clip, round by round, so they share one machine load; the medians per
clip and their ratios are printed, with the load average (``os.getloadavg``) at the start and the end.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import time

from servers import SRC

sys.path.insert(0, str(SRC))

from voice_latency import CLIPS  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    from openbeta.server.realtime.voice import Voice

    print(f"load average at start: {os.getloadavg()}")
    voice = Voice()

    async def speak(text: str) -> bytes:
        return b"".join([chunk async for chunk in voice.synthesize(text)])

    clips = [asyncio.run(speak(text)) for text in CLIPS]
    model = voice.stt.load()
    wrapped, raw = model.model, model.model._model
    times: dict[str, list[list[float]]] = {way: [[] for _ in clips] for way in ("raw", "off", "logprobs")}
    texts: dict[str, set[str]] = {way: set() for way in times}
    for _ in range(args.rounds):
        for index, pcm in enumerate(clips):
            for way in times:
                model.model = raw if way == "raw" else wrapped
                began = time.perf_counter()
                pieces = list(voice.stt.segments(pcm, language="en", logprobs=way == "logprobs"))
                times[way][index].append(time.perf_counter() - began)
                texts[way].add("".join(pieces))
    model.model = wrapped
    print(f"{'clip':>4} {'audio s':>8} {'raw ms':>8} {'off ms':>8} {'logprobs ms':>12} {'off/raw':>8} "
          f"{'logprobs/off':>13}")
    ratios_off, ratios_lp = [], []
    for index, pcm in enumerate(clips):
        raw_ms, off_ms, lp_ms = (statistics.median(times[way][index]) * 1000 for way in times)
        ratios_off.append(off_ms / raw_ms)
        ratios_lp.append(lp_ms / off_ms)
        print(f"{index:>4} {len(pcm) / 48000:>8.2f} {raw_ms:>8.0f} {off_ms:>8.0f} {lp_ms:>12.0f} "
              f"{off_ms / raw_ms:>8.3f} {lp_ms / off_ms:>13.3f}")
    print(f"median ratio off/raw {statistics.median(ratios_off):.3f}, logprobs/off "
          f"{statistics.median(ratios_lp):.3f}")
    print(f"same transcripts all three ways: {texts['raw'] == texts['off'] == texts['logprobs']}")
    print(f"load average at end: {os.getloadavg()}")
    voice.close()


if __name__ == "__main__":
    main()
