"""Tools and tool resources as they are stored on assistants, threads and runs."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from ..errors import InvalidRequest

DEFAULT_RANKING = {"ranker": "default_2024_08_21", "score_threshold": 0.0}


def normalize_tools(tools: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Fill the defaults OpenAI shows on stored tools."""
    out = []
    for tool in tools:
        tool = dict(tool)
        if tool.get("type") == "file_search":
            options = dict(tool.get("file_search") or {})
            options.setdefault("ranking_options", dict(DEFAULT_RANKING))
            tool["file_search"] = options
        out.append(tool)
    return out


def check_tool_resources(session: Session, resources: dict[str, Any], param: str) -> dict[str, Any]:
    """Validate ``tool_resources`` and return what is stored.

    ``file_search.vector_stores`` asks for a vector store to be created on the
    fly; that needs the vector store service.
    """
    resources = {k: v for k, v in (resources or {}).items() if v is not None}
    file_search = resources.get("file_search")
    if file_search:
        file_search = {k: v for k, v in file_search.items() if v is not None}
        if file_search.get("vector_stores"):
            if file_search.get("vector_store_ids"):
                raise InvalidRequest(
                    "Only one of 'vector_store_ids' or 'vector_stores' may be given.",
                    param=f"{param}.file_search", code="invalid_value")
            raise InvalidRequest(
                "Creating vector stores through 'tool_resources.file_search.vector_stores' is not supported yet.",
                param=f"{param}.file_search.vector_stores", code="unsupported_parameter")
        resources["file_search"] = file_search
    return resources
