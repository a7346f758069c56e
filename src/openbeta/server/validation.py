"""What every JSON request body is checked for, whatever face it arrives through: text that is JSON
(no ``NaN``/``Infinity``, numbers a 64-bit float carries), nesting at most ``MAX_JSON_DEPTH`` deep, no lone
UTF-16 surrogate, no NUL in an id; and validation into a request model, strict as JSON is. Each failure
is a 400 naming its ``param``. Routes (``api/``), realtime events and ChatKit's protocol all use these.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any, Optional, TypeVar, Union

from pydantic import BaseModel, ValidationError

from .errors import InvalidRequest, from_validation_error

M = TypeVar("M", bound=BaseModel)
#: Deepest accepted nesting of objects and arrays in a JSON body (deeper ones get 400).
MAX_JSON_DEPTH = 128
#: A ``\\uD800``-``\\uDFFF`` escape in JSON text: the only way a lone surrogate gets into a
#: parsed body (raw surrogate bytes are not UTF-8 and fail parsing). Pairs match too.
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


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
