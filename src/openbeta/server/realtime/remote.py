"""Speech on an OpenAI-compatible audio server (speaches, vLLM, Kokoro-FastAPI, OpenAI itself).

``OPENBETA_VOICE_STT_BASE_URL`` sends transcription to ``POST {base}/audio/transcriptions`` (a
16-bit 24 kHz mono WAV, ``model``, ``language``, ``prompt``; the answer's ``text``; when a session
asks for log probabilities, ``include[]=logprobs`` too, and the answer's ``logprobs`` are passed on,
or ``null`` when it has none), and
``OPENBETA_VOICE_TTS_BASE_URL`` sends speech to ``POST {base}/audio/speech`` (``model``,
``input``, ``voice``, ``speed``, ``response_format: "pcm"``: raw 16-bit 24 kHz mono, read as it
streams in). Each is independent of the other, of the local models and of the chat model's
provider; ``OPENBETA_VOICE_API_KEY`` is sent as a bearer token to both.

Every call has a timeout (``OPENBETA_VOICE_SERVER_TIMEOUT`` seconds to connect and between two
pieces of the answer); a failure raises :class:`AudioServerError`, whose message names the
server, and the session turns it into an ``error`` event.
"""

from __future__ import annotations

import io
import wave
from typing import AsyncIterator, Optional

import httpx

from .heard import Heard, from_server, strip

RATE = 24000


class AudioServerError(RuntimeError):
    """The audio server (``OPENBETA_VOICE_STT_BASE_URL`` / ``_TTS_BASE_URL``) failed; the message names it."""


#: Longest piece of audio yielded at once (one second of pcm16 24 kHz), as the local voices do.
MAX_CHUNK_BYTES = RATE * 2


def wav(pcm16_24k: bytes) -> bytes:
    out = io.BytesIO()
    with wave.open(out, "wb") as writer:
        writer.setnchannels(1)
        writer.setsampwidth(2)
        writer.setframerate(RATE)
        writer.writeframes(pcm16_24k)
    return out.getvalue()


class AudioServer:
    """One audio server's endpoint (speech to text or speech), with its own HTTP client."""

    def __init__(self, base_url: str, model: str, api_key: Optional[str], timeout: float, what: str) -> None:
        self.base_url = base_url.rstrip("/")
        self.model = model
        self.what = what
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self.client = httpx.AsyncClient(headers=headers, timeout=httpx.Timeout(timeout),
                                        limits=httpx.Limits(max_connections=16))

    def failure(self, detail: str) -> AudioServerError:
        return AudioServerError(f"The {self.what} server at {self.base_url} failed: {detail}")

    async def aclose(self) -> None:
        await self.client.aclose()


class RemoteStt(AudioServer):
    name = "remote"

    async def transcribe(self, pcm16_24k: bytes, *, language: Optional[str] = None,
                         prompt: Optional[str] = None, logprobs: bool = False) -> AsyncIterator[Heard]:
        data: dict[str, str] = {"model": self.model, "response_format": "json"}
        if logprobs:
            data["include[]"] = "logprobs"
        if language:
            data["language"] = language
        if prompt:
            data["prompt"] = prompt
        try:
            response = await self.client.post(f"{self.base_url}/audio/transcriptions", data=data,
                                              files={"file": ("audio.wav", wav(pcm16_24k), "audio/wav")})
        except httpx.TimeoutException:
            raise self.failure("no answer in time") from None
        except httpx.HTTPError as exc:
            raise self.failure(f"{type(exc).__name__}: {exc}") from None
        if response.status_code != 200:
            raise self.failure(f"HTTP {response.status_code}: {response.text[:300]}")
        try:
            answer = response.json()
        except ValueError:
            answer = None
        text = answer.get("text") if isinstance(answer, dict) else None
        if not isinstance(text, str):
            raise self.failure("its answer has no 'text'")
        heard = strip(Heard(text, from_server(answer.get("logprobs")) if logprobs else None))  # type: ignore[union-attr]
        if heard:
            yield heard


class RemoteTts(AudioServer):
    name = "remote"

    async def synthesize(self, text: str, *, voice: Optional[str] = None,
                         speed: float = 1.0) -> AsyncIterator[bytes]:
        body = {"model": self.model, "input": text, "voice": voice or "alloy", "speed": speed,
                "response_format": "pcm"}
        rest = b""
        try:
            async with self.client.stream("POST", f"{self.base_url}/audio/speech", json=body) as response:
                if response.status_code != 200:
                    detail = (await response.aread())[:300].decode(errors="replace")
                    raise self.failure(f"HTTP {response.status_code}: {detail}")
                async for piece in response.aiter_bytes():
                    data = rest + piece
                    whole = len(data) - len(data) % 2  # 16-bit samples: an odd byte waits for its pair
                    rest = data[whole:]
                    for start in range(0, whole, MAX_CHUNK_BYTES):
                        yield data[start:min(whole, start + MAX_CHUNK_BYTES)]
        except httpx.TimeoutException:
            raise self.failure("no audio in time") from None
        except httpx.HTTPError as exc:
            raise self.failure(f"{type(exc).__name__}: {exc}") from None


__all__ = ["RemoteStt", "RemoteTts", "wav"]
