"""Realtime: the face of WebSocket sessions (beta and GA protocols), ephemeral keys and their REST sessions,
and the voice kit a session reaches the voice pipeline through."""
