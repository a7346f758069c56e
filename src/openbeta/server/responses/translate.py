"""A response's run events as Responses stream events, numbered.

The engine drives a response as it drives any run and publishes the same events
(``thread.run.*``, ``thread.message.*``, ``thread.run.step.*``). A :class:`ResponseTranslator`, one
per response, turns each into the Responses events it means, in order, each with its
``sequence_number``; it gives each item its ``output_index`` (in the order items are announced) and
keeps the output so far, which the lifecycle events carry::

    thread.run.created / queued / in_progress   -> response.created / queued (background) / in_progress
    thread.message.created                      -> output_item.added (message), content_part.added
    thread.message.delta                        -> output_text.delta; a cited marker is cut out and becomes
                                                   output_text.annotation.added at its place
    thread.message.completed | incomplete       -> output_text.done, content_part.done, output_item.done
    a function call's first delta (with name)   -> output_item.added (function_call)
    its argument deltas                         -> function_call_arguments.delta
    the tool step completed                     -> function_call_arguments.done, output_item.done
    a file_search call's first delta            -> output_item.added, file_search_call.in_progress
    openbeta.call.started (the search begins)   -> file_search_call.searching
    its result delta                            -> file_search_call.completed, output_item.done
    an mcp_list_tools call's first delta        -> output_item.added, mcp_list_tools.in_progress
    its result delta                            -> mcp_list_tools.completed | failed, output_item.done
    an mcp_call's first delta                   -> output_item.added, mcp_call.in_progress
    its argument deltas                         -> mcp_call_arguments.delta
    openbeta.call.started (the call begins)     -> mcp_call_arguments.done
    its result delta                            -> mcp_call.completed | failed, output_item.done
    an mcp_approval_request's result delta      -> output_item.added, output_item.done
    thread.run.completed | incomplete | failed  -> response.completed | incomplete | failed
    thread.run.cancelled                        -> openbeta.end (not sent: the stream just ends)
    error                                       -> error

Items still open when the run ends are done first, ``incomplete``. Items and events are built with the
wire types the SDK parses them into (:mod:`openbeta.types.responses`, and
:func:`~openbeta.types.response_events.build_event`: an event naming a field its type does not declare is an
error here, not on the wire). Events whose ``type`` starts with
:data:`INTERNAL_PREFIX` are for the server's own use (no sequence number) and never sent. The
translator is pure: it reads nothing and writes nothing.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Iterable, Optional

from ...types.response_events import build_event
from ...types.responses import FileSearchCall, FunctionCall, Message, OutputText
from ..runs.items import (CALL_ITEMS, MCP_ITEMS, call_item, call_item_id, code_interpreter_item,
                          file_search_results, mcp_item, message_content, strip_markers)
from ..tools.code_interpreter import CONTAINER_KEY
from .render import render_response

INTERNAL_PREFIX = "openbeta."
#: Published by the engine when a server tool's call begins (``RunEngine``'s ``CALL_STARTED``).
CALL_STARTED = INTERNAL_PREFIX + "call.started"
#: The translator's last word on a response that ended without a Responses event (cancelled).
END = INTERNAL_PREFIX + "end"
RESULTS = "file_search_call.results"
ENDINGS = {"thread.run.completed": "response.completed", "thread.run.incomplete": "response.incomplete",
           "thread.run.failed": "response.failed", "thread.run.expired": "response.failed"}
CLOSING_STEPS = ("thread.run.step.failed", "thread.run.step.cancelled", "thread.run.step.expired")


def _empty_text() -> dict[str, Any]:
    return OutputText(text="").to_dict()


def _queries(arguments: str) -> list[str]:
    try:
        data = json.loads(arguments or "{}")
    except ValueError:
        return []
    found = data.get("queries", data.get("query")) if isinstance(data, dict) else None
    items = found if isinstance(found, list) else [found]
    return [str(q) for q in items if isinstance(q, (str, int, float)) and str(q).strip()]


@dataclass
class _Message:
    id: str
    index: int
    raw: int = 0  # characters of the stored text (markers included) streamed so far
    clean: int = 0  # ... and of the text as Responses shows it
    annotations: int = 0


@dataclass
class _Call:
    id: str
    kind: str
    item_id: str
    name: str = ""
    arguments: str = ""
    index: Optional[int] = None  # output_index, once announced
    queries: Optional[list[str]] = None
    searching: bool = False  # a file_search call's search (an mcp_call's call) has begun
    done: bool = False
    body: Optional[dict[str, Any]] = None  # an MCP call's server_label, name, approval_request_id


class ResponseTranslator:
    """One response's events. ``output`` and ``next_seq`` continue a stream already under way (a
    response taken over from another replica): the items it announced, the next sequence number."""

    def __init__(self, *, background: bool = False, include: Iterable[str] = (), next_seq: int = 0,
                 output: Optional[list[dict[str, Any]]] = None, container: Optional[str] = None) -> None:
        self.background = background
        #: Where the response's code_interpreter runs (its calls' ``container_id``).
        self.container = container
        self.include = frozenset(include)
        self.seq = next_seq
        self.output: list[dict[str, Any]] = list(output or [])
        self._message: Optional[_Message] = None
        self._calls: dict[str, _Call] = {}
        self._steps: dict[tuple[str, int], str] = {}  # (tool step id, index in it) -> call id
        self._in_progress = False
        self._out: list[dict[str, Any]] = []

    # ------------------------------------------------------------ the one entry point

    def feed(self, event: str, data: Any) -> list[dict[str, Any]]:
        """The Responses events ``event`` (a run event with its ``data``) means, numbered."""
        self._out = []
        handler = self._HANDLERS.get(event)
        if handler is not None:
            handler(self, data)
        elif event in ENDINGS:
            self._close_all()
            self._lifecycle(ENDINGS[event], data)
        elif event in CLOSING_STEPS:
            self._close_step(data, "incomplete")
        return self._out

    def _emit(self, kind: str, **body: Any) -> None:
        self._out.append(build_event(kind, sequence_number=self.seq, **body))
        self.seq += 1

    def _lifecycle(self, kind: str, run: dict[str, Any], status: Optional[str] = None) -> None:
        self._emit(kind, response=render_response(run, self._items(), status=status))

    def _items(self) -> list[dict[str, Any]]:
        return [dict(item) for item in self.output]

    # ------------------------------------------------------------ the run

    def _created(self, run: dict[str, Any]) -> None:
        self._lifecycle("response.created", run, "queued" if self.background else "in_progress")

    def _queued(self, run: dict[str, Any]) -> None:
        if self.background:
            self._lifecycle("response.queued", run, "queued")

    def _started(self, run: dict[str, Any]) -> None:
        if not self._in_progress:
            self._in_progress = True
            self._lifecycle("response.in_progress", run, "in_progress")

    def _cancelled(self, run: dict[str, Any]) -> None:
        self._close_all()
        self._out.append({"type": END, "response": render_response(run, self._items())})

    def _error(self, error: dict[str, Any]) -> None:
        self._emit("error", code=error.get("code"), message=error.get("message") or "", param=error.get("param"))

    def _close_all(self) -> None:
        """Done events for every item still open (``incomplete``): the run ended without them."""
        if self._message is not None:
            message = self._message
            item = self.output[message.index]
            part = item["content"][0] if item["content"] else _empty_text()
            self._message_done(message, {**item, "status": "incomplete"}, part)
        for call in self._calls.values():
            if call.index is not None and not call.done:
                self._call_done(call, None, "incomplete")

    # ------------------------------------------------------------ messages

    def _message_created(self, message: dict[str, Any]) -> None:
        if self._message is not None and self._message.id == message["id"]:
            return
        index = len(self.output)
        item = Message(id=message["id"], role="assistant", status="in_progress").to_dict()
        self.output.append(item)
        self._emit("response.output_item.added", output_index=index, item=dict(item, content=[]))
        item["content"] = [_empty_text()]
        self._emit("response.content_part.added", item_id=item["id"], output_index=index, content_index=0,
                   part=_empty_text())
        self._message = _Message(message["id"], index)

    def _message_delta(self, delta: dict[str, Any]) -> None:
        message = self._message
        if message is None or delta.get("id") != message.id:
            return
        part = self.output[message.index]["content"][0]
        for block in (delta.get("delta") or {}).get("content") or []:
            if block.get("type") != "text" or not block.get("text"):
                continue  # images a run's code showed: no Responses part
            piece = block["text"].get("value") or ""
            text, notes = strip_markers(piece, block["text"].get("annotations") or [], message.raw, message.clean)
            message.raw += len(piece)
            message.clean += len(text)
            if text:
                part["text"] += text
                self._emit("response.output_text.delta", item_id=message.id, output_index=message.index,
                           content_index=0, delta=text, logprobs=[])
            for note in notes:
                part["annotations"].append(note)
                self._emit("response.output_text.annotation.added", item_id=message.id,
                           output_index=message.index, content_index=0, annotation_index=message.annotations,
                           annotation=note)
                message.annotations += 1

    def _message_ended(self, stored: dict[str, Any]) -> None:
        if self._message is None or self._message.id != stored["id"]:
            self._message_created(stored)  # not seen opening (a stream taken over): open it now
        assert self._message is not None
        parts = [p for p in message_content(stored) if p["type"] == "output_text"]
        part = parts[0] if parts else _empty_text()
        item = Message(id=stored["id"], role="assistant", content=[part],
                       status="incomplete" if stored.get("status") == "incomplete" else "completed").to_dict()
        self._message_done(self._message, item, part)

    def _message_done(self, message: _Message, item: dict[str, Any], part: dict[str, Any]) -> None:
        self._emit("response.output_text.done", item_id=message.id, output_index=message.index, content_index=0,
                   text=part["text"], logprobs=[])
        self._emit("response.content_part.done", item_id=message.id, output_index=message.index, content_index=0,
                   part=part)
        self.output[message.index] = item
        self._emit("response.output_item.done", output_index=message.index, item=item)
        self._message = None

    # ------------------------------------------------------------ tool calls

    def _step_delta(self, delta: dict[str, Any]) -> None:
        details = (delta.get("delta") or {}).get("step_details") or {}
        for tool_call in details.get("tool_calls") or []:
            key = (delta.get("id", ""), tool_call.get("index", 0))
            call_id = self._steps.get(key)
            if call_id is None:
                if tool_call.get("type") not in CALL_ITEMS or not tool_call.get("id"):
                    continue
                call_id = self._steps[key] = tool_call["id"]
                self._calls[call_id] = _Call(call_id, tool_call["type"], call_item_id(tool_call["type"], call_id))
                self._call_first(self._calls[call_id], tool_call)
            else:
                self._call_more(self._calls[call_id], tool_call)

    def _call_first(self, call: _Call, tool_call: dict[str, Any]) -> None:
        if call.kind in MCP_ITEMS:
            self._mcp_first(call, tool_call.get(call.kind) or {})
            return
        if call.kind == "function":
            fn = tool_call.get("function") or {}
            call.name = fn.get("name") or ""
            if call.name:
                self._announce(call)
            self._arguments(call, fn.get("arguments") or "")
        else:
            self._announce(call)

    def _call_more(self, call: _Call, tool_call: dict[str, Any]) -> None:
        if call.kind in MCP_ITEMS:
            self._mcp_more(call, tool_call.get(call.kind) or {})
            return
        if call.kind == "function":
            self._arguments(call, (tool_call.get("function") or {}).get("arguments") or "")
        elif call.kind == "code_interpreter" and not call.done:
            body = tool_call.get("code_interpreter") or {}
            self._code(call, body.get("input") or "")
            if "outputs" in body:  # its last delta: what the code showed
                outputs = [{k: v for k, v in output.items() if k != "index"} for output in body["outputs"]]
                record = {"id": call.id, "type": call.kind, call.kind: {"input": call.arguments, "outputs": outputs}}
                self._call_done(call, record, "completed")
        elif not call.done:  # a server call's last delta: what it found
            record = {"id": call.id, "type": call.kind, call.kind: tool_call.get(call.kind) or {}}
            self._call_done(call, record, "completed")

    def _arguments(self, call: _Call, fragment: str) -> None:
        if not fragment:
            return
        call.arguments += fragment
        if call.index is not None:
            self._emit("response.function_call_arguments.delta", item_id=call.item_id, output_index=call.index,
                       delta=fragment)

    def _code(self, call: _Call, piece: str) -> None:
        """More of a code_interpreter call's code, as the model writes it."""
        if not piece:
            return
        call.arguments += piece
        self.output[call.index or 0]["code"] = call.arguments
        self._emit("response.code_interpreter_call_code.delta", item_id=call.item_id, output_index=call.index,
                   delta=piece)

    def _interpreting(self, call: _Call) -> None:
        """A code_interpreter call's code is whole and runs."""
        call.searching = True
        item = self.output[call.index or 0]
        item.update(code=call.arguments, status="interpreting")
        self._emit("response.code_interpreter_call_code.done", item_id=call.item_id, output_index=call.index,
                   code=call.arguments)
        self._emit("response.code_interpreter_call.interpreting", item_id=call.item_id, output_index=call.index)

    def _announce(self, call: _Call) -> None:
        """``output_item.added`` for a call (a function call's arguments so far follow as one delta)."""
        call.index = len(self.output)
        if call.kind == "function":
            item = FunctionCall(id=call.item_id, call_id=call.id, name=call.name, arguments="",
                                status="in_progress").to_dict()
        elif call.kind == "code_interpreter":
            item = code_interpreter_item(call.item_id, "in_progress", None, "", None, (), self.container)
        else:
            item = FileSearchCall(id=call.item_id, status="in_progress").to_dict()
        self.output.append(item)
        self._emit("response.output_item.added", output_index=call.index, item=dict(item))
        if call.kind == "file_search":
            self._emit("response.file_search_call.in_progress", item_id=call.item_id, output_index=call.index)
        elif call.kind == "code_interpreter":
            self._emit("response.code_interpreter_call.in_progress", item_id=call.item_id, output_index=call.index)
        elif call.arguments:
            self._emit("response.function_call_arguments.delta", item_id=call.item_id, output_index=call.index,
                       delta=call.arguments)

    def _call_started(self, started: dict[str, Any]) -> None:
        """A server call begins: its input is complete."""
        call = self._calls.get((started.get("call") or {}).get("id", ""))
        if call is not None and call.kind == "code_interpreter" and call.index is not None and not call.searching:
            self._interpreting(call)
            return
        if call is not None and call.kind == "mcp_call" and call.index is not None and not call.searching:
            self._mcp_arguments_done(call)
            return
        if call is None or call.kind != "file_search" or call.index is None or call.searching:
            return
        call.queries = _queries(started["call"].get("arguments") or "")
        call.searching = True
        self.output[call.index]["queries"] = list(call.queries)
        self.output[call.index]["status"] = "searching"
        self._emit("response.file_search_call.searching", item_id=call.item_id, output_index=call.index)

    def _call_done(self, call: _Call, record: Optional[dict[str, Any]], status: str) -> None:
        if call.kind in MCP_ITEMS:
            self._mcp_done(call, (record or {}).get(call.kind), status)
            return
        fn = (record or {}).get("function") or {}
        call.name = fn.get("name") or call.name
        if call.index is None:
            self._announce(call)
        assert call.index is not None
        if call.kind == "function":
            if record is not None:
                rest = fn.get("arguments") or ""
                if rest.startswith(call.arguments) and len(rest) > len(call.arguments):
                    self._arguments(call, rest[len(call.arguments):])
            if status == "completed":
                self._emit("response.function_call_arguments.done", item_id=call.item_id, output_index=call.index,
                           name=call.name, arguments=call.arguments)
            item = FunctionCall(id=call.item_id, call_id=call.id, name=call.name, arguments=call.arguments,
                                status=status).to_dict()
        elif call.kind == "code_interpreter":
            body = (record or {}).get("code_interpreter") or {}
            code = body.get("input") or call.arguments
            if code.startswith(call.arguments) and len(code) > len(call.arguments):
                self._code(call, code[len(call.arguments):])
            if record is not None and status == "completed":
                if not call.searching:
                    self._interpreting(call)
                self._emit("response.code_interpreter_call.completed", item_id=call.item_id, output_index=call.index)
            item = code_interpreter_item(call.item_id, status, record.get(CONTAINER_KEY) if record else None,
                                         call.arguments, body.get("outputs"), self.include, self.container)
        else:
            if record is not None and status == "completed":
                if not call.searching:
                    self._emit("response.file_search_call.searching", item_id=call.item_id, output_index=call.index)
                self._emit("response.file_search_call.completed", item_id=call.item_id, output_index=call.index)
            queries = call.queries if call.queries is not None else list((record or {}).get("_queries") or [])
            item = FileSearchCall(id=call.item_id, status=status, queries=queries,
                                  results=file_search_results(record) if record is not None and RESULTS in self.include
                                  else None).to_dict()
        call.done = True
        self.output[call.index] = item
        self._emit("response.output_item.done", output_index=call.index, item=item)

    # ------------------------------------------------------------ MCP calls

    def _mcp_first(self, call: _Call, body: dict[str, Any]) -> None:
        call.body = dict(body)
        if call.kind == "mcp_approval_request":
            call.arguments = body.get("arguments") or ""
            return  # announced whole, with its arguments, once the model's call is complete
        call.index = len(self.output)
        if call.kind == "mcp_list_tools":
            self.output.append(mcp_item(call.kind, call.item_id, body, "in_progress"))
            self._emit("response.output_item.added", output_index=call.index, item=dict(self.output[call.index]))
            self._emit("response.mcp_list_tools.in_progress", item_id=call.item_id, output_index=call.index)
            return
        self.output.append(mcp_item(call.kind, call.item_id, {**body, "arguments": ""}, "in_progress"))
        self._emit("response.output_item.added", output_index=call.index, item=dict(self.output[call.index]))
        self._emit("response.mcp_call.in_progress", item_id=call.item_id, output_index=call.index)
        self._mcp_arguments(call, body.get("arguments") or "")

    def _mcp_more(self, call: _Call, body: dict[str, Any]) -> None:
        if call.done:
            return
        if body.get("done"):
            self._mcp_done(call, body, "completed")
        elif call.kind == "mcp_call":
            self._mcp_arguments(call, body.get("arguments_delta") or "")
        elif call.kind == "mcp_approval_request":
            call.arguments += body.get("arguments_delta") or ""

    def _mcp_arguments(self, call: _Call, fragment: str) -> None:
        if not fragment or call.index is None:
            return
        call.arguments += fragment
        self.output[call.index]["arguments"] = call.arguments
        self._emit("response.mcp_call_arguments.delta", item_id=call.item_id, output_index=call.index, delta=fragment)

    def _mcp_arguments_done(self, call: _Call) -> None:
        assert call.index is not None
        call.searching = True
        self._emit("response.mcp_call_arguments.done", item_id=call.item_id, output_index=call.index,
                   arguments=call.arguments)

    def _mcp_done(self, call: _Call, body: Optional[dict[str, Any]], status: str) -> None:
        """An MCP call's end: ``body`` is what it recorded (``None``: the response ended without it)."""
        body = {**(call.body or {}), "arguments": call.arguments, **(body or {})}
        body.pop("done", None)
        if call.index is None:  # an approval request (or a call not seen streaming): announced now
            if body is None or not body.get("server_label"):
                return
            call.index = len(self.output)
            self.output.append(mcp_item(call.kind, call.item_id, body, status))
            if call.kind != "mcp_approval_request":
                self._emit("response.output_item.added", output_index=call.index,
                           item=mcp_item(call.kind, call.item_id, {**body, "arguments": "", "tools": [],
                                                                  "output": None, "error": None}, "in_progress"))
                progress = "response.mcp_list_tools.in_progress" if call.kind == "mcp_list_tools" \
                    else "response.mcp_call.in_progress"
                self._emit(progress, item_id=call.item_id, output_index=call.index)
            else:
                self._emit("response.output_item.added", output_index=call.index, item=dict(self.output[call.index]))
        item = mcp_item(call.kind, call.item_id, body, status)
        if call.kind == "mcp_list_tools" and status == "completed":
            self._emit("response.mcp_list_tools.failed" if item.get("error") else "response.mcp_list_tools.completed",
                       item_id=call.item_id, output_index=call.index)
        elif call.kind == "mcp_call":
            if status == "completed":
                if not call.searching:
                    self._mcp_arguments_done(call)
                self._emit("response.mcp_call.failed" if item.get("error") else "response.mcp_call.completed",
                           item_id=call.item_id, output_index=call.index)
            else:
                self._emit("response.mcp_call.failed", item_id=call.item_id, output_index=call.index)
        call.done = True
        self.output[call.index] = item
        self._emit("response.output_item.done", output_index=call.index, item=item)

    def _step_completed(self, step: dict[str, Any]) -> None:
        self._close_step(step, "completed")

    def _close_step(self, step: dict[str, Any], status: str) -> None:
        """A tool step ended: its calls not yet done are done now, with what the step recorded."""
        details = step.get("step_details") or {}
        if details.get("type") != "tool_calls":
            return
        for record in details.get("tool_calls") or []:
            if record.get("type") not in CALL_ITEMS:
                continue
            call = self._calls.get(record["id"])
            if call is None:  # not seen streaming (a stream taken over)
                item = call_item(record, status)
                call = self._calls[record["id"]] = _Call(record["id"], record["type"], item["id"],
                                                         name=item.get("name", ""))
            if not call.done:
                self._call_done(call, record, status)

    _HANDLERS: dict[str, Any] = {
        "thread.run.created": _created, "thread.run.queued": _queued, "thread.run.in_progress": _started,
        "thread.run.cancelled": _cancelled, "error": _error,
        "thread.message.created": _message_created, "thread.message.delta": _message_delta,
        "thread.message.completed": _message_ended, "thread.message.incomplete": _message_ended,
        "thread.run.step.delta": _step_delta, "thread.run.step.completed": _step_completed,
        CALL_STARTED: _call_started,
    }
