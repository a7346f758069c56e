"""What routes share: the caller's project, JSON bodies validated into request models, page queries, services."""

from __future__ import annotations

import hashlib
import json
import math
import re
from typing import Any, Optional, TypeVar, Union

from fastapi import Depends, Request, Response
from pydantic import BaseModel, ValidationError
from starlette.concurrency import run_in_threadpool
from starlette.requests import HTTPConnection

from ..errors import APIError, InvalidRequest, PayloadTooLarge, Unauthorized, from_validation_error
from ..services.polling import poll_headers
from ..services.projects import Caller, KeyRing
from ..store.pages import PageQuery
from ..store.tables import DEFAULT_PROJECT_ID

M = TypeVar("M", bound=BaseModel)
#: Deepest accepted nesting of objects and arrays in a JSON body (deeper ones get 400).
MAX_JSON_DEPTH = 128
#: A ``\\uD800``-``\\uDFFF`` escape in JSON text: the only way a lone surrogate gets into a
#: parsed body (raw surrogate bytes are not UTF-8 and fail parsing). Pairs match too.
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def bearer(request: HTTPConnection) -> Optional[str]:
    """The request's bearer token, if it sent one."""
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    token = token.strip()
    return token if scheme.lower() == "bearer" and token else None


def bearer_hash(token: str) -> str:
    """SHA-256 of the header's own bytes (ASGI headers decode as latin-1), as keys are stored."""
    return hashlib.sha256(token.encode("latin-1")).hexdigest()


def _refused(token: str, reason: str) -> Unauthorized:
    if reason == "revoked":
        return Unauthorized("This API key has been revoked.", code="invalid_api_key")
    if reason == "archived":
        return Unauthorized("The project of this API key is archived.", code="invalid_api_key")
    shown = token[:3] + "*" * 4 + token[-4:] if len(token) > 8 else "*" * len(token)
    return Unauthorized(f"Incorrect API key provided: {shown}.", code="invalid_api_key")


async def project_for(ring: KeyRing, token: Optional[str]) -> str:
    """The id of the project a bearer ``token`` (or none) acts for; 401 for a missing, unknown or
    revoked key, 403 for the admin key (it only manages projects).

    For faces whose key does not come in an ``Authorization`` header (a WebSocket subprotocol,
    a client secret exchanged for a key): pass the token here. Async: it runs on the event loop,
    and touches the database only for a stored key it has not seen in the last few seconds (and to
    note its last use, at most once a minute).
    """
    digest = bearer_hash(token) if token else None
    if digest is not None and ring.is_admin(digest):
        raise APIError("The admin key can only call the /v1/organization routes; use a project API key.",
                       status_code=403, type="invalid_request_error", code="admin_key_not_allowed")
    is_open = ring.open_cached()
    if is_open is None:
        is_open = await run_in_threadpool(ring.open)
    if is_open:
        return DEFAULT_PROJECT_ID
    if token is None or digest is None:
        raise Unauthorized(
            "You didn't provide an API key. You need to provide your API key in an Authorization header "
            "using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).", code="missing_api_key")
    found = ring.cached(digest)
    if found is None:
        found = await run_in_threadpool(ring.lookup, digest)
    if not isinstance(found, Caller):
        raise _refused(token, str(found))
    if found.key_id is not None and ring.touch_due(found.key_id):
        await run_in_threadpool(ring.touch, found.key_id)
    return found.project_id


async def current_project(request: HTTPConnection) -> str:
    """The id of the project the request acts for, from its bearer key (see
    :mod:`openbeta.server.services.projects` and :func:`project_for`); every ``/v1`` object route
    depends on it, and it is kept on ``request.state.project``. Typed on ``HTTPConnection``, so
    WebSocket routes can depend on it too.
    """
    known = getattr(request.state, "project", None)
    if known is None:
        known = request.state.project = await project_for(request.app.state.services.keys, bearer(request))
    return known


#: ``project: str = Project``: the caller's project id (see :func:`current_project`).
Project: Any = Depends(current_project)


def refuse_nul(value: str, param: str) -> None:
    """400 ``invalid_value`` for text holding a NUL character: it names no object, and PostgreSQL's text
    columns cannot hold it (so it would fail there and not on SQLite)."""
    if "\x00" in value:
        raise InvalidRequest(f"Invalid '{param}': a NUL character (\\u0000 or %00) is not allowed here.",
                             param=param, code="invalid_value")


def _id_like(key: str) -> bool:
    return key == "id" or key.endswith(("_id", "_ids")) or key in ("after", "before", "attachments")


def nul_in_ids(value: Any, path: str = "") -> Optional[str]:
    """The ``param`` path of the first id or cursor in a JSON body (a string, or a list's string, under a
    key ``id``, ``*_id``, ``*_ids``, ``after``, ``before`` or ``attachments``, outside ``metadata`` and
    ``attributes``) holding a NUL character; see :func:`refuse_nul`. Other text may hold NUL (it is
    stored as JSON, which escapes it)."""
    if isinstance(value, list):
        for index, item in enumerate(value):
            found = nul_in_ids(item, f"{path}[{index}]")
            if found:
                return found
    elif isinstance(value, dict):
        for key, item in value.items():
            if key in ("metadata", "attributes"):  # free-form values, kept as JSON
                continue
            where = f"{path}.{key}" if path else str(key)
            if _id_like(str(key)):
                items = item if isinstance(item, list) else [item]
                for index, one in enumerate(items):
                    if isinstance(one, str) and "\x00" in one:
                        return f"{where}[{index}]" if isinstance(item, list) else where
            found = nul_in_ids(item, where)
            if found:
                return found
    return None


async def no_nul_in_url(request: Request) -> None:
    """Every ``/v1`` route's check (after the key check) that no path segment or query parameter holds
    a NUL character (see :func:`refuse_nul`)."""
    for name, value in request.path_params.items():
        if isinstance(value, str):
            refuse_nul(value, name)
    for name, value in request.query_params.multi_items():
        refuse_nul(name, name.replace("\x00", "\\u0000"))
        refuse_nul(value, name)


def too_large(limit: int) -> PayloadTooLarge:
    return PayloadTooLarge(f"Request body is too large: the maximum is {limit} bytes.",
                           code="request_too_large")


#: Room for a multipart envelope and the other form fields around an uploaded file.
ENVELOPE_BYTES = 64 * 1024


async def read_body(request: Request, limit: int, refusal: Optional[APIError] = None) -> bytes:
    """The request body, refused with 413 (``refusal``, or ``request_too_large``) once it passes
    ``limit`` bytes (declared or counted)."""
    length = request.headers.get("content-length", "")
    if length.isdigit() and int(length) > limit:
        raise refusal or too_large(limit)
    chunks: list[bytes] = []
    received = 0
    async for chunk in request.stream():
        received += len(chunk)
        if received > limit:
            raise refusal or too_large(limit)
        chunks.append(chunk)
    return b"".join(chunks)


def count_received(request: Request, limit: int, refusal: APIError) -> None:
    """Make the request's body reader raise ``refusal`` (a 413) once more than ``limit`` bytes have
    arrived, whatever reads it (a multipart parser that spools files included)."""
    receive = request.receive
    received = 0

    async def counting() -> Any:
        nonlocal received
        message = await receive()
        if message["type"] == "http.request":
            received += len(message.get("body", b""))
            if received > limit:
                raise refusal
        return message

    request._receive = counting


def nesting_depth(value: Any) -> int:
    """How deep objects and arrays nest in ``value`` (walked without recursion)."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, depth = stack.pop()
        children = item.values() if isinstance(item, dict) else item if isinstance(item, list) else None
        if children is not None:
            deepest = max(deepest, depth)
            stack.extend((child, depth + 1) for child in children)
    return deepest


def _shown(key: str) -> str:
    """A key as printable text: lone surrogates written as ``\\udXXX`` escapes."""
    return key.encode("utf-8", "backslashreplace").decode("utf-8")


def lone_surrogate_path(value: Any) -> Optional[str]:
    """The ``param`` path of the first string or object key in ``value`` holding a lone surrogate.

    JSON's ``\\uXXXX`` escapes can spell half of a UTF-16 pair alone; such text is not
    Unicode, cannot be encoded as UTF-8, and so can be neither stored nor answered.
    """
    stack: list[tuple[Any, str]] = [(value, "")]
    while stack:
        item, path = stack.pop()
        if isinstance(item, str):
            if _LONE_SURROGATE.search(item):
                return path
        elif isinstance(item, dict):
            children = []
            for key, child in item.items():
                name = f"{path}.{_shown(key)}" if path else _shown(key)
                if _LONE_SURROGATE.search(key):
                    return name
                children.append((child, name))
            stack.extend(reversed(children))
        elif isinstance(item, list):
            stack.extend((item[i], f"{path}[{i}]") for i in range(len(item) - 1, -1, -1))
    return None


def refuse_lone_surrogates(raw: bytes, data: Any) -> None:
    """400 naming the ``param`` when the parsed body holds a lone surrogate (cheap when it cannot)."""
    if json.detect_encoding(raw).startswith("utf-8") and not _SURROGATE_ESCAPE.search(raw):
        return  # UTF-16/32 bodies (which json accepts) are always walked
    param = lone_surrogate_path(data)
    if param is not None:
        raise InvalidRequest(
            f"Invalid '{param}': the text holds a lone UTF-16 surrogate (a \\ud800-\\udfff escape "
            f"without its pair), which is not valid Unicode.", param=param or None, code="invalid_value")


class _NotANumber(ValueError):
    """``NaN``, ``Infinity`` or a number past a 64-bit float's range: not JSON numbers."""

    def __init__(self, text: str) -> None:
        super().__init__(text)
        self.text = text


def _refuse_constant(text: str) -> Any:
    raise _NotANumber(text)


def _finite(text: str) -> float:
    value = float(text)
    if math.isinf(value):
        raise _NotANumber(text if len(text) <= 32 else text[:32] + "...")
    return value


async def read_json(request: Request) -> dict[str, Any]:
    raw = await read_body(request, request.app.state.settings.max_body_bytes)
    if not raw.strip():
        return {}
    return parse_json_body(raw)


INVALID_JSON = ("We could not parse the JSON body of your request. (HINT: This likely means you aren't using "
                "your HTTP library correctly. The OpenAI API expects a JSON payload, but what was sent was not "
                "valid JSON.)")


def load_json(raw: Union[bytes, str], *, invalid_code: Optional[str] = None) -> Any:
    """JSON text parsed as JSON means it: ``NaN``, ``Infinity`` and numbers past a 64-bit float are
    refused (code ``invalid_value``), like text that is not JSON (code ``invalid_code``), with a 400."""
    try:
        return json.loads(raw, parse_constant=_refuse_constant, parse_float=_finite)
    except _NotANumber as exc:
        raise InvalidRequest(
            f"The JSON body of your request holds '{exc.text}', which is not a number JSON can carry "
            "(JSON has no NaN or Infinity, and numbers must fit a 64-bit float).", code="invalid_value") from None
    except (ValueError, UnicodeDecodeError, RecursionError):
        raise InvalidRequest(INVALID_JSON, code=invalid_code) from None


def parse_json_body(raw: bytes, *, ids: bool = True) -> dict[str, Any]:
    """A JSON request body as every route takes it: a 400 naming what is wrong for text that is not
    JSON, a number JSON cannot carry, nesting deeper than ``MAX_JSON_DEPTH``, a lone surrogate, a NUL in
    an id (unless ``ids`` is false: the caller checks them itself), or anything but an object."""
    data = load_json(raw)
    if nesting_depth(data) > MAX_JSON_DEPTH:
        raise InvalidRequest(f"The JSON body of your request nests objects and arrays more than "
                             f"{MAX_JSON_DEPTH} levels deep.", code="invalid_value")
    refuse_lone_surrogates(raw, data)
    if ids and b"\\u0000" in raw:
        bad = nul_in_ids(data)
        if bad:
            refuse_nul("\x00", bad)
    if not isinstance(data, dict):
        raise InvalidRequest("The request body must be a JSON object.", code="invalid_type")
    return data


def validate(model: type[M], data: dict[str, Any]) -> M:
    """``data`` as ``model``; strict (JSON bodies): no string-to-number/bool coercion, ints pass as floats."""
    try:
        return model.model_validate(data, extra="forbid", strict=True)
    except ValidationError as exc:
        raise from_validation_error(exc, data) from None


def body(model: type[M]) -> Any:
    """``params: X = body(X)``: the request's JSON, validated into ``X``."""

    async def dependency(request: Request) -> M:
        return validate(model, await read_json(request))

    return Depends(dependency)


def _one(request: Request, name: str) -> Optional[str]:
    values = request.query_params.getlist(name)
    return values[-1] if values else None


def limited_page_query(request: Request, maximum: int) -> PageQuery:
    limit_raw = _one(request, "limit")
    limit = 20
    if limit_raw is not None:
        try:
            limit = int(limit_raw)
        except ValueError:
            raise InvalidRequest(
                f"Invalid type for 'limit': expected an integer, but got a string instead.",
                param="limit", code="invalid_type") from None
        if not 1 <= limit <= maximum:
            raise InvalidRequest(
                f"Invalid 'limit': integer {'below minimum value' if limit < 1 else 'above maximum value'}. "
                f"Expected a value {'>= 1' if limit < 1 else f'<= {maximum}'}, but got {limit} instead.",
                param="limit", code="integer_below_min_value" if limit < 1 else "integer_above_max_value")
    order = _one(request, "order")
    order = "desc" if order is None else order  # an empty order= is not one of the two
    if order not in ("asc", "desc"):
        raise InvalidRequest(f"Invalid value: '{order}'. Supported values are: 'asc' and 'desc'.",
                             param="order", code="invalid_value")
    return PageQuery(limit=limit, order=order,  # type: ignore[arg-type]
                     after=_one(request, "after") or None, before=_one(request, "before") or None)


def pages(maximum: int = 100) -> Any:
    """``page: PageQuery = pages()``: the page query; ``pages(10_000)`` lets ``limit`` reach 10 000."""

    async def dependency(request: Request) -> PageQuery:  # async: no thread-pool hop for parsing
        return limited_page_query(request, maximum)

    return Depends(dependency)


def service(name: str) -> Any:
    """``svc = service("assistants")``: a service from the app's container."""

    async def dependency(request: Request) -> Any:  # async: no thread-pool hop for a lookup
        return getattr(request.app.state.services, name)

    return Depends(dependency)


__all__ = ["Project", "current_project", "project_for", "bearer", "body", "validate", "read_body", "read_json",
           "parse_json_body", "pages", "service"]


def hinted(response: Response, obj: dict[str, Any]) -> dict[str, Any]:
    """``obj``, with the ``openai-poll-after-ms`` header of an object still moving (see ``services/polling.py``)
    set on ``response``: what the SDKs' polling helpers read between two reads."""
    response.headers.update(poll_headers(obj))
    return obj
