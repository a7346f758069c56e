"""The ChatKit server protocol (``POST /v1/chatkit``), built on the ``openai-chatkit`` package.

:class:`OpenBetaStore` keeps the protocol's threads, items and attachments in
openbeta's database (through :class:`~.threads.ChatKitThreads`), scoped to the
caller's end user. :class:`OpenBetaChatKitServer.respond` answers a user message by
starting a streamed run of the workflow's assistant on the backing assistants
thread; :class:`~.turns.TurnStream` maps the run's events to ChatKit events.
"""

from __future__ import annotations

import asyncio
import json
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, AsyncIterator, Callable, Optional, TypeVar

import anyio
from chatkit.errors import CustomStreamError
from chatkit.server import ChatKitServer
from chatkit.store import AttachmentStore, Store, StoreItemType
from chatkit.types import (
    Attachment,
    AttachmentCreateParams,
    AttachmentUploadDescriptor,
    AudioInput,
    FeedbackKind,
    FileAttachment,
    ImageAttachment,
    Page,
    ThreadItem,
    ThreadMetadata,
    ThreadStatus,
    ThreadStreamEvent,
    TranscriptionResult,
    UserMessageItem,
)
from pydantic import TypeAdapter

from ...types.message import MessageCreateParams
from ...types.run import RunCreateParams, SubmitToolOutputsParams
from ..errors import APIError, InvalidRequest, PayloadTooLarge
from ..ids import new_id
from ..paging import PageQuery
from ..runs.launch import Launch
from ..services.files import FileService
from ..services.messages import message_body
from ..services.runs import RunService
from .sessions import Caller
from .threads import ChatKitThreads, uploaded
from .turns import TurnStream, user_text
from .uploads import DECLARED_SIZE, token_hash

T = TypeVar("T")
ITEM: TypeAdapter[Any] = TypeAdapter(ThreadItem)
ATTACHMENT: TypeAdapter[Any] = TypeAdapter(Attachment)
STATUS: TypeAdapter[Any] = TypeAdapter(ThreadStatus)
#: Longest automatic thread title, in characters.
TITLE_CHARS = 60
#: Longest title a client may give a thread (``threads.update``), in characters.
MAX_TITLE_CHARS = 512


async def off(fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """A blocking store call, off the event loop."""
    return await asyncio.to_thread(fn, *args, **kwargs)


def _datetime(seconds: int) -> datetime:
    return datetime.fromtimestamp(seconds, timezone.utc)


def _seconds(value: datetime) -> int:
    return int(value.timestamp())


@dataclass
class Context:
    """One protocol request: who it is for, where this server is reached, and the run it streams."""

    caller: Caller
    base_url: str
    #: item id -> (backing message id, run id), for items a response is announcing.
    links: dict[str, tuple[Optional[str], Optional[str]]] = field(default_factory=dict)
    #: (backing thread id, run id) of the run being streamed.
    active_run: Optional[tuple[str, str]] = None

    @property
    def user(self) -> str:
        return self.caller.user

    @property
    def project(self) -> str:
        """The project everything this request reads and makes lives in (its session's or key's)."""
        return self.caller.project


def metadata(row: Any) -> ThreadMetadata:
    body = row.body
    return ThreadMetadata(id=row.id, title=body.get("title"), created_at=_datetime(row.created_at),
                          status=STATUS.validate_python(body.get("status") or {"type": "active"}),
                          allowed_image_domains=body.get("allowed_image_domains"),
                          metadata=body.get("metadata") or {})


def _page(limit: int, order: str, after: Optional[str]) -> PageQuery:
    return PageQuery(limit=max(1, min(int(limit or 20), 100)), order="asc" if order == "asc" else "desc",
                     after=after or None)


class OpenBetaStore(Store[Context]):
    """The protocol's ``Store`` over openbeta's tables; a caller sees only its own user's threads."""

    def __init__(self, threads: ChatKitThreads) -> None:
        self.threads = threads

    def generate_thread_id(self, context: Context) -> str:
        return new_id("cthr_")

    def generate_item_id(self, item_type: StoreItemType, thread: ThreadMetadata, context: Context) -> str:
        return new_id("cthi_")

    async def load_thread(self, thread_id: str, context: Context) -> ThreadMetadata:
        return metadata(await off(self.threads.thread, context.project, thread_id, context.user))

    async def save_thread(self, thread: ThreadMetadata, context: Context) -> None:
        fields = {"title": thread.title, "status": thread.status.model_dump(mode="json"),
                  "allowed_image_domains": thread.allowed_image_domains, "metadata": thread.metadata,
                  "assistant_id": context.caller.assistant_id}
        await off(self.threads.save_thread, context.project, thread.id, context.user, _seconds(thread.created_at),
                  fields)

    async def load_threads(self, limit: int, after: Optional[str], order: str,
                           context: Context) -> Page[ThreadMetadata]:
        history = context.caller.configuration["history"]
        if not history["enabled"]:
            return Page(data=[], has_more=False)
        page = await off(self.threads.page_threads, context.project, context.user, _page(limit, order, after),
                         history.get("recent_threads"))
        data = [metadata(row) for row in page.rows]
        return Page(data=data, has_more=page.has_more, after=data[-1].id if data else None)

    async def load_thread_items(self, thread_id: str, after: Optional[str], limit: int, order: str,
                                context: Context) -> Page[ThreadItem]:
        page = await off(self.threads.page_items, context.project, thread_id, context.user,
                         _page(limit, order, after))
        data = [ITEM.validate_python(row.body) for row in page.rows]
        return Page(data=data, has_more=page.has_more, after=data[-1].id if data else None)

    async def add_thread_item(self, thread_id: str, item: ThreadItem, context: Context) -> None:
        await self.save_item(thread_id, item, context)

    async def save_item(self, thread_id: str, item: ThreadItem, context: Context) -> None:
        message_id, run_id = context.links.get(item.id, (None, None))
        await off(self.threads.save_item, context.project, thread_id, context.user, item.model_dump(mode="json"),
                  message_id=message_id, run_id=run_id)

    async def load_item(self, thread_id: str, item_id: str, context: Context) -> ThreadItem:
        row = await off(self.threads.item, context.project, thread_id, item_id, context.user)
        return ITEM.validate_python(row.body)

    async def delete_thread(self, thread_id: str, context: Context) -> None:
        await off(self.threads.delete, context.project, thread_id, context.user)

    async def delete_thread_item(self, thread_id: str, item_id: str, context: Context) -> None:
        await off(self.threads.delete_item, context.project, thread_id, item_id, context.user)

    async def save_attachment(self, attachment: Attachment, context: Context) -> None:
        await off(self.threads.save_attachment, context.project, attachment.id, context.user,
                  attachment.model_dump(mode="json"))

    async def load_attachment(self, attachment_id: str, context: Context) -> Attachment:
        row = await off(self.threads.attachment, context.project, attachment_id, context.user)
        return ATTACHMENT.validate_python(row.body)

    async def delete_attachment(self, attachment_id: str, context: Context) -> None:
        await off(self.threads.delete_attachment, context.project, attachment_id, context.user)


class OpenBetaAttachments(AttachmentStore[Context]):
    """Two-phase uploads: ``attachments.create`` answers an upload URL on this server; the bytes
    sent there become an openbeta file (purpose ``assistants``)."""

    def __init__(self, threads: ChatKitThreads) -> None:
        self.threads = threads

    def generate_attachment_id(self, mime_type: str, context: Context) -> str:
        return new_id("cka_")

    async def create_attachment(self, input: AttachmentCreateParams, context: Context) -> Attachment:
        upload = context.caller.configuration["file_upload"]
        if not upload["enabled"]:
            raise InvalidRequest("File uploads are not enabled for this ChatKit session "
                                 "(chatkit_configuration.file_upload.enabled).", code="file_upload_disabled")
        if input.size < 0:
            raise InvalidRequest(f"Invalid 'size': {input.size}; a file's size is 0 bytes or more.", param="size",
                                 code="invalid_value")
        if input.size > upload["max_file_size"] * 1024 * 1024:
            raise PayloadTooLarge(f"The file is larger than this session's limit of {upload['max_file_size']} MB.",
                                  param="size", code="file_too_large")
        session_id = context.caller.session_id
        if session_id and await off(self.threads.count_attachments, session_id) >= upload["max_files"]:
            raise InvalidRequest(f"This ChatKit session may upload at most {upload['max_files']} files.",
                                 code="too_many_files")
        attachment_id = self.generate_attachment_id(input.mime_type, context)
        token = secrets.token_urlsafe(24)
        base = f"{context.base_url}/v1/chatkit/attachments/{attachment_id}"
        descriptor = AttachmentUploadDescriptor(url=f"{base}/upload?token={token}", method="POST")  # type: ignore[arg-type]
        attachment: Attachment
        if input.mime_type.startswith("image/"):
            attachment = ImageAttachment(id=attachment_id, name=input.name, mime_type=input.mime_type,
                                         upload_descriptor=descriptor,
                                         preview_url=f"{base}/content?token={token}")  # type: ignore[arg-type]
        else:
            attachment = FileAttachment(id=attachment_id, name=input.name, mime_type=input.mime_type,
                                        upload_descriptor=descriptor)

        def keep(row: Any) -> None:
            row.upload_token_hash = token_hash(token)
            row.session_id = session_id
            # the upload URL takes at most the size declared here (nor more than the session allows)
            row.body = {**row.body, DECLARED_SIZE: input.size}

        await off(self.threads.save_attachment, context.project, attachment_id, context.user,
                  attachment.model_dump(mode="json"), keep)
        return attachment

    async def delete_attachment(self, attachment_id: str, context: Context) -> None:
        await off(self.threads.attachment, context.project, attachment_id, context.user)  # 404 for another user's
        await off(self.threads.delete_attachment, context.project, attachment_id, context.user)


class OpenBetaChatKitServer(ChatKitServer[Context]):
    def __init__(self, runs: RunService, files: FileService, threads: ChatKitThreads) -> None:
        super().__init__(OpenBetaStore(threads), OpenBetaAttachments(threads))
        self.runs = runs
        self.files = files
        self.threads = threads

    # ------------------------------------------------------------ responding

    async def respond(self, thread: ThreadMetadata, input_user_message: Optional[UserMessageItem],
                      context: Context) -> AsyncIterator[ThreadStreamEvent]:
        backing = (await off(self.threads.thread, context.project, thread.id, context.user)).thread_id
        try:
            if input_user_message is not None:
                launch = await off(self._start, backing, thread.id, input_user_message, context)
            else:
                launch = await off(self._resume, backing, thread.id, context)
        except APIError as exc:
            raise CustomStreamError(exc.message, allow_retry=False) from None
        context.active_run = (backing, launch.run["id"])
        turn = TurnStream(thread.id, launch.run["id"], self.store, context, self.files)
        finished = False
        try:
            async for event in self.runs.launch_events(launch):
                if event is None:
                    continue
                async for out in turn.map(*event):
                    yield out
            finished = True
        finally:
            if not finished:
                self._cancel_run(context)
        context.active_run = None
        configuration = context.caller.configuration
        if (input_user_message is not None and thread.title is None
                and configuration["automatic_thread_titling"]["enabled"]):
            title = " ".join(user_text(input_user_message).split())
            if title:
                thread.title = title if len(title) <= TITLE_CHARS else title[:TITLE_CHARS - 1].rstrip() + "…"

    def _start(self, backing: str, thread_id: str, item: UserMessageItem, context: Context) -> Launch:
        """Start a streamed run; in its unit of work, the user's message is written into the backing
        thread (once: a retried message is there already)."""
        attachments = []
        for attachment in item.attachments:
            stored = self.threads.attachment(context.project, attachment.id, context.user)
            file_id = uploaded(stored)
            if file_id is None:
                raise InvalidRequest(f"Attachment {attachment.id} was never uploaded.", code="attachment_missing")
            if attachment.type == "file":  # images are kept and previewed, not searched
                attachments.append({"file_id": file_id, "tools": [{"type": "file_search"}]})
        message = message_body(backing, MessageCreateParams.model_validate({
            "role": "user", "content": user_text(item) or " ", "attachments": attachments or None,
            "metadata": {"chatkit_item_id": item.id}}))
        caller = context.caller
        params: dict[str, Any] = {"assistant_id": caller.assistant_id, "stream": True,
                                  "parallel_tool_calls": False, "metadata": self._run_metadata(thread_id, context)}
        context_block = _state_block(caller.workflow.get("state_variables"))
        if context_block:
            params["additional_instructions"] = context_block
        options = item.inference_options
        if options.model:
            params["model"] = options.model
        if options.tool_choice is not None:
            params["tool_choice"] = {"type": "function", "function": {"name": options.tool_choice.id}}
        return self.runs.create(context.project, backing, RunCreateParams.model_validate(params),
                                         prepare=lambda session: self.threads.write_message(
                                             session, context.project, item.id, message))

    def _resume(self, backing: str, thread_id: str, context: Context) -> Launch:
        """After ``threads.add_client_tool_output``: submit the client's result to the waiting run."""
        rows = self.threads.page_items(context.project, thread_id, context.user, PageQuery(limit=20, order="desc")).rows
        call = next((row for row in rows if row.type == "client_tool_call" and row.run_id), None)
        if call is None or call.body.get("status") != "completed":
            raise InvalidRequest("No client tool call of this thread awaits its output.")
        run = self.runs.get(context.project, backing, call.run_id)
        if run["status"] != "requires_action":
            raise InvalidRequest(f"The run that called {call.body['name']} is {run['status']}; it no longer "
                                 "awaits the tool's output.")
        output = call.body.get("output")
        text = output if isinstance(output, str) else json.dumps(output)
        outputs = [{"tool_call_id": pending["id"],
                    "output": text if pending["id"] == call.body["call_id"] else
                    json.dumps({"error": "This call was not run by the client."})}
                   for pending in run["required_action"]["submit_tool_outputs"]["tool_calls"]]
        return self.runs.submit_tool_outputs(
            context.project, backing, call.run_id, SubmitToolOutputsParams.model_validate({"tool_outputs": outputs, "stream": True}))

    @staticmethod
    def _run_metadata(thread_id: str, context: Context) -> dict[str, str]:
        caller = context.caller
        out = {"chatkit_thread_id": thread_id, "chatkit_user": caller.user[:512]}
        if caller.session_id:
            out["chatkit_session_id"] = caller.session_id
        version = caller.workflow.get("version")
        if version:
            out["workflow_version"] = str(version)[:512]
        return out

    def _cancel_run(self, context: Context) -> None:
        """Cancel the run a stream was following (the client went away); a run already at rest stays."""
        if context.active_run is None:
            return
        backing, run_id = context.active_run
        context.active_run = None
        try:
            self.runs.cancel(context.project, backing, run_id)
        except APIError:
            pass

    async def handle_stream_cancelled(self, thread: ThreadMetadata, pending_items: list[ThreadItem],
                                      context: Context) -> None:
        with anyio.CancelScope(shield=True):
            self._cancel_run(context)
            await super().handle_stream_cancelled(thread, pending_items, context)

    # ------------------------------------------------------------ the other requests

    async def add_feedback(self, thread_id: str, item_ids: list[str], feedback: FeedbackKind,
                           context: Context) -> None:
        for item_id in item_ids:
            row = await off(self.threads.item, context.project, thread_id, item_id, context.user)
            await off(self.threads.save_item, context.project, thread_id, context.user,
                      {**row.body, "feedback": feedback})

    async def transcribe(self, audio_input: AudioInput, context: Context) -> TranscriptionResult:
        raise APIError("input.transcribe is not supported by this server: no speech-to-text engine is "
                       "configured for ChatKit dictation.", status_code=400, type="invalid_request_error",
                       code="transcription_unavailable")

    def action(self, thread: ThreadMetadata, action: Any, sender: Any,
               context: Context) -> AsyncIterator[ThreadStreamEvent]:
        raise CustomStreamError("Widget actions are not supported by this server.", allow_retry=False)

    async def sync_action(self, thread: ThreadMetadata, action: Any, sender: Any, context: Context) -> Any:
        raise APIError("Widget actions are not supported by this server.", status_code=400,
                       type="invalid_request_error", code="unsupported_request")


def _state_block(variables: Optional[dict[str, Any]]) -> Optional[str]:
    """The session's ``state_variables`` as a context block for the run's instructions."""
    if not variables:
        return None
    lines = [f"- {key}: {value}" for key, value in variables.items()]
    return "Context:\n" + "\n".join(lines)


__all__ = ["Context", "OpenBetaAttachments", "OpenBetaChatKitServer", "OpenBetaStore"]
