"""One ChatKit turn: the events of a run on the backing thread, as ChatKit stream events.

- ``thread.message.created`` -> ``thread.item.added`` (an assistant message) and its
  ``content_part.added``; each ``thread.message.delta`` -> ``content_part.text_delta``;
  ``thread.message.completed`` -> ``content_part.done`` and ``thread.item.done``.
- A ``file_citation`` (its marker ``【m:n†name】`` arrives in one delta) -> the marker is
  cut from the text and ``content_part.annotation_added`` places a file source there.
- A ``file_search`` step -> a workflow item with one file task (``thread.item.added`` when the
  call appears; the files found and ``thread.item.done`` when the step ends).
- ``thread.run.requires_action`` -> a pending client tool call item (the stream ends;
  ``threads.add_client_tool_output`` resumes the run).
- A failed or expired run, or an ``error`` -> an ``error`` event with its message.
"""

from __future__ import annotations

import asyncio
import json
from datetime import datetime, timezone
from typing import Any, AsyncIterator, Optional

from chatkit.errors import CustomStreamError
from chatkit.types import (
    Annotation,
    AssistantMessageContent,
    AssistantMessageContentPartAdded,
    AssistantMessageContentPartAnnotationAdded,
    AssistantMessageContentPartDone,
    AssistantMessageContentPartTextDelta,
    AssistantMessageItem,
    ClientToolCallItem,
    CustomSummary,
    FileSource,
    FileTask,
    ThreadItemAddedEvent,
    ThreadItemDoneEvent,
    ThreadItemUpdatedEvent,
    ThreadStreamEvent,
    UserMessageItem,
    Workflow,
    WorkflowItem,
    WorkflowTaskUpdated,
)

from ..errors import NotFound
from ..services.files import FileService


STEP_ENDS = frozenset(f"thread.run.step.{end}" for end in ("completed", "failed", "cancelled", "expired"))


def user_text(item: UserMessageItem) -> str:
    """A user message's text, its quote first (as a Markdown quote)."""
    text = "".join(part.text for part in item.content)
    if item.quoted_text:
        quote = "\n".join("> " + line for line in item.quoted_text.splitlines())
        text = f"{quote}\n\n{text}" if text else quote
    return text


def _now() -> datetime:
    return datetime.now(timezone.utc)


class TurnStream:
    """Maps one run's events (``map(event, data)``) for ChatKit thread ``thread_id``.

    ``context.links`` learns which backing message and run each announced item stands for,
    so the store keeps those links when the item is saved.
    """

    def __init__(self, thread_id: str, run_id: str, store: Any, context: Any, files: FileService) -> None:
        self.thread_id = thread_id
        self.run_id = run_id
        self.store = store
        self.context = context
        self.files = files
        self.item: Optional[AssistantMessageItem] = None
        self.message_id: Optional[str] = None
        self.raw = 0  # characters of the backing message's text seen so far
        self.text = ""
        self.annotations: list[Annotation] = []
        self._filenames: dict[str, str] = {}
        self.searches: dict[str, WorkflowItem] = {}  # file_search step id -> its workflow item

    def _new_id(self) -> str:
        return self.store.generate_item_id("message", None, self.context)

    async def map(self, event: str, data: Any) -> AsyncIterator[ThreadStreamEvent]:
        if event == "thread.message.created" and data.get("role") == "assistant":
            for out in self._open(data["id"]):
                yield out
        elif event == "thread.message.delta" and self.item is not None and data.get("id") == self.message_id:
            for part in data["delta"].get("content") or []:
                if part.get("type") == "text":
                    async for out in self._delta(part["text"]):
                        yield out
        elif event in ("thread.message.completed", "thread.message.incomplete") and data.get("id") == self.message_id:
            for out in self._close():
                yield out
        elif event == "thread.run.step.delta" and data["id"] not in self.searches and _searches(data["delta"]):
            yield self._search_started(data["id"])
        elif event in STEP_ENDS and _searches(data):
            if data["id"] not in self.searches:
                yield self._search_started(data["id"])
            for out in self._search_done(data):
                yield out
        elif event == "thread.run.requires_action":
            yield self._tool_call(data)
        elif event in ("thread.run.failed", "thread.run.expired"):
            error = data.get("last_error") or {}
            raise CustomStreamError(error.get("message") or f"The run {event.rsplit('.', 1)[-1]}.", allow_retry=True)
        elif event == "error":
            raise CustomStreamError(data.get("message") or "The run stream failed.", allow_retry=True)

    def _open(self, message_id: str) -> list[ThreadStreamEvent]:
        self.message_id = message_id
        self.raw, self.text, self.annotations = 0, "", []
        self.item = AssistantMessageItem(id=self._new_id(), thread_id=self.thread_id, created_at=_now(), content=[])
        self.context.links[self.item.id] = (message_id, self.run_id)
        return [ThreadItemAddedEvent(item=self.item),
                ThreadItemUpdatedEvent(item_id=self.item.id, update=AssistantMessageContentPartAdded(
                    content_index=0, content=AssistantMessageContent(text="", annotations=[])))]

    async def _delta(self, text: dict[str, Any]) -> AsyncIterator[ThreadStreamEvent]:
        assert self.item is not None
        piece: str = text.get("value") or ""
        start = self.raw
        self.raw += len(piece)
        notes = sorted((n for n in text.get("annotations") or [] if n.get("type") == "file_citation"),
                       key=lambda n: n["start_index"])
        cut = 0
        for note in notes:
            before = piece[cut:max(cut, note["start_index"] - start)]
            if before:
                yield self._text(before)
            cut = max(cut, note["end_index"] - start)
            annotation = Annotation(source=FileSource(
                filename=await self._filename(note["file_citation"]["file_id"]),
                title=await self._filename(note["file_citation"]["file_id"])), index=len(self.text))
            self.annotations.append(annotation)
            yield ThreadItemUpdatedEvent(item_id=self.item.id, update=AssistantMessageContentPartAnnotationAdded(
                content_index=0, annotation_index=len(self.annotations) - 1, annotation=annotation))
        rest = piece[cut:]
        if rest:
            yield self._text(rest)

    def _text(self, delta: str) -> ThreadStreamEvent:
        assert self.item is not None
        self.text += delta
        return ThreadItemUpdatedEvent(item_id=self.item.id, update=AssistantMessageContentPartTextDelta(
            content_index=0, delta=delta))

    async def _filename(self, file_id: str) -> str:
        if file_id not in self._filenames:
            try:
                body = await asyncio.to_thread(self.files.get, self.context.project, file_id)
                self._filenames[file_id] = body.get("filename") or file_id
            except NotFound:
                self._filenames[file_id] = file_id
        return self._filenames[file_id]

    def _close(self) -> list[ThreadStreamEvent]:
        assert self.item is not None
        content = AssistantMessageContent(text=self.text, annotations=list(self.annotations))
        done = self.item.model_copy(update={"content": [content]})
        self.item, self.message_id = None, None
        return [ThreadItemUpdatedEvent(item_id=done.id, update=AssistantMessageContentPartDone(
                    content_index=0, content=content)),
                ThreadItemDoneEvent(item=done)]

    def _search_started(self, step_id: str) -> ThreadStreamEvent:
        item = WorkflowItem(id=self._new_id(), thread_id=self.thread_id, created_at=_now(), workflow=Workflow(
            type="custom", tasks=[FileTask(title="Searching files", status_indicator="loading")]))
        self.searches[step_id] = item
        self.context.links[item.id] = (None, self.run_id)
        return ThreadItemAddedEvent(item=item)

    def _search_done(self, step: dict[str, Any]) -> list[ThreadStreamEvent]:
        item = self.searches.pop(step["id"])
        names = list(dict.fromkeys(result.get("file_name") or result["file_id"] for call in _searches(step)
                                   for result in (call["file_search"].get("results") or [])))
        title = "Searched files" if step.get("status") == "completed" else "File search stopped"
        task = FileTask(title=title, status_indicator="complete",
                        sources=[FileSource(filename=name, title=name) for name in names])
        done = item.model_copy(update={"workflow": Workflow(type="custom", tasks=[task],
                                                            summary=CustomSummary(title=title))})
        return [ThreadItemUpdatedEvent(item_id=item.id, update=WorkflowTaskUpdated(task_index=0, task=task)),
                ThreadItemDoneEvent(item=done)]

    def _tool_call(self, run: dict[str, Any]) -> ThreadStreamEvent:
        calls = ((run.get("required_action") or {}).get("submit_tool_outputs") or {}).get("tool_calls") or []
        if not calls:
            raise CustomStreamError("The run asked for tool outputs without naming a call.", allow_retry=False)
        call = calls[0]
        try:
            arguments = json.loads(call["function"].get("arguments") or "{}")
        except ValueError:
            arguments = {"arguments": call["function"].get("arguments")}
        if not isinstance(arguments, dict):
            arguments = {"value": arguments}
        item = ClientToolCallItem(id=self._new_id(), thread_id=self.thread_id, created_at=_now(),
                                  call_id=call["id"], name=call["function"]["name"], arguments=arguments,
                                  status="pending")
        self.context.links[item.id] = (None, self.run_id)
        return ThreadItemDoneEvent(item=item)


def _searches(step: dict[str, Any]) -> list[dict[str, Any]]:
    """The ``file_search`` calls of a run step."""
    details = step.get("step_details") or {}
    if details.get("type") != "tool_calls":
        return []
    return [call for call in details.get("tool_calls") or [] if call.get("type") == "file_search"]
