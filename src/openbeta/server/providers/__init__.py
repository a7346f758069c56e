"""Chat model providers: a chat request in, a stream of deltas out.

The run engine knows only :class:`Provider`; which model answers is settings.
"""

from .base import ChatRequest, Delta, Provider, ProviderError, ToolCallDelta, Usage

__all__ = ["ChatRequest", "Delta", "Provider", "ProviderError", "ToolCallDelta", "Usage"]
