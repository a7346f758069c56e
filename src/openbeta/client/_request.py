"""One API call described as data (:class:`APIRequest`), and the retry policy.

Resources build an :class:`APIRequest`; the sync and async clients send it the
same way, so request building and retry decisions exist once.
"""

from __future__ import annotations

import email.utils
import random
import time
from dataclasses import dataclass, field, replace
from typing import Any, Mapping, Optional, TypedDict, Union

import httpx

from ._types import NOT_GIVEN, Body, Headers, NotGiven, Omit, Query, Timeout

INITIAL_RETRY_DELAY = 0.5
MAX_RETRY_DELAY = 8.0
MAX_RETRY_AFTER = 60.0

ASSISTANTS_BETA = "assistants=v2"
CHATKIT_BETA = "chatkit_beta=v1"
REALTIME_BETA = "realtime=v1"


class RequestOptions(TypedDict, total=False):
    """Per-call options every resource method accepts."""

    extra_headers: Optional[Headers]
    extra_query: Optional[Query]
    extra_body: Optional[Body]
    timeout: Union[Timeout, NotGiven]


OPTION_KEYS = frozenset(RequestOptions.__annotations__)


def split_options(params: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Separate API fields from per-call options in a ``**params`` dict."""
    fields = {k: v for k, v in params.items() if k not in OPTION_KEYS}
    options = {k: v for k, v in params.items() if k in OPTION_KEYS}
    return fields, options


@dataclass
class APIRequest:
    """A call to make: what to send, and what to parse the answer into."""

    method: str
    path: str
    cast_to: Any = None
    body: Optional[dict[str, Any]] = None
    query: dict[str, Any] = field(default_factory=dict)
    headers: dict[str, Union[str, Omit]] = field(default_factory=dict)
    files: Optional[list[tuple[str, Any]]] = None
    timeout: Union[Timeout, NotGiven] = NOT_GIVEN
    stream: Any = None  # an SSE event decoder when the answer is an event stream
    page: Any = None

    def with_options(self, options: Mapping[str, Any]) -> "APIRequest":
        """Merge ``extra_headers`` / ``extra_query`` / ``extra_body`` / ``timeout`` into a copy."""
        headers = {**self.headers, **(options.get("extra_headers") or {})}
        query = {**self.query, **(options.get("extra_query") or {})}
        body = self.body
        extra_body = options.get("extra_body")
        if extra_body:
            body = {**(body or {}), **extra_body}  # type: ignore[dict-item]
        timeout = options.get("timeout", NOT_GIVEN)
        return replace(self, headers=headers, query=query, body=body, timeout=timeout)

    def with_query(self, **query: Any) -> "APIRequest":
        return replace(self, query={**self.query, **query})


def request_kwargs(req: APIRequest, default_headers: Mapping[str, str], default_query: Mapping[str, Any],
                   default_timeout: Timeout) -> dict[str, Any]:
    """Keyword arguments for ``httpx.Client.build_request``."""
    headers = {**default_headers, **req.headers}
    headers = {key: value for key, value in headers.items() if not isinstance(value, Omit)}
    kwargs: dict[str, Any] = {
        "method": req.method,
        "url": req.path.lstrip("/"),
        "params": {**default_query, **req.query} or None,
        "timeout": default_timeout if isinstance(req.timeout, NotGiven) else req.timeout,
    }
    if req.files is not None:
        headers.pop("Content-Type", None)
        kwargs["files"] = req.files
        kwargs["data"] = {k: v for k, v in (req.body or {}).items() if v is not None}
    elif req.body is not None:
        kwargs["json"] = req.body
    if req.stream:
        headers["Accept"] = "text/event-stream"
    kwargs["headers"] = headers
    return kwargs


def should_retry(response: httpx.Response) -> bool:
    """``x-should-retry`` wins; otherwise retry 408, 409, 429 and any 5xx."""
    forced = response.headers.get("x-should-retry")
    if forced == "true":
        return True
    if forced == "false":
        return False
    return response.status_code in (408, 409, 429) or response.status_code >= 500


def retry_after(headers: Optional[httpx.Headers]) -> Optional[float]:
    """Seconds the server asked us to wait (``retry-after-ms``, ``retry-after``), if sane."""
    if headers is None:
        return None
    value: Optional[float] = None
    ms = headers.get("retry-after-ms")
    if ms is not None:
        try:
            value = float(ms) / 1000
        except ValueError:
            value = None
    if value is None and (raw := headers.get("retry-after")) is not None:
        try:
            value = float(raw)
        except ValueError:
            parsed = email.utils.parsedate_to_datetime(raw) if _is_http_date(raw) else None
            value = parsed.timestamp() - time.time() if parsed else None
    if value is not None and 0 <= value <= MAX_RETRY_AFTER:
        return value
    return None


def _is_http_date(raw: str) -> bool:
    try:
        return email.utils.parsedate_to_datetime(raw) is not None
    except (TypeError, ValueError):
        return False


def retry_delay(attempt: int, headers: Optional[httpx.Headers] = None) -> float:
    """Seconds to wait before retry number ``attempt + 1``: Retry-After, else backoff with jitter."""
    asked = retry_after(headers)
    if asked is not None:
        return asked
    delay = min(INITIAL_RETRY_DELAY * (2.0 ** attempt), MAX_RETRY_DELAY)
    return delay * (1 - 0.25 * random.random())
