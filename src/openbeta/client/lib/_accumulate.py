"""Snapshots from stream deltas, and which event-handler hooks each event triggers.

:class:`StreamState` is pure (no I/O): ``feed(event)`` updates the run, message
and run-step snapshots and returns the hook calls, in order, as
``(hook_name, args)``. The sync and async event handlers only dispatch them.
"""

from __future__ import annotations

import copy
from typing import Any, Optional

from pydantic import BaseModel, ValidationError

from ...types.message import Message
from ...types.run import Run
from ...types.run_step import RunStep
from ...types.stream_events import RUN_EVENTS, STEP_EVENTS

RUN_STOPPED = frozenset(RUN_EVENTS) - {"thread.run.created", "thread.run.queued", "thread.run.in_progress",
                                       "thread.run.cancelling"}
STEP_ENDED = frozenset(STEP_EVENTS) - {"thread.run.step.created", "thread.run.step.in_progress"}
MESSAGE_ENDED = frozenset({"thread.message.completed", "thread.message.incomplete"})

HookCall = tuple[str, tuple[Any, ...]]


def merge_delta(acc: dict[str, Any], delta: dict[str, Any]) -> dict[str, Any]:
    """Fold ``delta`` into ``acc``: strings concatenate, dicts merge, list items merge by ``index``."""
    for key, value in delta.items():
        if value is None:
            continue
        current = acc.get(key)
        if current is None or key in ("index", "type", "id"):
            acc[key] = copy.deepcopy(value)
        elif isinstance(current, str) and isinstance(value, str):
            acc[key] = current + value
        elif isinstance(current, dict) and isinstance(value, dict):
            merge_delta(current, value)
        elif isinstance(current, list) and isinstance(value, list):
            for item in value:
                index = item.get("index") if isinstance(item, dict) else None
                if isinstance(index, int) and index < len(current) and isinstance(current[index], dict):
                    merge_delta(current[index], item)
                else:
                    current.append(copy.deepcopy(item))
        else:
            acc[key] = copy.deepcopy(value)
    return acc


def _rebuild(model: type[BaseModel], data: dict[str, Any]) -> Any:
    try:
        return model.model_validate(data)
    except ValidationError:
        return model.model_construct(**data)


def _dump(obj: BaseModel) -> dict[str, Any]:
    return obj.model_dump(mode="json", by_alias=True, exclude_unset=True)


class StreamState:
    """What a stream has told so far: the run, message snapshots and run-step snapshots."""

    def __init__(self) -> None:
        self.current_run: Optional[Run] = None
        self.messages: dict[str, Message] = {}
        self.run_steps: dict[str, RunStep] = {}
        self.current_message_id: Optional[str] = None
        self.current_run_step_id: Optional[str] = None
        self.text_parts: list[str] = []
        self._content_index: Optional[int] = None
        self._content: Any = None
        self._tool_index: Optional[int] = None
        self._tool_call: Any = None

    @property
    def current_message(self) -> Optional[Message]:
        return self.messages.get(self.current_message_id) if self.current_message_id else None

    @property
    def current_run_step(self) -> Optional[RunStep]:
        return self.run_steps.get(self.current_run_step_id) if self.current_run_step_id else None

    def feed(self, event: Any) -> list[HookCall]:
        """Apply one event; return the hooks to call for it."""
        calls: list[HookCall] = [("on_event", (event,))]
        name = event.event
        if name in RUN_EVENTS:
            self.current_run = event.data
            if name in RUN_STOPPED:
                self._end_tool_call(calls)
        elif name == "thread.message.created":
            self._start_message(event.data)
            calls.append(("on_message_created", (event.data,)))
        elif name == "thread.message.in_progress":
            self.messages.setdefault(event.data.id, event.data)
            self.current_message_id = event.data.id
        elif name == "thread.message.delta":
            self._message_delta(event.data, calls)
        elif name in MESSAGE_ENDED:
            self.messages[event.data.id] = event.data
            self.current_message_id = event.data.id
            if self._content_index is not None and self._content_index < len(event.data.content):
                self._content_done(event.data.content[self._content_index], calls)
            self._content_index, self._content = None, None
            calls.append(("on_message_done", (event.data,)))
        elif name == "thread.run.step.created":
            self.run_steps[event.data.id] = event.data
            self.current_run_step_id = event.data.id
            self._tool_index, self._tool_call = None, None
            calls.append(("on_run_step_created", (event.data,)))
        elif name == "thread.run.step.in_progress":
            self.run_steps.setdefault(event.data.id, event.data)
            self.current_run_step_id = event.data.id
        elif name == "thread.run.step.delta":
            self._step_delta(event.data, calls)
        elif name in STEP_ENDED:
            self.run_steps[event.data.id] = event.data
            self._end_tool_call(calls)
            calls.append(("on_run_step_done", (event.data,)))
            self.current_run_step_id = None
        return calls

    # -------------------------------------------------------------- messages

    def _start_message(self, message: Message) -> None:
        self.messages[message.id] = message
        self.current_message_id = message.id
        self._content_index, self._content = None, None

    def _message_delta(self, delta: Any, calls: list[HookCall]) -> None:
        base = self.messages.get(delta.id)
        data = _dump(base) if base is not None else {"id": delta.id, "content": []}
        data.setdefault("content", [])
        known = len(data["content"])
        body = _dump(delta.delta)
        for block in body.get("content") or []:
            if block.get("type") == "text":
                block.setdefault("text", {})
                if block.get("index", 0) >= known:
                    block["text"].setdefault("value", "")
                    block["text"].setdefault("annotations", [])
        merge_delta(data, body)
        snapshot = _rebuild(Message, data)
        self.messages[delta.id] = snapshot
        self.current_message_id = delta.id
        for part in delta.delta.content or []:
            block = snapshot.content[part.index]
            if part.index != self._content_index:
                if self._content is not None:
                    self._content_done(self._content, calls)
                self._content_index = part.index
                if part.index >= known and block.type == "text":
                    calls.append(("on_text_created", (block.text,)))
            self._content = block
            if part.type == "text" and part.text is not None:
                if part.text.value:
                    self.text_parts.append(part.text.value)
                calls.append(("on_text_delta", (part.text, block.text)))
        calls.append(("on_message_delta", (delta.delta, snapshot)))

    @staticmethod
    def _content_done(block: Any, calls: list[HookCall]) -> None:
        if block.type == "text":
            calls.append(("on_text_done", (block.text,)))
        elif block.type == "image_file":
            calls.append(("on_image_file_done", (block.image_file,)))

    # -------------------------------------------------------------- run steps

    def _step_delta(self, delta: Any, calls: list[HookCall]) -> None:
        base = self.run_steps.get(delta.id)
        data = _dump(base) if base is not None else {"id": delta.id}
        details = data.get("step_details") or {}
        known = len(details.get("tool_calls") or [])
        merge_delta(data, _dump(delta.delta))
        snapshot = _rebuild(RunStep, data)
        self.run_steps[delta.id] = snapshot
        self.current_run_step_id = delta.id
        step_details = delta.delta.step_details
        if step_details is not None and step_details.type == "tool_calls":
            tool_calls = snapshot.step_details.tool_calls  # type: ignore[union-attr]
            for part in step_details.tool_calls or []:
                if part.index != self._tool_index:
                    self._end_tool_call(calls)
                    self._tool_index = part.index
                    self._tool_call = tool_calls[part.index]
                    calls.append(("on_tool_call_created", (self._tool_call,)))
                    if part.index < known:
                        calls.append(("on_tool_call_delta", (part, self._tool_call)))
                else:
                    self._tool_call = tool_calls[part.index]
                    calls.append(("on_tool_call_delta", (part, self._tool_call)))
        calls.append(("on_run_step_delta", (delta.delta, snapshot)))

    def _end_tool_call(self, calls: list[HookCall]) -> None:
        if self._tool_call is not None:
            step = self.current_run_step
            if step is not None and step.step_details.type == "tool_calls" and self._tool_index is not None:
                calls_now = step.step_details.tool_calls  # type: ignore[union-attr]
                if self._tool_index < len(calls_now):
                    self._tool_call = calls_now[self._tool_index]
            calls.append(("on_tool_call_done", (self._tool_call,)))
        self._tool_index, self._tool_call = None, None
