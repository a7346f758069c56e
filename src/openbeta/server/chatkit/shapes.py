"""The two shapes of ChatKit data: the protocol's (stored) and the REST API's (rendered).

Items are stored as the ChatKit server protocol writes them (``type: user_message``,
ISO ``created_at``, annotations ``{type: annotation, source, index}``, tool call
``arguments`` as an object). The REST face (``/v1/chatkit/threads/{id}/items``)
shows them as OpenAI's schemas do (``type: chatkit.user_message``, Unix seconds,
annotations ``{type: file|url, source}``, ``arguments`` as a JSON string). This
module is the one mapping between them; it needs only plain dicts, so the REST
face works without the ``openai-chatkit`` package installed.
"""

from __future__ import annotations

import json
from typing import Any, Optional

#: Protocol item types that the REST API shows, and the REST type each becomes.
REST_TYPES = {
    "user_message": "chatkit.user_message",
    "assistant_message": "chatkit.assistant_message",
    "client_tool_call": "chatkit.client_tool_call",
    "widget": "chatkit.widget",
    "task": "chatkit.task",
    "workflow": "chatkit.task_group",
}


def render_thread(row: Any) -> dict[str, Any]:
    """A ``chatkit.thread``."""
    body = row.body
    return {"id": row.id, "object": "chatkit.thread", "created_at": row.created_at, "title": body.get("title"),
            "status": render_status(body.get("status")), "user": row.user}


def render_status(status: Optional[dict[str, Any]]) -> dict[str, Any]:
    status = status or {"type": "active"}
    if status.get("type") == "active":
        return {"type": "active"}
    return {"type": status["type"], "reason": status.get("reason")}


def _json_text(value: Any) -> Optional[str]:
    if value is None:
        return None
    return value if isinstance(value, str) else json.dumps(value, separators=(",", ":"))


def _annotation(note: dict[str, Any]) -> Optional[dict[str, Any]]:
    source = note.get("source") or {}
    if source.get("type") == "file":
        return {"type": "file", "source": {"type": "file", "filename": source.get("filename") or source.get("title")}}
    if source.get("type") == "url":
        return {"type": "url", "source": {"type": "url", "url": source.get("url")}}
    return None  # entity sources have no REST form


def _attachment(attachment: dict[str, Any]) -> dict[str, Any]:
    return {"type": attachment.get("type", "file"), "id": attachment["id"], "name": attachment.get("name"),
            "mime_type": attachment.get("mime_type"), "preview_url": attachment.get("preview_url")}


def _task(task: dict[str, Any]) -> dict[str, Any]:
    """A protocol task as the REST ``task_type``/``heading``/``summary`` triple."""
    kind = "thought" if task.get("type") == "thought" else "custom"
    return {"type": kind, "heading": task.get("title"), "summary": task.get("content")}


def rest_item(row: Any) -> dict[str, Any]:
    """A stored item as a ``chatkit.thread_item``."""
    body = row.body
    kind = body["type"]
    item: dict[str, Any] = {"id": row.id, "object": "chatkit.thread_item", "created_at": row.created_at,
                            "thread_id": row.chatkit_thread_id, "type": REST_TYPES[kind]}
    if kind == "user_message":
        content = [{"type": "input_text", "text": part.get("text", "")} for part in body.get("content") or []]
        if body.get("quoted_text"):
            content.insert(0, {"type": "quoted_text", "text": body["quoted_text"]})
        options = body.get("inference_options") or {}
        choice = options.get("tool_choice")
        item.update(content=content, attachments=[_attachment(a) for a in body.get("attachments") or []],
                    inference_options={"tool_choice": {"id": choice["id"]} if choice else None,
                                       "model": options.get("model")} if options else None)
    elif kind == "assistant_message":
        item["content"] = [{"type": "output_text", "text": part.get("text", ""),
                            "annotations": [a for a in map(_annotation, part.get("annotations") or []) if a]}
                           for part in body.get("content") or []]
    elif kind == "client_tool_call":
        item.update(status="completed" if body.get("status") == "completed" else "in_progress",
                    call_id=body["call_id"], name=body["name"], arguments=_json_text(body.get("arguments") or {}),
                    output=_json_text(body.get("output")))
    elif kind == "widget":
        item["widget"] = _json_text(body.get("widget"))
    elif kind == "task":
        task = _task(body.get("task") or {})
        item.update(task_type=task["type"], heading=task["heading"], summary=task["summary"])
    elif kind == "workflow":
        item["tasks"] = [_task(task) for task in (body.get("workflow") or {}).get("tasks") or []]
    return item
