"""ChatKit (beta): sessions and threads, as the client reads them. Lenient wire objects."""

from __future__ import annotations

from typing import Any, Literal, Optional

from ._base import WireModel


class ChatKitWorkflow(WireModel):
    id: str
    version: Optional[str] = None
    state_variables: Optional[dict[str, Any]] = None
    tracing: Optional[dict[str, Any]] = None


class ChatSession(WireModel):
    """``chatkit.session``: what ``chatkit.sessions.create`` / ``cancel`` return."""

    id: str
    object: Literal["chatkit.session"] = "chatkit.session"
    expires_at: int
    client_secret: str
    workflow: ChatKitWorkflow
    user: str
    rate_limits: Optional[dict[str, Any]] = None
    max_requests_per_1_minute: Optional[int] = None
    status: Literal["active", "expired", "cancelled"]
    chatkit_configuration: Optional[dict[str, Any]] = None


class ChatKitThread(WireModel):
    """``chatkit.thread``; ``status`` is ``{"type": "active" | "locked" | "closed", ...}``."""

    id: str
    object: Literal["chatkit.thread"] = "chatkit.thread"
    created_at: int
    title: Optional[str] = None
    status: dict[str, Any]
    user: str


class ChatKitThreadDeleted(WireModel):
    id: str
    object: Literal["chatkit.thread.deleted"] = "chatkit.thread.deleted"
    deleted: bool


class ChatKitThreadItem(WireModel):
    """One item of a ChatKit thread (user/assistant message, widget, tool call, task...)."""

    id: str
    object: Literal["chatkit.thread_item"] = "chatkit.thread_item"
    type: str
    thread_id: str
    created_at: int


__all__ = ["ChatKitThread", "ChatKitThreadDeleted", "ChatKitThreadItem", "ChatKitWorkflow", "ChatSession"]
