"""OpenAI-shaped errors: ``{"error": {"message", "type", "param", "code"}}``.

Services raise :class:`APIError` subclasses; the app turns them (and request
validation failures) into JSON responses with the right status.
"""

from __future__ import annotations

from typing import Any, Optional

from pydantic import ValidationError


class APIError(Exception):
    status_code = 500
    type = "server_error"

    def __init__(self, message: str, *, param: Optional[str] = None, code: Optional[str] = None,
                 status_code: Optional[int] = None, type: Optional[str] = None,
                 headers: Optional[dict[str, str]] = None) -> None:
        super().__init__(message)
        self.message = message
        self.param = param
        self.code = code
        self.headers = headers
        if status_code is not None:
            self.status_code = status_code
        if type is not None:
            self.type = type

    def body(self) -> dict[str, Any]:
        return {"error": {"message": self.message, "type": self.type, "param": self.param, "code": self.code}}


class InvalidRequest(APIError):
    status_code = 400
    type = "invalid_request_error"


class NotFound(APIError):
    status_code = 404
    type = "invalid_request_error"

    @classmethod
    def of(cls, kind: str, object_id: str, *, param: Optional[str] = None) -> "NotFound":
        return cls(f"No {kind} found with id '{object_id}'.", param=param)


class Unauthorized(APIError):
    status_code = 401
    type = "invalid_request_error"


class Conflict(APIError):
    status_code = 409
    type = "invalid_request_error"


class RateLimited(APIError):
    status_code = 429
    type = "rate_limit_error"


class ServiceUnavailable(APIError):
    status_code = 503
    type = "server_error"


class RequestTimeout(APIError):
    status_code = 408
    type = "invalid_request_error"


class PayloadTooLarge(APIError):
    status_code = 413
    type = "invalid_request_error"


def _describe_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int):
        return "an integer"
    if isinstance(value, float):
        return "a decimal"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__


_EXPECTED = {
    "string_type": "a string",
    "int_type": "an integer",
    "int_parsing": "an integer",
    "int_from_float": "an integer",
    "float_type": "a number",
    "float_parsing": "a number",
    "bool_type": "a boolean",
    "bool_parsing": "a boolean",
    "list_type": "an array",
    "dict_type": "an object",
    "model_type": "an object",
    "model_attributes_type": "an object",
}


def param_path(loc: tuple[Any, ...], data: Any) -> str:
    """Render a pydantic error location as OpenAI does (``tools[0].function.name``).

    Unions add their member's tag to the location; a tag is not a key of the
    input, so walking the input alongside the location drops it. A key that is
    absent from the input is named only when it is the last part (a missing
    parameter).
    """
    out = ""
    current = data
    for i, part in enumerate(loc):
        last = i == len(loc) - 1
        if not last and _is_tag(current, part, loc[i + 1]):
            continue
        if isinstance(part, int):
            if isinstance(current, list) and 0 <= part < len(current):
                out += f"[{part}]"
                current = current[part]
            continue
        if isinstance(current, dict) and part in current:
            out += f".{part}" if out else str(part)
            current = current[part]
        elif last and isinstance(current, dict):
            out += f".{part}" if out else str(part)
    return out


def _is_tag(current: Any, part: Any, following: Any) -> bool:
    """Whether ``part`` is a discriminated union's tag rather than a key.

    A tag equals the object's ``type``; it is told apart from a field of the same
    name (``{"type": "image_url", "image_url": {...}}``) by what follows it.
    """
    if not isinstance(current, dict) or part != current.get("type"):
        return False
    return following in current or not isinstance(current.get(part), (dict, list))


#: Which error to report when there are several: unknown and missing parameters
#: first, then broken constraints, and last wrong types (in a union of a string
#: and an array, the member that does not match reports a type error).
_RANK = {"extra_forbidden": 0, "missing": 1}


def _rank(error: Any) -> tuple[int, int]:
    """Lower is reported first; among equals the deepest location (a union member's own field)."""
    return _RANK.get(error["type"], 3 if error["type"] in _EXPECTED else 2), -len(error["loc"])


def _bound_code(bound: Any, side: str) -> str:
    """``decimal_above_max_value`` for a float field's bound, ``integer_...`` for an int field's."""
    return f"{'decimal' if isinstance(bound, float) else 'integer'}_{side}"


def from_validation_error(exc: ValidationError, data: Any) -> InvalidRequest:
    """The first validation problem as an OpenAI error, naming its ``param``."""
    errors = exc.errors(include_url=False)
    err = min(errors, key=_rank)
    kind = err["type"]
    param = param_path(tuple(err["loc"]), data) or None
    value = err.get("input")
    ctx = err.get("ctx") or {}
    if kind == "extra_forbidden":
        return InvalidRequest(f"Unknown parameter: '{param}'.", param=param, code="unknown_parameter")
    if kind == "missing":
        return InvalidRequest(f"Missing required parameter: '{param}'.", param=param,
                              code="missing_required_parameter")
    if kind in _EXPECTED:
        return InvalidRequest(
            f"Invalid type for '{param}': expected {_EXPECTED[kind]}, but got {_describe_type(value)} instead.",
            param=param, code="invalid_type")
    if kind == "literal_error":
        return InvalidRequest(
            f"Invalid value: '{value}'. Supported values are: {ctx.get('expected', '')}.",
            param=param, code="invalid_value")
    if kind == "union_tag_invalid":
        return InvalidRequest(
            f"Invalid value: '{ctx.get('tag')}'. Supported values are: {ctx.get('expected_tags', '')}.",
            param=f"{param}.{ctx.get('discriminator', 'type').strip(chr(39))}" if param else None,
            code="invalid_value")
    if kind == "union_tag_not_found":
        return InvalidRequest(f"Missing required parameter: '{param}.type'.", param=f"{param}.type",
                              code="missing_required_parameter")
    if kind == "string_too_long":
        return InvalidRequest(
            f"Invalid '{param}': string too long. Expected a string with maximum length "
            f"{ctx.get('max_length')}, but got a string with length {len(value) if isinstance(value, str) else '?'} instead.",
            param=param, code="string_above_max_length")
    if kind == "string_too_short":
        return InvalidRequest(
            f"Invalid '{param}': string too short. Expected a string with minimum length "
            f"{ctx.get('min_length')}, but got a string with length {len(value) if isinstance(value, str) else '?'} instead.",
            param=param, code="string_below_min_length")
    if kind == "too_long":
        return InvalidRequest(
            f"Invalid '{param}': array too long. Expected an array with maximum length "
            f"{ctx.get('max_length')}, but got an array with length {ctx.get('actual_length')} instead.",
            param=param, code="array_above_max_length")
    if kind == "too_short":
        return InvalidRequest(
            f"Invalid '{param}': array too short. Expected an array with minimum length "
            f"{ctx.get('min_length')}, but got an array with length {ctx.get('actual_length')} instead.",
            param=param, code="array_below_min_length")
    if kind in ("greater_than_equal", "greater_than"):
        bound = ctx.get("ge", ctx.get("gt"))
        return InvalidRequest(f"Invalid '{param}': numeric value must be at least {bound}.",
                              param=param, code=_bound_code(bound, "below_min_value"))
    if kind in ("less_than_equal", "less_than"):
        bound = ctx.get("le", ctx.get("lt"))
        return InvalidRequest(f"Invalid '{param}': numeric value must be at most {bound}.",
                              param=param, code=_bound_code(bound, "above_max_value"))
    if kind == "string_pattern_mismatch":
        return InvalidRequest(
            f"Invalid '{param}': string does not match pattern. Expected a string that matches the pattern "
            f"'{ctx.get('pattern')}'.", param=param, code="invalid_value")
    if kind == "value_error":
        return InvalidRequest(f"Invalid '{param}': {ctx.get('error', err['msg'])}.", param=param,
                              code="invalid_value")
    return InvalidRequest(f"Invalid '{param}': {err['msg']}.", param=param, code="invalid_value")
