"""``build_provider(settings)``: the chat model provider the settings name."""

from __future__ import annotations

from ..settings import Settings
from .base import Provider


def build_provider(settings: Settings) -> Provider:
    if settings.provider == "scripted":
        from .scripted import ScriptedProvider

        return ScriptedProvider()
    raise ValueError(f"Unknown or unavailable model provider {settings.provider!r}; this build knows 'scripted'.")
