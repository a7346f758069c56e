"""Tools and tool resources as they are stored on assistants, threads and runs."""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from ...types.vector_store import VectorStoreCreateParams
from ..errors import InvalidRequest, NotFound, from_validation_error
from ..store.rows import owned, set_body
from ..store.tables import FileRow, VectorStoreRow
from .vector_stores import add_file, create_store

DEFAULT_RANKING = {"ranker": "default_2024_08_21", "score_threshold": 0.0}


def normalize_tools(tools: list[dict[str, Any]], param: str = "tools") -> list[dict[str, Any]]:
    """Fill the defaults OpenAI shows on stored tools (``ranking_options`` whole, with its
    ``score_threshold``); a ``null`` where the spec has an object or nothing is a wrong type."""
    out = []
    for i, tool in enumerate(tools):
        tool = dict(tool)
        if tool.get("type") == "file_search":
            options = _not_null(tool, "file_search", f"{param}[{i}]")
            _not_null(options, "max_num_results", f"{param}[{i}].file_search", "an integer")
            ranking = _not_null(options, "ranking_options", f"{param}[{i}].file_search")
            tool["file_search"] = {**options, "ranking_options": {**DEFAULT_RANKING, **ranking}}
        out.append(tool)
    return out


def _not_null(holder: dict[str, Any], key: str, where: str, expected: str = "an object") -> Any:
    if key in holder and holder[key] is None:
        raise InvalidRequest(f"Invalid type for '{where}.{key}': expected {expected}, but got null instead.",
                             param=f"{where}.{key}", code="invalid_type")
    value = holder.get(key)
    return dict(value or {}) if expected == "an object" else value


def check_file(session: Session, project: str, file_id: str, param: str) -> None:
    """404 naming ``param`` unless ``file_id`` is a file of ``project``."""
    if session.scalar(select(FileRow.id).where(FileRow.id == file_id, owned(FileRow, project))) is None:
        raise NotFound.of("file", file_id, param=param)


def check_message_files(session: Session, project: str, body: dict[str, Any], prefix: str) -> None:
    """Every file a message names (``image_file`` parts, attachments) must exist."""
    for i, part in enumerate(body.get("content") or []):
        if part.get("type") == "image_file":
            check_file(session, project, part["image_file"]["file_id"], f"{prefix}content[{i}].image_file.file_id")
    for i, attachment in enumerate(body.get("attachments") or []):
        check_file(session, project, attachment["file_id"], f"{prefix}attachments[{i}].file_id")


def check_tool_resources(session: Session, project: str, resources: dict[str, Any], param: str) -> dict[str, Any]:
    """Validate ``tool_resources`` and return what is stored.

    ``file_search.vector_store_ids`` must name existing vector stores;
    ``file_search.vector_stores`` creates a vector store on the fly (its files
    are ingested in the background) and is stored as its id.
    """
    resources = {k: v for k, v in (resources or {}).items() if v is not None}
    for i, file_id in enumerate((resources.get("code_interpreter") or {}).get("file_ids") or []):
        check_file(session, project, file_id, f"{param}.code_interpreter.file_ids[{i}]")
    file_search = resources.get("file_search")
    if file_search:
        file_search = {k: v for k, v in file_search.items() if v is not None}
        if file_search.get("vector_stores"):
            if file_search.get("vector_store_ids"):
                raise InvalidRequest(
                    "Only one of 'vector_store_ids' or 'vector_stores' may be given.",
                    param=f"{param}.file_search", code="invalid_value")
            ids = []
            for i, helper in enumerate(file_search.pop("vector_stores")):
                data = {k: v for k, v in helper.items() if v is not None}
                try:
                    params = VectorStoreCreateParams.model_validate(data)
                except ValidationError as exc:
                    error = from_validation_error(exc, data)
                    error.param = f"{param}.file_search.vector_stores[{i}].{error.param}"
                    raise error from None
                store = create_store(session, project, params, f"{param}.file_search.vector_stores[{i}].file_ids")
                ids.append(store.id)
            file_search["vector_store_ids"] = ids
        for i, store_id in enumerate(file_search.get("vector_store_ids") or []):
            if session.scalar(select(VectorStoreRow.id).where(VectorStoreRow.id == store_id,
                                                              owned(VectorStoreRow, project))) is None:
                raise NotFound.of("vector store", store_id, param=f"{param}.file_search.vector_store_ids[{i}]")
        resources["file_search"] = file_search
    return resources


#: The policy OpenAI gives the vector store it creates for a thread's attachments.
THREAD_STORE_EXPIRY = {"anchor": "last_active_at", "days": 7}


def index_attachments(session: Session, project: str, thread: Any, attachments: list[dict[str, Any]],
                      param: str) -> None:
    """Queue the files attached for ``file_search`` into the thread's own vector store.

    The thread keeps one vector store in ``tool_resources.file_search``; the
    first such attachment creates it (expiring 7 days after last use).
    ``thread`` is the thread's row, updated in the caller's unit of work.
    """
    wanted = [(i, a["file_id"]) for i, a in enumerate(attachments or [])
              if any(t.get("type") == "file_search" for t in a.get("tools") or [])]
    if not wanted:
        return
    body = dict(thread.body)
    resources = dict(body.get("tool_resources") or {})
    file_search = dict(resources.get("file_search") or {})
    store_ids = list(file_search.get("vector_store_ids") or [])
    if not store_ids:
        store = create_store(session, project,
                             VectorStoreCreateParams.model_validate({"expires_after": THREAD_STORE_EXPIRY}))
        store_ids = [store.id]
        file_search["vector_store_ids"] = store_ids
        resources["file_search"] = file_search
        body["tool_resources"] = resources
        set_body(thread, body)
    for i, file_id in wanted:
        add_file(session, project, store_ids[0], file_id, param=f"{param}[{i}].file_id")
