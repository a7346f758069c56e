"""A response run as the Responses API shows it.

A response is a run of kind ``response``. Its body holds the engine's fields (``model``,
``instructions``, ``status``, ``usage``, ``last_error`` ...) and ``_response``: what the request asked
for in its Responses shape (``tools``, ``tool_choice``, ``text``, ``include``, ``background``,
``store`` ...), echoed back here. Every field of the response is rendered, ``null`` when it has no value.
"""

from __future__ import annotations

from typing import Any, Optional

from ...types.responses import Response

#: Run status -> response status. A run being cancelled ends only ``cancelled``.
STATUSES = {"queued": "queued", "in_progress": "in_progress", "requires_action": "in_progress",
            "cancelling": "cancelled", "cancelled": "cancelled", "completed": "completed",
            "incomplete": "incomplete", "failed": "failed", "expired": "failed"}


def usage(run: dict[str, Any]) -> Optional[dict[str, Any]]:
    used = run.get("usage")
    if not used:
        return None
    return {"input_tokens": used["prompt_tokens"], "input_tokens_details": {"cached_tokens": 0, "cache_write_tokens": 0},
            "output_tokens": used["completion_tokens"], "output_tokens_details": {"reasoning_tokens": 0},
            "total_tokens": used["total_tokens"]}


def render_response(run: dict[str, Any], output: list[dict[str, Any]], *,
                    status: Optional[str] = None) -> dict[str, Any]:
    """The response of ``run`` with ``output`` (wire items), its status ``status`` when given."""
    asked = run.get("_response") or {}
    shown = status or STATUSES[run["status"]]
    error = run.get("last_error") if shown == "failed" else None
    conversation = asked.get("conversation")
    return Response(
        id=run["id"], created_at=run["created_at"], status=shown,
        completed_at=run.get("completed_at") if shown == "completed" else None,
        error={"code": error.get("code") or "server_error", "message": error.get("message") or ""} if error else None,
        # the engine stops a response at max_output_tokens only; its other limits do not apply to responses
        incomplete_details={"reason": "max_output_tokens"} if shown == "incomplete" else None,
        instructions=run.get("instructions") or None, model=run["model"], output=output, usage=usage(run),
        metadata=run.get("metadata") or {},
        temperature=1.0 if run.get("temperature") is None else run["temperature"],
        top_p=1.0 if run.get("top_p") is None else run["top_p"],
        parallel_tool_calls=run.get("parallel_tool_calls", True),
        tool_choice=asked.get("tool_choice") or "auto", tools=asked.get("tools") or [],
        text=asked.get("text") or {"format": {"type": "text"}},
        reasoning=asked.get("reasoning") or {"effort": None, "summary": None},
        truncation=asked.get("truncation") or "disabled", max_output_tokens=asked.get("max_output_tokens"),
        max_tool_calls=asked.get("max_tool_calls"), previous_response_id=asked.get("previous_response_id"),
        conversation={"id": conversation} if conversation else None, store=asked.get("store", True),
        background=asked.get("background", False), user=asked.get("user"),
        safety_identifier=asked.get("safety_identifier"), prompt_cache_key=asked.get("prompt_cache_key"),
        prompt_cache_retention=asked.get("prompt_cache_retention"),
    ).to_dict()
