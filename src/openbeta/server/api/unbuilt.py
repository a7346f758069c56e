"""Operations of the beta family that this server does not answer yet.

A request that no route matched but that names one of these operations gets a
clear error instead of "Invalid URL". When a part of the API is built, its
routes match first and these patterns are never consulted for it.
"""

from __future__ import annotations

import re
from typing import Optional

from ..errors import APIError

_ID = r"[^/]+"

#: (method, path under /v1) of every operation in the family not built yet, as patterns (none now: every
#: operation of the Responses family is answered).
OPERATIONS: list[tuple[str, str]] = []

_PATTERNS = [(method, re.compile(f"/v1{path}")) for method, path in OPERATIONS]


def unbuilt_error(method: str, path: str) -> Optional[APIError]:
    """The error for an operation of the family that is not built, or None for any other URL."""
    if not any(m == method and pattern.fullmatch(path) for m, pattern in _PATTERNS):
        return None
    return APIError(f"{method} {path} is not supported by this server yet.", status_code=404,
                    type="invalid_request_error", code="not_implemented")

