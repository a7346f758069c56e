"""``POST /v1/chatkit``: one protocol request in, JSON or a ``text/event-stream`` out.

Requests are checked before anything is streamed, so a bad body, an unknown request
type or another user's thread gets an OpenAI-shaped error with its status, never a
broken stream. A stream runs in its own task: when the client goes away the task is
cancelled, which runs the protocol library's cancellation path (the pending answer is
kept, the backing run is cancelled).
"""

from __future__ import annotations

import asyncio
from typing import Any, AsyncIterator, Union, get_args

import anyio
from chatkit.server import NonStreamingResult
from chatkit.store import NotFoundError
from chatkit.types import ChatKitReq
from pydantic import TypeAdapter, ValidationError

from ..errors import APIError, InvalidRequest, NotFound
from ..validation import nul_in_ids, parse_json_body, refuse_nul
from ...types.message import MAX_MESSAGE_CHARS
from .protocol import MAX_TITLE_CHARS, Context, OpenBetaChatKitServer

REQUEST: TypeAdapter[Any] = TypeAdapter(ChatKitReq)
#: Every request type the protocol library knows.
REQUEST_TYPES = sorted(member.model_fields["type"].default for member in get_args(get_args(ChatKitReq)[0]))
_END = object()


def parse(raw: bytes) -> Any:
    """The request, or a 400 naming what is wrong (an unknown ``type`` says which types exist).

    The body passes the checks every JSON route makes first (:func:`~..validation.parse_json_body`:
    nesting depth, numbers, surrogates), so the protocol's own parser only sees bodies it can take.
    """
    data = parse_json_body(raw, ids=False)  # ids are checked below, named as the protocol's params
    try:
        request = REQUEST.validate_python(data)
    except ValidationError as exc:
        kind = data.get("type")
        if kind not in REQUEST_TYPES:
            raise InvalidRequest(f"Unknown ChatKit request type {kind!r}; this server handles: "
                                 f"{', '.join(REQUEST_TYPES)}.", param="type", code="unknown_request_type") from None
        first = exc.errors()[0]
        param = ".".join(str(part) for part in first["loc"][1:]) or None
        raise InvalidRequest(f"Invalid {kind} request: {first['msg']}" + (f" ('{param}')." if param else "."),
                             param=param, code="invalid_value") from None
    bad = nul_in_ids(request.params.model_dump(mode="json")) if getattr(request, "params", None) else None
    if bad:
        refuse_nul("\x00", bad)
    _within_limits(request)
    return request


def _within_limits(request: Any) -> None:
    """What the store would keep is bounded before anything is stored: a user message the backing thread
    could not take (over ``MAX_MESSAGE_CHARS``) is refused whole, not kept as an item; a title is at most
    ``MAX_TITLE_CHARS`` characters."""
    params = getattr(request, "params", None)
    given = getattr(params, "input", None)
    if request.type in ("threads.create", "threads.add_user_message") and given is not None:
        size = sum(len(getattr(part, "text", "") or "") for part in given.content) + len(given.quoted_text or "")
        if size > MAX_MESSAGE_CHARS:
            raise InvalidRequest(f"Invalid 'input.content': the message holds {size} characters, more than the "
                                 f"{MAX_MESSAGE_CHARS} a message may.", param="input.content",
                                 code="string_above_max_length")
    if request.type == "threads.update" and len(params.title) > MAX_TITLE_CHARS:
        raise InvalidRequest(f"Invalid 'title': {len(params.title)} characters, more than the {MAX_TITLE_CHARS} "
                             f"a title may.", param="title", code="string_above_max_length")


def _as_api_error(exc: BaseException) -> BaseException:
    if isinstance(exc, APIError):
        return exc
    if isinstance(exc, NotFoundError):
        return NotFound(str(exc) or "Not found.")
    if isinstance(exc, (ValueError, NotImplementedError)):
        return InvalidRequest(str(exc) or "The request cannot be handled.")
    return exc


async def process(server: OpenBetaChatKitServer, raw: bytes,
                  context: Context) -> Union[bytes, AsyncIterator[bytes]]:
    """JSON bytes for a plain request; for a streamed one, its SSE frames (the first already made)."""
    request = parse(raw)
    try:
        if request.type == "threads.retry_after_item":  # the library streams nothing for an unknown item
            await server.store.load_item(request.params.thread_id, request.params.item_id, context)
        if request.type in ("threads.create", "threads.add_user_message"):
            # checked before the stream starts: an unknown attachment (or another project's) is a 404,
            # not a stream broken after its first event
            for attachment_id in request.params.input.attachments:
                await server.store.load_attachment(attachment_id, context)
        result = await server.process(raw, context)
    except Exception as exc:
        raise _as_api_error(exc) from None
    if isinstance(result, NonStreamingResult):
        return result.json
    queue: asyncio.Queue[Any] = asyncio.Queue(maxsize=64)

    async def pump() -> None:
        try:
            async for chunk in result:
                await queue.put(chunk)
        except Exception as exc:
            await queue.put(exc)
        finally:
            await queue.put(_END)

    task = asyncio.create_task(pump(), name="chatkit-stream")
    first = await queue.get()
    if first is _END:
        await asyncio.gather(task, return_exceptions=True)
        return _empty()
    if isinstance(first, BaseException):
        await asyncio.gather(task, return_exceptions=True)
        raise _as_api_error(first) from None
    return _frames(first, queue, task)


async def _empty() -> AsyncIterator[bytes]:
    return
    yield  # pragma: no cover


async def _frames(first: bytes, queue: "asyncio.Queue[Any]", task: "asyncio.Task[None]") -> AsyncIterator[bytes]:
    try:
        item: Any = first
        while item is not _END:
            if isinstance(item, BaseException):
                raise item
            yield item
            item = await queue.get()
    finally:
        if not task.done():
            task.cancel()
            with anyio.CancelScope(shield=True):
                await asyncio.gather(task, return_exceptions=True)
