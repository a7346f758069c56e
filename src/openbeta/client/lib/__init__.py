"""Helpers built on the plain endpoints: assistant event handlers and stream managers."""
