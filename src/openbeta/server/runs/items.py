"""Items: what a response or a conversation holds, as stored and as the model reads it.

A thread's rows are its items. A message is stored as the Assistants API stores it (content blocks,
which the Assistants routes read unchanged), plus ``_content``: the Responses parts as sent, kept only
when the blocks cannot give them back exactly (an ``input_file``, an image ``detail`` of ``original``,
an earlier answer's annotations). Other items (``function_call``, ``function_call_output``,
``file_search_call``, ``reasoning``) are stored in their Responses shape;
keys starting with ``_`` are the server's own (``_record``: a server tool's call as its run step
recorded it, which the model reads back) and are never sent.

The calls a response made (``function_call``, ``file_search_call``) are not rows: they are read from
its run steps, where the engine records them, and stand in a thread's item list right after the rows
the response found when it was created (its run's ``_after_seq``, a row ``seq``; ``seq`` grows across
the whole table, so it orders rows of different threads too). A response's output is its steps in
order: its messages (rows) and its calls (:func:`run_output`, :func:`thread_items`).

This module holds what the engine needs of items and what every face shares: message blocks as
Responses parts (:func:`message_content`; citation markers are cut out of the text, their places
become the annotations' ``index``), a run's tool call as an item (:func:`call_item`), a thread's items,
and items as a chat request's messages (:func:`items_to_chat`).
"""

from __future__ import annotations

from typing import Any, Callable, Iterable, Optional

from sqlalchemy import select
from sqlalchemy.orm import Session

from ...types.responses import (CodeInterpreterCall, FileSearchCall, FunctionCall, McpApprovalRequest, McpCall,
                                McpListTools)
from ..store.items import lineage
from ..store.tables import MessageRow, RunRow, RunStepRow
from ..tools.code_interpreter import CONTAINER_KEY
from ..tools.mcp import shown_output
from .citations import MARKER

#: Id prefix of each item type (a message's is ``msg_``, as in the Assistants API).
ITEM_PREFIXES = {
    "message": "msg_", "function_call": "fc_", "function_call_output": "fco_", "file_search_call": "fs_",
    "code_interpreter_call": "ci_", "reasoning": "rs_", "compaction": "cmp_",
    "mcp_list_tools": "mcpl_", "mcp_call": "mcp_", "mcp_approval_request": "mcpr_", "mcp_approval_response": "mcpa_",
}
#: What precedes a compaction item's summary in the model's context.
COMPACTED = "Summary of the conversation so far:\n"
#: A run's tool call type -> the item type it becomes.
CALL_ITEMS = {"function": "function_call", "file_search": "file_search_call",
              "code_interpreter": "code_interpreter_call",
              "mcp_list_tools": "mcp_list_tools", "mcp_call": "mcp_call", "mcp_approval_request": "mcp_approval_request"}
#: The item types of an MCP tool's calls (each recorded under its own type).
MCP_ITEMS = ("mcp_list_tools", "mcp_call", "mcp_approval_request")
#: ``include`` value that shows a code_interpreter call's outputs.
SHOWN_OUTPUTS = "code_interpreter_call.outputs"
CALL_PREFIX = "call_"
#: A call's item status from its step's status.
STEP_ITEM_STATUS = {"completed": "completed", "in_progress": "in_progress", "failed": "incomplete",
                    "cancelled": "incomplete", "expired": "incomplete"}


def call_item_id(kind: str, call_id: str) -> str:
    """The item id of a run's tool call (``call_X`` -> ``fc_X``, ``fs_X``): fixed by the call's
    own id, so a stream, a retrieve and a replica that took the run over all name it alike."""
    suffix = call_id[len(CALL_PREFIX):] if call_id.startswith(CALL_PREFIX) else call_id
    return ITEM_PREFIXES[CALL_ITEMS[kind]] + suffix


def strip_markers(text: str, annotations: list[dict[str, Any]], raw_offset: int = 0,
                  clean_offset: int = 0) -> tuple[str, list[dict[str, Any]]]:
    """An Assistants text (or a streamed piece of one starting at ``raw_offset``) as Responses shows it:
    each cited marker (``【m:n†name】``, a ``file_citation``) cut out, a ``file_citation`` annotation at
    its place instead; ``file_path`` links stay in the text and are annotated where they start. Indexes
    count in the text without markers, from ``clean_offset`` (what came before this piece)."""
    out: list[str] = []
    notes: list[dict[str, Any]] = []
    pos = 0
    length = clean_offset
    for note in sorted(annotations, key=lambda a: a.get("start_index", 0)):
        start = note.get("start_index", 0) - raw_offset
        end = note.get("end_index", 0) - raw_offset
        if start < pos or end > len(text) or start < 0:
            continue  # overlapping or outside this piece: not a place in it
        out.append(text[pos:start])
        length += start - pos
        pos = start
        if note.get("type") == "file_citation":
            found = MARKER.fullmatch(text[start:end])
            notes.append({"type": "file_citation", "file_id": note["file_citation"]["file_id"],
                          "filename": found.group(3) if found else "", "index": length})
            pos = end
        elif note.get("type") == "file_path" and note.get("container_id"):
            link = text[start:end]
            notes.append({"type": "container_file_citation", "container_id": note["container_id"],
                          "file_id": note["file_path"]["file_id"], "filename": link.rsplit("/", 1)[-1],
                          "start_index": length, "end_index": length + len(link)})
        elif note.get("type") == "file_path":
            notes.append({"type": "file_path", "file_id": note["file_path"]["file_id"], "index": length})
    out.append(text[pos:])
    return "".join(out), notes


def message_content(message: dict[str, Any]) -> list[dict[str, Any]]:
    """A stored message's content as Responses parts (``_content`` when it was kept)."""
    if message.get("_content") is not None:
        return [dict(part) for part in message["_content"]]
    assistant = message.get("role") == "assistant"
    parts: list[dict[str, Any]] = []
    for block in message.get("content") or []:
        kind = block.get("type")
        if kind == "text":
            if assistant:
                text, notes = strip_markers(block["text"]["value"], block["text"].get("annotations") or [])
                parts.append({"type": "output_text", "text": text, "annotations": notes, "logprobs": []})
            else:
                parts.append({"type": "input_text", "text": block["text"]["value"]})
        elif kind == "refusal":
            parts.append({"type": "refusal", "refusal": block["refusal"]})
        elif assistant:
            continue  # images a run's code showed: the answer's text links them, Responses has no output image
        elif kind == "image_url":
            image = block["image_url"]
            parts.append({"type": "input_image", "image_url": image["url"], "file_id": None,
                          "detail": image.get("detail", "auto")})
        elif kind == "image_file":
            image = block["image_file"]
            parts.append({"type": "input_image", "image_url": None, "file_id": image["file_id"],
                          "detail": image.get("detail", "auto")})
    if not assistant:  # an Assistants message's attached files
        parts.extend({"type": "input_file", "file_id": a["file_id"], "filename": None}
                     for a in message.get("attachments") or [] if a.get("file_id"))
    return parts


def file_search_results(record: dict[str, Any]) -> list[dict[str, Any]]:
    """A ``file_search`` call's results as Responses shows them."""
    return [{"file_id": r.get("file_id", ""), "filename": r.get("file_name", ""), "score": r.get("score", 0.0),
             "text": " ".join(c.get("text", "") for c in r.get("content") or []), "attributes": {}}
            for r in (record.get("file_search") or {}).get("results") or []]


def code_interpreter_item(item_id: str, status: str, container: Optional[str], code: str,
                          outputs: Optional[list[dict[str, Any]]], include: Iterable[str] = (),
                          default_container: Optional[str] = None) -> dict[str, Any]:
    """A code_interpreter call as a response shows it: its ``outputs`` (logs, and images as ``data:`` URLs)
    only when ``include`` names them."""
    shown = [o for o in outputs or [] if o.get("type") == "logs" or (o.get("type") == "image" and o.get("url"))]
    return CodeInterpreterCall(id=item_id, status=status, container_id=container or default_container or "",
                               code=code, outputs=shown if SHOWN_OUTPUTS in include else None).to_dict()


def call_item(record: dict[str, Any], status: str, *, queries: Optional[list[str]] = None) -> dict[str, Any]:
    """A run's tool call (as its step records it) as a stored item (private keys included)."""
    kind = record["type"]
    item_id = call_item_id(kind, record["id"])
    if kind == "function":
        fn = record["function"]
        return FunctionCall(id=item_id, call_id=record["id"], name=fn["name"], arguments=fn.get("arguments") or "",
                            status=status).to_dict()
    if kind == "file_search":
        item = FileSearchCall(id=item_id, status=status, results=file_search_results(record),
                              queries=list(queries if queries is not None else record.get("_queries") or []))
        return {**item.to_dict(), "_record": record}
    if kind == "code_interpreter":
        body = record["code_interpreter"]
        return {**code_interpreter_item(item_id, status, record.get(CONTAINER_KEY), body.get("input") or "",
                                        body.get("outputs"), (SHOWN_OUTPUTS,)), "_record": record}
    if kind in MCP_ITEMS:
        return {**mcp_item(kind, item_id, record[kind], status), "_record": record}
    raise ValueError(f"no item for a {kind} call")


def mcp_item(kind: str, item_id: str, body: dict[str, Any], status: str) -> dict[str, Any]:
    """An MCP tool's call as an item, from its recorded body (``status``: its step's, as an item status)."""
    if kind == "mcp_list_tools":
        return McpListTools(id=item_id, server_label=body["server_label"], tools=body.get("tools") or [],
                            error=body.get("error")).to_dict()
    if kind == "mcp_approval_request":
        return McpApprovalRequest(id=item_id, server_label=body["server_label"], name=body.get("name") or "",
                                  arguments=body.get("arguments") or "").to_dict()
    finished = "output" in body or "error" in body
    shown = ("failed" if body.get("error") else "completed") if finished and status == "completed" else status
    return McpCall(id=item_id, server_label=body["server_label"], name=body.get("name") or "",
                   arguments=body.get("arguments") or "", output=body.get("output"), error=body.get("error"),
                   status=shown, approval_request_id=body.get("approval_request_id")).to_dict()


# ---------------------------------------------------------------- a thread's items

def run_output(session: Session, run: dict[str, Any], rows: Optional[dict[str, dict[str, Any]]] = None) -> list[dict[str, Any]]:
    """A response's output, as stored items, from its steps in order (``rows``: its message bodies by id,
    when already read)."""
    if rows is None:
        rows = {r.id: r.body for r in session.scalars(select(MessageRow).where(MessageRow.run_id == run["id"]))}
    out: list[dict[str, Any]] = []
    for step in session.scalars(select(RunStepRow.body).where(RunStepRow.run_id == run["id"]).order_by(RunStepRow.seq)):
        details = step["step_details"]
        if details["type"] == "message_creation":
            message = rows.get(details["message_creation"]["message_id"])
            # a step written ahead of the model's text, not announced yet, is no item
            if message is not None and (message.get("content") or message.get("status") != "in_progress"):
                out.append(message)
            continue
        status = STEP_ITEM_STATUS.get(step["status"], "completed")
        out.extend(call_item(record, status) for record in details.get("tool_calls") or []
                   if record.get("type") in CALL_ITEMS)
    return out


def thread_items(session: Session, thread_id: str, *, leave_out: Optional[str] = None) -> list[dict[str, Any]]:
    """Every item the thread shows, oldest first (``leave_out``: a response whose output is not wanted,
    the one being answered)."""
    keyed: list[tuple[tuple[int, int, int], dict[str, Any]]] = []
    for tid, bound in lineage(session, thread_id):
        runs = {r.id: r.body for r in session.scalars(select(RunRow).where(RunRow.thread_id == tid,
                                                                            RunRow.kind == "response"))}
        shown = {rid: run for rid, run in runs.items()
                 if bound is None or run.get("_after_seq", 0) <= bound}
        stmt = select(MessageRow).where(MessageRow.thread_id == tid).order_by(MessageRow.seq)
        if bound is not None:
            stmt = stmt.where(MessageRow.seq <= bound)
        answers: dict[str, dict[str, dict[str, Any]]] = {}
        for row in session.scalars(stmt):
            if row.run_id in runs and row.input_of is None:  # a response's answer: placed with its output
                answers.setdefault(row.run_id, {})[row.id] = row.body
            else:
                keyed.append(((row.seq, 0, 0), row.body))
        for rid, run in shown.items():
            if rid == leave_out:
                continue
            for position, item in enumerate(run_output(session, run, answers.get(rid, {}))):
                keyed.append(((run.get("_after_seq", 0), 1, position), item))
    keyed.sort(key=lambda pair: pair[0])
    return [item for _, item in keyed]


# ---------------------------------------------------------------- the model's view

Replay = Callable[[dict[str, Any]], Optional[tuple[str, str, str]]]


def _part_text(part: dict[str, Any]) -> Optional[str]:
    kind = part.get("type")
    if kind in ("input_text", "output_text"):
        return part.get("text", "")
    if kind == "refusal":
        return part.get("refusal", "")
    if kind == "input_file":
        name = f" ({part['filename']})" if part.get("filename") else ""
        if part.get("_text") is not None:  # read when the message was stored (services/file_texts.py)
            return f"[attached file: {part.get('file_id')}{name}]\n{part['_text']}\n[end of file]"
        return f"[attached file: {part.get('file_id') or 'inline'}{name}]"
    if kind == "input_image" and not part.get("image_url"):
        return f"[image file: {part.get('file_id')}]"
    return None


def chat_parts(parts: list[dict[str, Any]]) -> Any:
    """Responses parts as chat content: a string, or parts when an image is shown by URL."""
    if not any(p.get("type") == "input_image" and p.get("image_url") for p in parts):
        return "\n".join(t for p in parts if (t := _part_text(p)) is not None)
    out: list[dict[str, Any]] = []
    for part in parts:
        if part.get("type") == "input_image" and part.get("image_url"):
            detail = part.get("detail") if part.get("detail") in ("low", "high", "auto") else "auto"
            out.append({"type": "image_url", "image_url": {"url": part["image_url"], "detail": detail}})
        elif (text := _part_text(part)) is not None:
            out.append({"type": "text", "text": text})
    return out


def _output_text(output: Any) -> str:
    """A function call's output (a string, or parts) as a tool message's text."""
    if isinstance(output, str):
        return output
    return "\n".join(_part_text(p) or f"[image: {p.get('image_url', '')}]" for p in output)


def items_to_chat(items: list[dict[str, Any]], replay: Replay) -> list[dict[str, Any]]:
    """Stored items, oldest first, as chat messages. ``developer`` is ``system``; consecutive calls are
    one assistant message with ``tool_calls``, each answered by a ``tool`` message (a server tool's
    output is its recorded call's, from ``replay``); a function call never answered, and an output
    whose call is not among the items, are left out (a chat model reads neither alone). A compaction
    item is its summary, as an assistant message (the model's own words, never the system's). Reasoning
    items and items of unknown types are left out."""
    answered = {i["call_id"] for i in items if i.get("type") == "function_call_output"}
    declined = {i["approval_request_id"]: i for i in items
                if i.get("type") == "mcp_approval_response" and not i.get("approve")}
    called = {i["call_id"] for i in items if i.get("type") == "function_call"}
    out: list[dict[str, Any]] = []
    calls: list[dict[str, Any]] = []  # the assistant message of consecutive calls being built
    for item in items:
        kind = item.get("type", "message")  # a message row's body is the Assistants one (no ``type``)
        if kind == "function_call" and item["call_id"] in answered:
            call = {"id": item["call_id"], "type": "function",
                    "function": {"name": item["name"], "arguments": item.get("arguments") or ""}}
            if not calls:
                out.append({"role": "assistant", "content": None, "tool_calls": calls})
            calls.append(call)
            continue
        if kind in ("file_search_call", "code_interpreter_call") and item.get("_record"):
            seen = replay(item["_record"])
            if seen is not None:
                name, arguments, output = seen
                if not calls:
                    out.append({"role": "assistant", "content": None, "tool_calls": calls})
                calls.append({"id": item["_record"]["id"], "type": "function",
                              "function": {"name": name, "arguments": arguments}})
                out.append({"role": "tool", "tool_call_id": item["_record"]["id"], "content": output})
            continue
        if kind in ("mcp_call", "mcp_approval_request"):
            shown = _mcp_call(item, declined)
            if shown is not None:
                if not calls:
                    out.append({"role": "assistant", "content": None, "tool_calls": calls})
                calls.append(shown[0])
                out.append(shown[1])
            continue
        if kind == "function_call_output":
            calls = []  # a call after an answer is the model's next turn
            if item["call_id"] in called:
                out.append({"role": "tool", "tool_call_id": item["call_id"], "content": _output_text(item["output"])})
            continue
        if kind == "compaction" and item.get("_summary") is not None:
            calls = []
            out.append({"role": "assistant", "content": COMPACTED + item["_summary"]})
            continue
        if kind != "message":
            continue
        calls = []
        role = item.get("role") or "user"
        parts = message_content(item)
        if role == "assistant":
            text = "".join(p.get("text", "") if p.get("type") == "output_text" else p.get("refusal", "")
                           for p in parts)
            if text:
                out.append({"role": "assistant", "content": text})
        else:
            out.append({"role": "system" if role == "developer" else role, "content": chat_parts(parts)})
    return _ordered(out)


def _mcp_call(item: dict[str, Any], declined: dict[str, dict[str, Any]]) -> Optional[tuple[dict[str, Any], dict[str, Any]]]:
    """An MCP call (or a declined approval request) as a chat tool call and its answer; ``None`` for a
    request approved or not answered yet (the call it led to, if any, is an item of its own)."""
    if item["type"] == "mcp_approval_request":
        answer = declined.get(item["id"]) or declined.get(item.get("_sent_id") or "")
        if answer is None:
            return None
        reason = f" ({answer['reason']})" if answer.get("reason") else ""
        output = f"The user did not approve this call{reason}; it was not made."
    elif item.get("_record") is not None:
        output = shown_output(item["_record"]["mcp_call"])
    else:
        output = shown_output(item)
    call_id = item["id"]
    return ({"id": call_id, "type": "function", "function": {"name": item.get("name") or "",
                                                              "arguments": item.get("arguments") or ""}},
            {"role": "tool", "tool_call_id": call_id, "content": output})


def _ordered(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each ``tool`` message right after the assistant message that made its call, as chat models require
    (a client may answer a call after other items, e.g. a message of its own)."""
    answers: dict[str, dict[str, Any]] = {m["tool_call_id"]: m for m in messages if m["role"] == "tool"}
    out: list[dict[str, Any]] = []
    for message in messages:
        if message["role"] == "tool":
            continue
        out.append(message)
        for call in message.get("tool_calls") or []:
            out.append(answers[call["id"]])
    return out
