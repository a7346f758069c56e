"""Giving freed memory back to the operating system.

CPython frees objects into glibc's heaps, which keep the pages (scattered free blocks among live
ones, per-thread arenas) rather than hand them back; after a burst of work (a large ingestion, a
busy realtime session) the process would stay at its peak size. ``malloc_trim(0)`` returns the
free pages of every arena. Elsewhere than glibc it does nothing.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging
from typing import Any, Optional

log = logging.getLogger("openbeta")

_libc: Optional[Any] = None
_looked = False


def release_memory() -> None:
    """Return the heap's free pages to the system (glibc's ``malloc_trim``); cheap, safe from any thread."""
    global _libc, _looked
    if not _looked:
        _looked = True
        try:
            libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
            _libc = libc if hasattr(libc, "malloc_trim") else None
        except OSError:
            _libc = None
    if _libc is not None:
        try:
            _libc.malloc_trim(0)
        except Exception:  # pragma: no cover - never fails on glibc
            log.debug("malloc_trim failed", exc_info=True)
