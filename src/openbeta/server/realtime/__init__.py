"""Realtime: WebSocket sessions (beta and GA protocols), ephemeral keys, and the hooks to the voice pipeline."""
