"""``build_provider(settings)``: the one place that decides which model answers runs."""

from __future__ import annotations

from ..settings import Settings
from .base import Provider


def build_provider(settings: Settings) -> Provider:
    """``auto``: the upstream server when ``upstream_base_url`` is set, else the local model."""
    kind = settings.provider
    if kind == "auto":
        kind = "upstream" if settings.upstream_base_url else "local"
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
                         threads=settings.local_threads, max_output_tokens=settings.local_max_output_tokens)
