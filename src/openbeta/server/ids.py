"""Object ids with OpenAI's prefixes: ``asst_``, ``thread_``, ``msg_``, ``run_``, ``step_`` ..."""

from __future__ import annotations

import secrets
import string
import time

_ALPHABET = string.ascii_letters + string.digits
#: The project rows made before projects existed were given (migration ``0008_projects``); open mode's project.
DEFAULT_PROJECT_ID = "proj_default"


def new_id(prefix: str, length: int = 24) -> str:
    return prefix + "".join(secrets.choice(_ALPHABET) for _ in range(length))


def now() -> int:
    """Unix seconds, the unit of every timestamp on the wire."""
    return int(time.time())
