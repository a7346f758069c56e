"""``build_provider(settings)``: the one place that decides which model answers runs."""

from __future__ import annotations

from typing import Optional

from ..settings import Settings
from .base import Provider


#: Tokens of file_search passages the embedded model reads by default: a small model reads them quickly
#: and finds the fact in them (``OPENBETA_FILE_SEARCH_MAX_TOKENS``).
LOCAL_PASSAGE_TOKENS = 600


def provider_kind(settings: Settings) -> str:
    """``auto``: the upstream server when ``upstream_base_url`` is set, else the local model."""
    if settings.provider == "auto":
        return "upstream" if settings.upstream_base_url else "local"
    return settings.provider


def passage_tokens(settings: Settings) -> Optional[int]:
    """The most tokens of passages a file_search call shows the model (``None``: all)."""
    if settings.file_search_max_tokens is not None:
        return settings.file_search_max_tokens or None
    return LOCAL_PASSAGE_TOKENS if embedded(settings) else None


def embedded(settings: Settings) -> bool:
    """Whether runs are answered by the embedded model (a small one: file_search shows it less, and the
    server cites for it)."""
    return provider_kind(settings) == "local"


def build_provider(settings: Settings) -> Provider:
    """``auto``: the upstream server when ``upstream_base_url`` is set, else the local model."""
    kind = provider_kind(settings)
    if kind == "upstream":
        if not settings.upstream_base_url:
            raise ValueError("The upstream provider needs OPENBETA_UPSTREAM_BASE_URL.")
        from .upstream import UpstreamProvider

        return UpstreamProvider(settings.upstream_base_url, settings.upstream_api_key,
                                model_map=settings.upstream_model_map, timeout=settings.upstream_timeout)
    if kind == "scripted":
        from .scripted import ScriptedProvider

        return ScriptedProvider()
    from .local import LocalProvider

    return LocalProvider(settings.local_model_path, context_size=settings.local_context_size,
                         default_model=settings.local_model, cache_dir=settings.local_model_cache_dir,
                         threads=settings.local_threads, max_output_tokens=settings.local_max_output_tokens,
                         prompt_cache_bytes=settings.local_prompt_cache_mb * 1024 * 1024)
