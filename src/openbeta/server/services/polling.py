"""When a client polling an object that is still moving should ask again.

The official SDKs' polling helpers (``create_and_poll``, ``upload_and_poll``, ``createAndRunPoll`` ...)
sleep between two reads for the milliseconds of the ``openai-poll-after-ms`` header of the last read,
and without it a fixed interval (1 s in Python, 5 s in Node). openbeta sends it on runs, vector store
files and file batches while they move (a run ``queued``, ``in_progress`` or ``cancelling``, a file or
batch ``in_progress``), following how long the work has gone on: work that has just started is
usually quick here, so it is asked about again soon; the longer it runs, the longer the wait. Once
the object has settled (done, failed, or waiting for the client) there is nothing to wait for, and
no header.
"""

from __future__ import annotations

import time
from typing import Any, Optional

#: The response header the SDKs' pollers read.
POLL_AFTER_HEADER = "openai-poll-after-ms"
#: The shortest and longest hint (milliseconds).
MIN_POLL_MS = 100
MAX_POLL_MS = 2000
#: The hint is this share of the time the work has gone on (a run in progress for 4 s: 1 s).
AGE_SHARE = 0.25

#: Statuses in which each kind of object still moves on its own.
_MOVING = {
    "thread.run": {"queued", "in_progress", "cancelling"},
    "vector_store.file": {"in_progress"},
    "vector_store.files_batch": {"in_progress"},
}


def poll_after_ms(obj: dict[str, Any], now: Optional[float] = None) -> Optional[int]:
    """The ``openai-poll-after-ms`` value for a run, vector store file or file batch; None once it has settled.

    ``queued`` and ``cancelling`` runs are about to change (a run starts at once, a cancel lands
    within a lease renewal): the shortest hint. Work ``in_progress`` gets a quarter of the time it
    has gone on (since ``started_at``, else ``created_at``), between :data:`MIN_POLL_MS` and
    :data:`MAX_POLL_MS`.
    """
    if obj.get("status") not in _MOVING.get(obj.get("object") or "", ()):
        return None
    if obj["status"] != "in_progress":
        return MIN_POLL_MS
    since = obj.get("started_at") or obj.get("created_at")
    age = max(0.0, (time.time() if now is None else now) - since) if since else 0.0
    return int(min(MAX_POLL_MS, max(MIN_POLL_MS, age * 1000 * AGE_SHARE)))


def poll_headers(obj: Any) -> dict[str, str]:
    """``{"openai-poll-after-ms": ...}`` for an object still moving, else ``{}`` (also for anything not a dict)."""
    hint = poll_after_ms(obj) if isinstance(obj, dict) else None
    return {} if hint is None else {POLL_AFTER_HEADER: str(hint)}
