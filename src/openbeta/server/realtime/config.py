"""Session configuration: validation of beta and GA session objects, defaults, and rendering.

Internally a session's configuration is one flat dict with the beta field names
(``modalities``, ``input_audio_format``, ``turn_detection``, ``max_response_output_tokens`` ...)
plus ``kind`` (``realtime`` or ``transcription``). The GA protocol's nested shape
(``output_modalities``, ``audio.input.format`` ...) is translated here, in both directions.
Sessions are sent as the typed shapes of :mod:`openbeta.types.realtime` (``BetaSessionObject``,
``GASessionObject`` and their transcription kin, which the SDK's ``RealtimeSession`` unites): each
renderer fills one and dumps it, so the fields sent are the fields declared there.
"""

from __future__ import annotations

import copy
from typing import Any, Optional

from ...types.realtime import (BetaSessionObject, BetaTranscriptionSessionObject, GASessionObject,
                               GATranscriptionSessionObject)
from ...types.realtime_params import (BetaSessionParams, BetaTranscriptionSessionParams, GAClientSecretParams,
                                      GASessionParams)
from ..errors import InvalidRequest
from ..validation import validate
from . import denoise

#: Hosted defaults: the default turn detection and the session lifetime.
SESSION_SECONDS = 30 * 60
DEFAULT_VOICE = "alloy"
_GA_FORMATS = {"pcm16": {"type": "audio/pcm", "rate": 24000}, "g711_ulaw": {"type": "audio/pcmu"},
               "g711_alaw": {"type": "audio/pcma"}}
_BETA_FORMATS = {"audio/pcm": "pcm16", "audio/pcmu": "g711_ulaw", "audio/pcma": "g711_alaw"}


# ------------------------------------------------------------ defaults and updates

def default_turn_detection(given: Optional[dict[str, Any]] = None) -> dict[str, Any]:
    """A turn detection with every field filled (hosted defaults for what is not given)."""
    given = {k: v for k, v in (given or {}).items() if v is not None}
    if given.get("type", "server_vad") == "semantic_vad":
        base: dict[str, Any] = {"type": "semantic_vad", "eagerness": "auto", "create_response": True,
                                "interrupt_response": True}
    else:
        base = {"type": "server_vad", "threshold": 0.5, "prefix_padding_ms": 300, "silence_duration_ms": 500,
                "idle_timeout_ms": None, "create_response": True, "interrupt_response": True}
    return {**base, **given}


def default_config(kind: str = "realtime", *, model: str = "gpt-realtime", audio: bool = True) -> dict[str, Any]:
    """A new session's configuration. Without a voice pipeline, sessions default to text only."""
    if kind == "transcription":
        return {"kind": "transcription", "model": model, "modalities": ["text"], "input_audio_format": "pcm16",
                "input_audio_transcription": {"model": "whisper-1", "language": None, "prompt": None},
                "input_audio_noise_reduction": None, "turn_detection": default_turn_detection(), "include": None}
    return {
        "kind": "realtime", "model": model, "modalities": ["text", "audio"] if audio else ["text"],
        "instructions": "", "voice": DEFAULT_VOICE, "input_audio_format": "pcm16", "output_audio_format": "pcm16",
        "input_audio_transcription": None, "input_audio_noise_reduction": None,
        "turn_detection": default_turn_detection(), "tools": [], "tool_choice": "auto", "temperature": 0.8,
        "max_response_output_tokens": "inf", "speed": 1.0, "tracing": None, "include": None, "truncation": "auto",
    }


_IGNORED = {"client_secret", "id", "object", "expires_at", "type"}


def apply(config: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    """``config`` with the given (internal-form) fields replaced; nested values copied."""
    out = copy.deepcopy(config)
    for key, value in changes.items():
        if key in _IGNORED or (key == "model" and "model" in out and value is None):
            continue
        if key == "turn_detection" and value is not None:
            value = default_turn_detection(value)
        if key == "input_audio_transcription" and value is not None:
            value = {"model": value.get("model") or "whisper-1", "language": value.get("language"),
                     "prompt": value.get("prompt")}
        out[key] = copy.deepcopy(value)
    return out


def with_prefix(exc: InvalidRequest, prefix: str) -> InvalidRequest:
    """The same error with its ``param`` (and message) under ``prefix`` (``session.voice``)."""
    if exc.param:
        exc.message = exc.message.replace(f"'{exc.param}'", f"'{prefix}.{exc.param}'")
        exc.param = f"{prefix}.{exc.param}"
    return exc


def _noise_reduction_runs_here(reduction: Any, param: str) -> None:
    """Noise reduction asked for where its packages are not installed is refused, naming it as a validation
    error would (the request shapes in ``types/`` cannot know what this server has installed)."""
    if reduction is not None and reduction.type is not None:
        reason = denoise.unavailable()
        if reason:
            raise InvalidRequest(f"Invalid '{param}': {reason}.", param=param, code="invalid_value")


def _ga_noise_reduction_runs_here(session: GASessionParams, prefix: str = "") -> None:
    audio_input = session.audio.input if session.audio is not None else None
    _noise_reduction_runs_here(audio_input.noise_reduction if audio_input is not None else None,
                               f"{prefix}audio.input.noise_reduction")


def parse_beta(data: dict[str, Any], *, transcription: bool = False) -> dict[str, Any]:
    """The given fields of a beta session object, validated (internal form is the beta form)."""
    model = BetaTranscriptionSessionParams if transcription else BetaSessionParams
    params = validate(model, data)  # type: ignore[arg-type]
    _noise_reduction_runs_here(params.input_audio_noise_reduction, "input_audio_noise_reduction")
    return params.given()


def check_client_secret(data: dict[str, Any]) -> None:
    """A ``POST /realtime/client_secrets`` body, validated (its ``session`` is parsed by :func:`parse_ga`)."""
    params = validate(GAClientSecretParams, data)
    if params.session is not None:
        _ga_noise_reduction_runs_here(params.session, "session.")


def ga_format(fmt: Optional[dict[str, Any]]) -> Optional[str]:
    return _BETA_FORMATS[fmt["type"]] if fmt else None


def parse_ga(data: dict[str, Any]) -> dict[str, Any]:
    """A GA session object, validated, as internal (beta-named) fields; ``kind`` from its ``type``."""
    params = validate(GASessionParams, data)
    _ga_noise_reduction_runs_here(params)
    given = params.given()
    out: dict[str, Any] = {"kind": given["type"]}
    for key in ("model", "instructions", "tools", "tool_choice", "tracing", "include", "truncation"):
        if key in given:
            out[key] = given[key]
    if "output_modalities" in given:
        out["modalities"] = ["text", "audio"] if "audio" in (given["output_modalities"] or []) else ["text"]
    if "max_output_tokens" in given:
        out["max_response_output_tokens"] = given["max_output_tokens"]
    audio = given.get("audio") or {}
    audio_in = audio.get("input") or {}
    audio_out = audio.get("output") or {}
    for ga_key, key in (("transcription", "input_audio_transcription"), ("noise_reduction", "input_audio_noise_reduction"),
                        ("turn_detection", "turn_detection")):
        if ga_key in audio_in:
            out[key] = audio_in[ga_key]
    if audio_in.get("format"):
        out["input_audio_format"] = ga_format(audio_in["format"])
    if audio_out.get("format"):
        out["output_audio_format"] = ga_format(audio_out["format"])
    for key in ("voice", "speed"):
        if audio_out.get(key) is not None:
            out[key] = audio_out[key]
    return out


# ------------------------------------------------------------ rendering

def _no_nulls(data: dict[str, Any], keys: tuple[str, ...]) -> dict[str, Any]:
    return {k: v for k, v in data.items() if not (k in keys and v is None)}


def _beta_detection(detection: Optional[dict[str, Any]]) -> Optional[dict[str, Any]]:
    """Beta turn detection: without the GA-only ``idle_timeout_ms`` unless it was set."""
    if detection is None:
        return None
    return {k: v for k, v in detection.items() if not (k == "idle_timeout_ms" and v is None)}


_TRANSCRIPTION_DETECTION = ("type", "threshold", "prefix_padding_ms", "silence_duration_ms", "eagerness")


def _transcription_detection(detection: Optional[dict[str, Any]]) -> Optional[dict[str, Any]]:
    """A transcription session's turn detection: no response settings (it creates no responses)."""
    if detection is None:
        return None
    return {k: v for k, v in detection.items() if k in _TRANSCRIPTION_DETECTION}


def render_beta(config: dict[str, Any], *, session_id: Optional[str], expires_at: Optional[int]) -> dict[str, Any]:
    """A beta ``realtime.session`` (or ``realtime.transcription_session``) object."""
    detection = _beta_detection(config.get("turn_detection"))
    if config.get("kind") == "transcription":
        return BetaTranscriptionSessionObject(
            id=session_id, object="realtime.transcription_session", expires_at=expires_at,
            modalities=config["modalities"], input_audio_format=config["input_audio_format"],
            input_audio_transcription=config["input_audio_transcription"],
            turn_detection=_transcription_detection(detection),
            input_audio_noise_reduction=config.get("input_audio_noise_reduction"),
            include=config.get("include")).to_dict()
    return BetaSessionObject(
        id=session_id, object="realtime.session", model=config["model"], expires_at=expires_at,
        turn_detection=detection,
        **{key: config.get(key) for key in (
            "modalities", "instructions", "voice", "input_audio_format", "output_audio_format",
            "input_audio_transcription", "input_audio_noise_reduction", "tools", "tool_choice",
            "temperature", "max_response_output_tokens", "speed", "tracing", "include")}).to_dict()


def render_ga(config: dict[str, Any], *, session_id: Optional[str], expires_at: Optional[int]) -> dict[str, Any]:
    """A GA session object (``type: realtime`` or ``type: transcription``)."""
    audio_input = {"format": _GA_FORMATS[config["input_audio_format"]],
                   "transcription": config.get("input_audio_transcription"),
                   "noise_reduction": config.get("input_audio_noise_reduction"),
                   "turn_detection": config.get("turn_detection")}
    if config.get("kind") == "transcription":
        audio_input["turn_detection"] = _transcription_detection(config.get("turn_detection"))
        return GATranscriptionSessionObject(
            type="transcription", object="realtime.transcription_session", id=session_id, expires_at=expires_at,
            audio={"input": audio_input}, include=config.get("include")).to_dict()
    return GASessionObject(
        type="realtime", object="realtime.session", id=session_id, model=config["model"],
        output_modalities=["audio"] if "audio" in config["modalities"] else ["text"],
        instructions=config.get("instructions"), tools=config.get("tools") or [],
        tool_choice=config.get("tool_choice"), max_output_tokens=config.get("max_response_output_tokens"),
        tracing=config.get("tracing"), truncation=config.get("truncation") or "auto", prompt=None,
        expires_at=expires_at,
        audio={"input": audio_input,
               "output": {"format": _GA_FORMATS[config["output_audio_format"]], "voice": config.get("voice"),
                          "speed": config.get("speed")}},
        include=config.get("include")).to_dict()


def wants_audio(config: dict[str, Any]) -> bool:
    """Whether responses in this configuration speak."""
    return "audio" in (config.get("modalities") or [])


__all__ = ["apply", "default_config", "parse_beta", "parse_ga", "render_beta", "render_ga", "with_prefix",
           "wants_audio", "SESSION_SECONDS"]
