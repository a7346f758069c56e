"""JSON schemas that constrain a local model's output (compiled to GBNF by llama.cpp).

A function call is produced in two constrained steps: the function's name (one of
the allowed names), then its arguments (the function's ``parameters`` schema).
``response_format`` maps to one schema for the whole reply.
"""

from __future__ import annotations

from typing import Any, Optional

from .base import ChatRequest

#: Any JSON object (``response_format: json_object``).
ANY_OBJECT: dict[str, Any] = {"type": "object"}
#: Function parameters when a tool declares none.
NO_PARAMETERS: dict[str, Any] = {"type": "object", "properties": {}}


def functions(request: ChatRequest) -> dict[str, dict[str, Any]]:
    """The request's function tools by name."""
    found = {}
    for tool in request.tools:
        function = tool.get("function") if tool.get("type", "function") == "function" else None
        if function and function.get("name"):
            found[function["name"]] = function
    return found


def forced_names(request: ChatRequest) -> Optional[list[str]]:
    """Names one of which MUST be called, or ``None`` when the model may answer in text."""
    available = functions(request)
    choice = request.tool_choice
    if not available or choice in (None, "none", "auto"):
        return None
    if choice == "required":
        return list(available)
    if isinstance(choice, dict):
        name = (choice.get("function") or {}).get("name")
        if name in available:
            return [name]
    return None


def tools_offered(request: ChatRequest) -> bool:
    """Whether the model sees the tools at all (``tool_choice: none`` hides them)."""
    return bool(functions(request)) and request.tool_choice != "none"


def name_schema(names: list[str]) -> dict[str, Any]:
    return {"type": "string", "enum": names}


def arguments_schema(function: dict[str, Any]) -> dict[str, Any]:
    parameters = function.get("parameters") or NO_PARAMETERS
    return parameters if parameters.get("type") == "object" or "properties" in parameters else NO_PARAMETERS


def response_schema(response_format: Optional[dict[str, Any]]) -> Optional[dict[str, Any]]:
    """The schema a ``response_format`` demands, ``None`` for plain text."""
    if not response_format:
        return None
    kind = response_format.get("type")
    if kind == "json_object":
        return ANY_OBJECT
    if kind == "json_schema":
        schema = (response_format.get("json_schema") or {}).get("schema")
        return schema or ANY_OBJECT
    return None
