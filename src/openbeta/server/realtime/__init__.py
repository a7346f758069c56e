"""The realtime API: WebSocket sessions and the offline voice pipeline."""
