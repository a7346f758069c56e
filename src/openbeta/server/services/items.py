"""The item codec: input items as callers send them -> stored rows -> items as the API returns them.

:func:`normalize_input` checks a request's ``input`` (a string, or items) and gives every item in one
shape, naming the ``param`` of the first problem (``input[2].content[0].file_url``).
:func:`stored_from_input` turns one into the body of a new row (messages in the Assistants API's
shape, so a thread's readers see them; see :mod:`..runs.items`), and :func:`wire_item` turns a
row's body into the item a response, its ``input_items`` or a conversation shows.
"""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any, Iterable, Optional, Union

from pydantic import ValidationError

from ...types.responses import INPUT_ITEM_PARAMS
from ..errors import InvalidRequest, from_validation_error
from ..ids import new_id, now
from ..runs.items import ITEM_PREFIXES, SHOWN_OUTPUTS, message_content

#: ``include`` values that change what an item shows.
SHOWN_RESULTS = "file_search_call.results"

_SUPPORTED = ", ".join(f"'{kind}'" for kind in INPUT_ITEM_PARAMS)
_USER_PARTS = ("input_text", "input_image", "input_file")
_ASSISTANT_PARTS = ("output_text", "refusal")


#: The version mark of a compaction item's ``encrypted_content`` (see :func:`compaction_content`).
COMPACTION_MARK = "obc1."


def compaction_content(summary: str) -> str:
    """A compaction item's ``encrypted_content``: the summary, encoded (not encrypted: the client already
    holds the context it summarises, and may send any text as its own)."""
    return COMPACTION_MARK + base64.urlsafe_b64encode(json.dumps({"summary": summary}).encode()).decode()


def compaction_summary(content: str, param: str) -> str:
    """The summary a compaction item carries (400 naming ``param`` when it is not one this server made)."""
    bad = InvalidRequest(f"Invalid '{param}': not a compaction made by this server.", param=param,
                         code="invalid_value")
    if not content.startswith(COMPACTION_MARK):
        raise bad
    try:
        value = json.loads(base64.urlsafe_b64decode(content[len(COMPACTION_MARK):].encode()))
    except (binascii.Error, ValueError):
        raise bad from None
    if not isinstance(value, dict) or not isinstance(value.get("summary"), str):
        raise bad
    return value["summary"]


def _prefixed(error: InvalidRequest, prefix: str) -> InvalidRequest:
    """``error`` (about one item) naming its param from the request's top (``input[3].` + param)."""
    inner = error.param
    param = f"{prefix}.{inner}" if inner else prefix
    message = error.message.replace(f"'{inner}'", f"'{param}'") if inner else error.message
    return InvalidRequest(message, param=param, code=error.code)


def _kind(item: dict[str, Any]) -> Optional[str]:
    """An item's type; a message may leave it out (``{"role", "content"}``), and so may a reference
    (``{"id"}``)."""
    if "type" in item:
        return item["type"] if isinstance(item["type"], str) else None
    if "role" in item:
        return "message"
    if set(item) == {"id"}:
        return "item_reference"
    return None


def normalize_input(value: Union[str, list[Any], None], param: str = "input") -> list[dict[str, Any]]:
    """``input`` as a list of checked items (a string is one user message)."""
    if value is None:
        return []
    if isinstance(value, str):
        return [{"type": "message", "role": "user", "content": [{"type": "input_text", "text": value}]}]
    return [normalize_item(item, f"{param}[{i}]") for i, item in enumerate(value)]


def normalize_item(item: Any, param: str) -> dict[str, Any]:
    """One input item, checked (400 naming ``param`` and what is wrong in it)."""
    if not isinstance(item, dict):
        raise InvalidRequest(f"Invalid type for '{param}': expected an object.", param=param, code="invalid_type")
    kind = _kind(item)
    if kind is None:
        raise InvalidRequest(f"Missing required parameter: '{param}.type'.", param=f"{param}.type",
                             code="missing_required_parameter")
    model = INPUT_ITEM_PARAMS.get(kind)
    if model is None:
        raise InvalidRequest(f"Invalid value: '{kind}'. Supported values are: {_SUPPORTED}.",
                             param=f"{param}.type", code="invalid_value")
    try:
        parsed = model.model_validate(item, strict=True)
    except ValidationError as exc:
        raise _prefixed(from_validation_error(exc, item), param) from None
    out = parsed.model_dump(mode="json", by_alias=True)
    if kind == "message":
        out["content"] = _message_parts(out, param)
    elif kind == "compaction":
        out["_summary"] = compaction_summary(out["encrypted_content"], f"{param}.encrypted_content")
    elif kind == "function_call_output" and not isinstance(out["output"], str):
        for j, part in enumerate(out["output"]):
            _check_part(part, f"{param}.output[{j}]")
    return out


def _message_parts(message: dict[str, Any], param: str) -> list[dict[str, Any]]:
    assistant = message["role"] == "assistant"
    content = message["content"]
    if isinstance(content, str):
        return [{"type": "output_text", "text": content, "annotations": [], "logprobs": []} if assistant
                else {"type": "input_text", "text": content}]
    allowed = _ASSISTANT_PARTS if assistant else _USER_PARTS
    for j, part in enumerate(content):
        where = f"{param}.content[{j}]"
        if part["type"] not in allowed:
            raise InvalidRequest(
                f"Invalid value: '{part['type']}'. Supported values are: {', '.join(repr(a) for a in allowed)} "
                f"(in a message whose role is '{message['role']}').", param=f"{where}.type", code="invalid_value")
        _check_part(part, where)
    return content


def _check_part(part: dict[str, Any], where: str) -> None:
    if part["type"] == "input_image" and not part.get("image_url") and not part.get("file_id"):
        raise InvalidRequest(f"Missing required parameter: '{where}.image_url' (or '{where}.file_id').",
                             param=f"{where}.image_url", code="missing_required_parameter")
    if part["type"] == "input_file":
        if part.get("file_url"):
            raise InvalidRequest(f"'{where}.file_url' is not supported: this server fetches no URLs. Upload the "
                                 "file (POST /v1/files) and pass its file_id.", param=f"{where}.file_url",
                                 code="unsupported_parameter")
        if part.get("file_data"):
            raise InvalidRequest(f"'{where}.file_data' is not supported yet: upload the file (POST /v1/files) and "
                                 "pass its file_id.", param=f"{where}.file_data", code="unsupported_parameter")
        if not part.get("file_id"):
            raise InvalidRequest(f"Missing required parameter: '{where}.file_id'.", param=f"{where}.file_id",
                                 code="missing_required_parameter")


def check_call_outputs(items: list[dict[str, Any]], known: Iterable[str], param: str = "input") -> None:
    """Every ``function_call_output`` answers a call in ``known`` (the context's) or earlier in ``items``."""
    calls = set(known)
    for i, item in enumerate(items):
        if item["type"] == "function_call":
            calls.add(item["call_id"])
        elif item["type"] == "function_call_output" and item["call_id"] not in calls:
            raise InvalidRequest(f"No tool call found for function call output with call_id {item['call_id']}.",
                                 param=f"{param}[{i}].call_id", code="invalid_value")


def check_approvals(items: list[dict[str, Any]], context: list[dict[str, Any]], labels: set[str],
                    param: str = "input") -> None:
    """Every ``mcp_approval_response`` answers an ``mcp_approval_request`` of the context (or earlier in
    ``items``) of a server among the request's mcp tools (``labels``), once."""
    requests = {}
    for item in context:
        if item.get("type") == "mcp_approval_request":
            requests[item["id"]] = item
            if item.get("_sent_id"):
                requests[item["_sent_id"]] = item
    answered = {i["approval_request_id"] for i in context if i.get("type") == "mcp_approval_response"}
    for i, item in enumerate(items):
        if item["type"] == "mcp_approval_request":
            requests[item["id"]] = item
            continue
        if item["type"] != "mcp_approval_response":
            continue
        request = requests.get(item["approval_request_id"])
        if request is None:
            raise InvalidRequest(f"No MCP approval request found with id '{item['approval_request_id']}'.",
                                 param=f"{param}[{i}].approval_request_id", code="invalid_value")
        if item["approval_request_id"] in answered:
            raise InvalidRequest(f"MCP approval request '{item['approval_request_id']}' was answered already.",
                                 param=f"{param}[{i}].approval_request_id", code="invalid_value")
        answered.add(item["approval_request_id"])
        if request["server_label"] not in labels:
            raise InvalidRequest(f"The approved call is for MCP server '{request['server_label']}', which is not "
                                 "among this request's mcp tools: send that tool again.", param="tools",
                                 code="invalid_value")


# ---------------------------------------------------------------- stored rows

def _blocks(role: str, parts: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], bool]:
    """Message parts as Assistants content blocks, and whether the blocks give the parts back exactly."""
    blocks: list[dict[str, Any]] = []
    exact = True
    for part in parts:
        kind = part["type"]
        if kind in ("input_text", "output_text"):
            blocks.append({"type": "text", "text": {"value": part["text"], "annotations": []}})
            exact = exact and not part.get("annotations")
        elif kind == "refusal":
            blocks.append({"type": "refusal", "refusal": part["refusal"]})
        elif kind == "input_image":
            detail = part.get("detail") or "auto"
            exact = exact and detail in ("auto", "low", "high")
            detail = detail if detail in ("auto", "low", "high") else "auto"
            if part.get("file_id"):
                blocks.append({"type": "image_file", "image_file": {"file_id": part["file_id"], "detail": detail}})
                exact = exact and not part.get("image_url")
            else:
                blocks.append({"type": "image_url", "image_url": {"url": part["image_url"], "detail": detail}})
        else:  # input_file: no block of its own
            exact = False
    return blocks, exact


def _kept_part(part: dict[str, Any]) -> dict[str, Any]:
    """A part as ``_content`` keeps it (what the API shows of it)."""
    if part["type"] == "input_file":
        kept = {"type": "input_file", "file_id": part["file_id"], "filename": part.get("filename")}
        if part.get("_text") is not None:  # the file's text, for the model (services/file_texts.py)
            kept["_text"] = part["_text"]
        return kept
    if part["type"] == "input_image":
        return {"type": "input_image", "image_url": part.get("image_url"), "file_id": part.get("file_id"),
                "detail": part.get("detail") or "auto"}
    if part["type"] == "output_text":
        return {"type": "output_text", "text": part["text"], "annotations": part.get("annotations") or [],
                "logprobs": part.get("logprobs") or []}
    return dict(part)


def stored_from_input(item: dict[str, Any], thread_id: str, *, run_id: Optional[str] = None) -> dict[str, Any]:
    """The body of a new row for a normalized input item (a reference must be resolved first). Ids are
    always new: an item sent back (an earlier output, with its id) is a new row."""
    kind = item["type"]
    if kind == "item_reference":
        raise ValueError("an item_reference is resolved to the item it names before it is stored")
    if kind == "message":
        role = item["role"]
        blocks, exact = _blocks(role, item["content"])
        body: dict[str, Any] = {
            "id": new_id("msg_"), "object": "thread.message", "created_at": now(), "thread_id": thread_id,
            "status": item.get("status") or "completed", "incomplete_details": None, "completed_at": None,
            "incomplete_at": None, "role": role, "content": blocks, "assistant_id": None, "run_id": run_id,
            "attachments": [], "metadata": {},
        }
        if not exact:
            body["_content"] = [_kept_part(p) for p in item["content"]]
        return body
    body = {k: v for k, v in item.items() if v is not None or k in ("results",)}
    body["id"] = new_id(ITEM_PREFIXES[kind])
    if kind in ("mcp_list_tools", "mcp_call", "mcp_approval_request") and item.get("id"):
        body["_sent_id"] = item["id"]  # what an mcp_approval_response sent with it may name
    if kind in ("function_call", "function_call_output"):
        body["status"] = item.get("status") or "completed"
    if kind == "file_search_call":
        body["results"] = [{"file_id": r.get("file_id") or "", "filename": r.get("filename") or "",
                            "score": r.get("score") or 0.0, "text": r.get("text") or "",
                            "attributes": r.get("attributes") or {}} for r in item.get("results") or []]
    return body


def wire_item(body: dict[str, Any], include: Iterable[str] = ()) -> dict[str, Any]:
    """A stored item as the API shows it (private keys left out; ``file_search_call`` results and
    ``code_interpreter_call`` outputs only when ``include`` names them)."""
    kind = body.get("type", "message")
    if kind == "message":
        return {"type": "message", "id": body["id"], "role": body.get("role") or "user",
                "status": body.get("status") or "completed",
                "content": [{k: v for k, v in part.items() if not k.startswith("_")} for part in message_content(body)]}
    out = {k: v for k, v in body.items() if not k.startswith("_")}
    if kind == "file_search_call" and SHOWN_RESULTS not in include:
        out["results"] = None
    if kind == "code_interpreter_call" and SHOWN_OUTPUTS not in include:
        out["outputs"] = None
    return out
