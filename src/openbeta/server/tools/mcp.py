"""The ``mcp`` tool of responses: tools of an MCP server the operator allows, reached with the ``mcp``
package (the MCP SDK) over Streamable HTTP.

A response's mcp tool (``{"type": "mcp", "mcp": {server_label, server_url, headers, allowed_tools,
require_approval, server_description}}`` in the run's tools) works in three kinds of calls, each a
run step's tool call of its own type:

- ``mcp_list_tools``: the server's tools, listed once per response before the model is first asked
  (:meth:`McpTool.setup_calls`), unless the context already holds a list of that ``server_label`` (an
  earlier response's, or one sent back as input), which is used instead;
- ``mcp_call``: the model called one of the listed tools (it sees each as a function, under the tool's own
  name, or ``<server_label>__<name>`` where two servers, or a function tool, share a name); the server
  makes the call and the model reads its output;
- ``mcp_approval_request``: the same, for a tool that needs approval (``require_approval``): nothing is
  called, and the response ends with the request; a next response that carries an approving
  ``mcp_approval_response`` makes the call first (a setup call too), one that declines does not.

Everything from an MCP server is hostile input: it is only ever shown to the model (as function
definitions and tool outputs), never run, bounded in size (:class:`McpLimits`), and every request the
client makes (redirects included) is checked against the allow-list first (:class:`_Guarded`).
"""

from __future__ import annotations

import asyncio
import json
import logging
from dataclasses import dataclass
from typing import Any, Optional
from urllib.parse import unquote, urlsplit

from .registry import ServerToolResult, ToolFailed

log = logging.getLogger("openbeta.tools.mcp")

LIST, CALL, APPROVAL = "mcp_list_tools", "mcp_call", "mcp_approval_request"
#: Between a server label and a tool name in the name the model sees, where names collide.
SEPARATOR = "__"
#: Characters of one tool description (or server description) the model reads.
MAX_DESCRIPTION_CHARS = 4096


class NotAllowed(Exception):
    """A request to a URL outside ``OPENBETA_MCP_ALLOWED_URLS``."""


class TooLarge(Exception):
    """An MCP server's answer beyond ``OPENBETA_MCP_MAX_RESPONSE_BYTES``."""


@dataclass(frozen=True)
class McpLimits:
    #: URL prefixes MCP servers may be reached at (empty: none).
    allowed_urls: tuple[str, ...] = ()
    connect_timeout: float = 10.0
    list_timeout: float = 30.0
    call_timeout: float = 60.0
    #: Tools one list may hold (after ``allowed_tools``); more fails the listing.
    max_tools: int = 128
    #: Characters of one call's output the model reads (and the item shows); more is cut, with a note.
    max_output_chars: int = 100_000
    #: Bytes of one HTTP answer of an MCP server; more fails the list or call.
    max_response_bytes: int = 4 * 1024 * 1024


def url_allowed(url: str, prefixes: tuple[str, ...]) -> bool:
    """Whether ``url`` (http or https) lies under one of ``prefixes``: same scheme and host (and port),
    and a path that is the prefix's or continues it past a ``/`` (no ``.``/``..`` segments, no user info)."""
    try:
        target = urlsplit(url)
        port = target.port
    except ValueError:
        return False
    if target.scheme not in ("http", "https") or not target.hostname or target.username or target.password:
        return False
    if any(part in (".", "..") for part in unquote(target.path).split("/")) or "\\" in unquote(target.path):
        return False  # a path that leaves its prefix once resolved
    for prefix in prefixes:
        try:
            allowed = urlsplit(prefix)
            allowed_port = allowed.port
        except ValueError:
            continue
        if (allowed.scheme, allowed.hostname, allowed_port) != (target.scheme, target.hostname, port):
            continue
        path = allowed.path
        if not path or path.endswith("/") or target.path == path or target.path.startswith(path + "/"):
            if target.path.startswith(path):
                return True
    return False


def parse_allowed(value: str) -> tuple[str, ...]:
    return tuple(p.strip() for p in value.split(",") if p.strip())


def _tool_filter(names: Optional[list[str]], read_only: Optional[bool], tool: dict[str, Any]) -> bool:
    """Whether a listed tool matches an ``MCPToolFilter`` (both given: both must match)."""
    if names is None and read_only is None:
        return False
    if names is not None and tool["name"] not in names:
        return False
    if read_only is not None and bool((tool.get("annotations") or {}).get("readOnlyHint")) != read_only:
        return False
    return True


def allowed_tool(config: dict[str, Any], tool: dict[str, Any]) -> bool:
    """Whether ``allowed_tools`` lets the model see ``tool`` (a listed tool)."""
    allowed = config.get("allowed_tools")
    if allowed is None:
        return True
    if isinstance(allowed, list):
        return tool["name"] in allowed
    return _tool_filter(allowed.get("tool_names"), allowed.get("read_only"), tool)


def needs_approval(config: dict[str, Any], tool: dict[str, Any]) -> bool:
    """``require_approval`` for a listed tool: ``always`` (OpenAI's default), ``never``, or a filter object
    (``never`` matching: no approval; else ``always`` matching: approval; else approval)."""
    rule = config.get("require_approval")
    if rule is None or rule == "always":
        return True
    if rule == "never":
        return False
    never = rule.get("never") or {}
    if _tool_filter(never.get("tool_names"), never.get("read_only"), tool):
        return False
    return True


def _bounded(text: Optional[str], limit: int) -> Optional[str]:
    if text is None or len(text) <= limit:
        return text
    return text[:limit] + f"\n[output truncated: {len(text) - limit} more characters not shown]"


def listed_tool(tool: Any) -> dict[str, Any]:
    """An MCP SDK ``Tool`` as the ``mcp_list_tools`` item shows it (descriptions bounded)."""
    annotations = tool.annotations.model_dump(by_alias=True, exclude_none=True) if tool.annotations else None
    return {"name": tool.name, "input_schema": tool.input_schema or {"type": "object", "properties": {}},
            "description": _bounded(tool.description, MAX_DESCRIPTION_CHARS), "annotations": annotations or None}


def model_output(content: list[Any], structured: Any) -> str:
    """A call result's content as the text the model reads: text parts joined; other parts named."""
    parts = []
    for part in content:
        kind = getattr(part, "type", None)
        if kind == "text":
            parts.append(part.text)
        else:
            parts.append(f"[{kind or 'unknown'} content not shown]")
    if not parts and structured is not None:
        parts.append(json.dumps(structured))
    return "\n".join(parts)


class McpClient:
    """Lists and calls an MCP server's tools: a session per list or call, every request checked against
    the allow-list, every answer bounded, every step under a timeout."""

    def __init__(self, limits: McpLimits) -> None:
        self.limits = limits

    def _http(self, headers: dict[str, str], refused: list[Exception]) -> Any:
        """An HTTP client for one session; what its guard refuses is also put in ``refused`` (the MCP SDK
        reports a transport failure as a generic protocol error)."""
        import httpx2

        limits = self.limits

        class _Guarded(httpx2.AsyncBaseTransport):
            """Every request (a redirect's too) only to an allowed URL; every answer bounded."""

            def __init__(self) -> None:
                self.inner = httpx2.AsyncHTTPTransport()

            async def handle_async_request(self, request: Any) -> Any:
                if not url_allowed(str(request.url), limits.allowed_urls):
                    refused.append(NotAllowed(f"{str(request.url)[:300]} is not under OPENBETA_MCP_ALLOWED_URLS"))
                    raise refused[-1]
                response = await self.inner.handle_async_request(request)
                declared = response.headers.get("content-length")
                if declared and declared.isdigit() and int(declared) > limits.max_response_bytes:
                    await response.aclose()
                    refused.append(TooLarge(f"the MCP server's answer has {declared} bytes (at most "
                                            f"{limits.max_response_bytes}: OPENBETA_MCP_MAX_RESPONSE_BYTES)"))
                    raise refused[-1]
                return httpx2.Response(status_code=response.status_code, headers=response.headers,
                                       stream=_Capped(response.stream, limits.max_response_bytes),
                                       extensions=response.extensions, request=request)

            async def aclose(self) -> None:
                await self.inner.aclose()

        class _Capped(httpx2.AsyncByteStream):
            def __init__(self, stream: Any, limit: int) -> None:
                self.stream = stream
                self.limit = limit

            async def __aiter__(self) -> Any:
                seen = 0
                async for chunk in self.stream:
                    seen += len(chunk)
                    if seen > self.limit:
                        refused.append(TooLarge(f"the MCP server's answer is longer than {self.limit} bytes "
                                                "(OPENBETA_MCP_MAX_RESPONSE_BYTES)"))
                        raise refused[-1]
                    yield chunk

            async def aclose(self) -> None:
                await self.stream.aclose()

        timeout = httpx2.Timeout(self.limits.call_timeout, connect=self.limits.connect_timeout)
        return httpx2.AsyncClient(transport=_Guarded(), headers=headers, timeout=timeout, follow_redirects=False)

    async def _session(self, url: str, headers: dict[str, str], work: Any, seconds: float) -> Any:
        from mcp.client.session import ClientSession
        from mcp.client.streamable_http import streamable_http_client

        refused: list[Exception] = []

        async def go() -> Any:
            async with self._http(headers, refused) as http:
                async with streamable_http_client(url, http_client=http,
                                                  max_sse_event_size=self.limits.max_response_bytes) as (read, write):
                    async with ClientSession(read, write) as session:
                        await session.initialize()
                        return await work(session)

        try:
            return await asyncio.wait_for(go(), seconds)
        except Exception as exc:
            if refused:  # what the guard refused, not how the SDK reported it
                raise refused[0] from exc
            raise

    async def list_tools(self, url: str, headers: dict[str, str]) -> list[Any]:
        async def work(session: Any) -> list[Any]:
            tools: list[Any] = []
            cursor = None
            while True:
                from mcp_types import PaginatedRequestParams

                page = await session.list_tools(params=PaginatedRequestParams(cursor=cursor) if cursor else None)
                tools.extend(page.tools)
                cursor = page.next_cursor
                if not cursor or len(tools) > 10 * self.limits.max_tools:
                    return tools

        return await self._session(url, headers, work, self.limits.list_timeout)

    async def call(self, url: str, headers: dict[str, str], name: str, arguments: dict[str, Any]) -> Any:
        async def work(session: Any) -> Any:
            return await session.call_tool(name, arguments)

        return await self._session(url, headers, work, self.limits.call_timeout)


def describe(exc: BaseException, limits: McpLimits, what: str) -> dict[str, Any]:
    """A failure reaching an MCP server as an ``mcp_call`` error (``http_error`` or ``mcp_protocol_error``)."""
    from mcp.shared.exceptions import MCPError

    found = _cause(exc)
    if isinstance(found, MCPError):
        return {"type": "mcp_protocol_error", "code": found.code, "message": _bounded(found.message, 2000)}
    if isinstance(found, (asyncio.TimeoutError, TimeoutError)):
        seconds = limits.list_timeout if what == "list" else limits.call_timeout
        setting = "OPENBETA_MCP_LIST_TIMEOUT" if what == "list" else "OPENBETA_MCP_CALL_TIMEOUT"
        return {"type": "http_error", "code": 504,
                "message": f"The MCP server did not answer within {seconds:g} seconds ({setting})."}
    if isinstance(found, NotAllowed):
        return {"type": "http_error", "code": 403, "message": f"Refused: {found} (a redirect, or a URL not allowed)."}
    if isinstance(found, TooLarge):
        return {"type": "http_error", "code": 413, "message": f"Refused: {found}."}
    status = getattr(getattr(found, "response", None), "status_code", None)
    if isinstance(status, int):
        return {"type": "http_error", "code": status, "message": f"The MCP server answered HTTP {status}."}
    return {"type": "http_error", "code": 502,
            "message": f"The MCP server could not be reached: {type(found).__name__}: {_bounded(str(found), 500)}"}


def shown_output(body: dict[str, Any]) -> str:
    """What the model reads of an ``mcp_call`` (its recorded body, or an item sent back): its output, or
    what failed."""
    error = body.get("error")
    if not error:
        return body.get("output") or ""
    if error.get("type") == "mcp_tool_execution_error":
        content = error.get("content")
        text = "\n".join(p.get("text", "") for p in content if isinstance(p, dict)) if isinstance(content, list) else ""
        return f"The tool reported an error: {text}"
    return f"The call failed: {error.get('message') or ''}"


def _cause(exc: BaseException) -> BaseException:
    """The first leaf of an exception group (anyio task groups wrap what failed inside them)."""
    while isinstance(exc, BaseExceptionGroup) and exc.exceptions:
        exc = exc.exceptions[0]
    return exc


class McpTool:
    """The ``mcp`` server tool (see the module's docstring)."""

    type = "mcp"
    record_types = (LIST, CALL, APPROVAL)

    def __init__(self, limits: McpLimits, client: Optional[McpClient] = None) -> None:
        self.limits = limits
        self.client = client or McpClient(limits)

    @property
    def unavailable(self) -> Optional[str]:
        import importlib.util

        if importlib.util.find_spec("mcp") is None or importlib.util.find_spec("httpx2") is None:
            return "the mcp package is not installed (pip install 'openbeta[server]')."
        return None

    def refusal(self, url: str) -> Optional[str]:
        """Why a request may not name ``url`` as an MCP server (``None``: it may)."""
        if not self.limits.allowed_urls:
            return ("No MCP server may be called from this server: the operator allows MCP servers by URL prefix "
                    "in OPENBETA_MCP_ALLOWED_URLS, which is empty.")
        if not url_allowed(url, self.limits.allowed_urls):
            return (f"The MCP server URL '{url[:300]}' is not allowed on this server: it must start with one of the "
                    "URL prefixes in OPENBETA_MCP_ALLOWED_URLS (http or https).")
        return None

    # ------------------------------------------------------------ what the model sees

    def definition(self, tool: dict[str, Any]) -> dict[str, Any]:
        raise NotImplementedError("an mcp tool is many functions: see definitions()")

    def definitions(self, tool: dict[str, Any]) -> list[dict[str, Any]]:
        config = tool["mcp"]
        out = []
        for seen, listed in (config.get("_listed") or {}).items():
            about = listed.get("description") or ""
            if config.get("server_description"):
                about = f"{about} (from {config['server_label']}: {config['server_description'][:MAX_DESCRIPTION_CHARS]})"
            fn: dict[str, Any] = {"name": seen, "parameters": listed.get("input_schema") or {"type": "object"}}
            if about:
                fn["description"] = about
            out.append({"type": "function", "function": fn})
        return out

    def call_for(self, tool: dict[str, Any], name: str) -> Optional[dict[str, Any]]:
        """The run tool a call of the function ``name`` makes (``None``: not one of this server's)."""
        listed = (tool["mcp"].get("_listed") or {}).get(name)
        if listed is None:
            return None
        kind = APPROVAL if needs_approval(tool["mcp"], listed) else CALL
        return {"type": "mcp", "mcp": {**tool["mcp"], "_listed": None, "_kind": kind, "_name": listed["name"]}}

    def expand(self, run_tools: list[dict[str, Any]], items: list[dict[str, Any]],
               steps: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """The run's tools with each mcp tool's listed tools (``_listed``: the name the model sees -> the
        listed tool), from this run's list or the newest of the context."""
        taken = {t["function"]["name"] for t in run_tools if t["type"] == "function"}
        lists = self._lists(items, steps)
        names: dict[str, int] = {}
        chosen: list[tuple[dict[str, Any], list[dict[str, Any]]]] = []
        for tool in run_tools:
            if tool["type"] != "mcp":
                continue
            found = lists.get(tool["mcp"]["server_label"])
            shown = [t for t in (found or {}).get("tools") or [] if allowed_tool(tool["mcp"], t)]
            chosen.append((tool, shown))
            for t in shown:
                names[t["name"]] = names.get(t["name"], 0) + 1
        out = []
        for tool in run_tools:
            if tool["type"] != "mcp":
                out.append(tool)
                continue
            shown = next(s for t, s in chosen if t is tool)
            label = tool["mcp"]["server_label"]
            listed = {}
            for t in shown:
                seen = t["name"] if names[t["name"]] == 1 and t["name"] not in taken else f"{label}{SEPARATOR}{t['name']}"
                listed[seen[:64]] = t
            out.append({"type": "mcp", "mcp": {**tool["mcp"], "_listed": listed}})
        return out

    @staticmethod
    def _lists(items: list[dict[str, Any]], steps: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
        """server_label -> the newest tool list (this run's first, then the context's), errors left out."""
        lists: dict[str, dict[str, Any]] = {}
        for item in items:
            if item.get("type") == LIST and not item.get("error"):
                lists[item["server_label"]] = item
        for record in _records(steps, LIST):
            body = record[LIST]
            if not body.get("error"):
                lists[body["server_label"]] = body
        return lists

    def setup_calls(self, run_tools: list[dict[str, Any]], items: list[dict[str, Any]],
                    steps: list[dict[str, Any]]) -> list[tuple[dict[str, Any], str]]:
        """Calls to make before the model is first asked: (run tool, arguments) for each server not yet
        listed in the context, and for each approved request not yet called."""
        out: list[tuple[dict[str, Any], str]] = []
        if any(s["step_details"]["type"] == "tool_calls" for s in steps if s["status"] != "in_progress"):
            return out  # the setup step ran already
        lists = self._lists(items, steps)
        mcp_tools = {t["mcp"]["server_label"]: t for t in run_tools if t["type"] == "mcp"}
        for label, tool in mcp_tools.items():
            if label not in lists:
                out.append(({"type": "mcp", "mcp": {**tool["mcp"], "_kind": LIST}}, ""))
        requests = {}
        called = set()
        for item in items:
            if item.get("type") == APPROVAL:
                requests[item["id"]] = item
                if item.get("_sent_id"):
                    requests[item["_sent_id"]] = item
            elif item.get("type") == CALL and item.get("approval_request_id"):
                called.add(item["approval_request_id"])
        for item in items:
            if item.get("type") != "mcp_approval_response" or not item.get("approve"):
                continue
            request = requests.get(item["approval_request_id"])
            if request is None or item["approval_request_id"] in called:
                continue
            called.add(item["approval_request_id"])
            server = mcp_tools.get(request["server_label"])
            if server is None:
                continue
            out.append(({"type": "mcp", "mcp": {**server["mcp"], "_kind": CALL, "_name": request["name"],
                                                 "_approval": item["approval_request_id"]}}, request["arguments"]))
        return out

    # ------------------------------------------------------------ the stream

    def opening(self, tool: dict[str, Any], arguments: str) -> tuple[str, dict[str, Any]]:
        """(the recorded call's type, its body in the delta that announces it)."""
        config = tool["mcp"]
        kind = config["_kind"]
        body = {"server_label": config["server_label"]}
        if kind != LIST:
            body.update(name=config["_name"], arguments=arguments, approval_request_id=config.get("_approval"))
        return kind, body

    def input_delta(self, arguments: str, sent: int) -> tuple[Optional[dict[str, Any]], int]:
        if len(arguments) <= sent:
            return None, sent
        return {"arguments_delta": arguments[sent:]}, len(arguments)

    def result_delta(self, record: dict[str, Any], sent: int) -> dict[str, Any]:
        return {**record[record["type"]], "done": True}

    # ------------------------------------------------------------ running a call

    async def run(self, run: dict[str, Any], tool: dict[str, Any], call_id: str, arguments: str) -> ServerToolResult:
        config = tool["mcp"]
        kind = config["_kind"]
        label = config["server_label"]
        if kind == LIST:
            return await self._list(config, call_id)
        body = {"server_label": label, "name": config["_name"], "arguments": arguments,
                "approval_request_id": config.get("_approval")}
        if kind == APPROVAL:
            return ServerToolResult({"id": call_id, "type": APPROVAL, APPROVAL: body}, "", ends=True)
        try:
            parsed = json.loads(arguments or "{}")
        except ValueError:
            parsed = None
        if not isinstance(parsed, dict):
            error = {"type": "mcp_protocol_error", "code": -32602,
                     "message": "The arguments are not a JSON object; the tool was not called."}
            return self._call_result(call_id, body, None, error)
        try:
            result = await self.client.call(config["server_url"], config.get("headers") or {}, config["_name"], parsed)
        except asyncio.CancelledError:
            raise
        except BaseException as exc:  # noqa: BLE001 - everything a hostile server can make happen
            if not isinstance(exc, Exception) and not isinstance(exc, BaseExceptionGroup):
                raise
            log.info("mcp call %s on %s failed: %r", config["_name"], label, exc)
            return self._call_result(call_id, body, None, describe(exc, self.limits, "call"))
        text = _bounded(model_output(result.content, result.structured_content), self.limits.max_output_chars)
        if result.is_error:
            error = {"type": "mcp_tool_execution_error",
                     "content": [{"type": "text", "text": text}] if text else []}
            return self._call_result(call_id, body, None, error)
        return self._call_result(call_id, body, text, None)

    @staticmethod
    def _call_result(call_id: str, body: dict[str, Any], output: Optional[str],
                     error: Optional[dict[str, Any]]) -> ServerToolResult:
        recorded = {**body, "output": output, "error": error}
        return ServerToolResult({"id": call_id, "type": CALL, CALL: recorded}, shown_output(recorded))

    async def _list(self, config: dict[str, Any], call_id: str) -> ServerToolResult:
        label = config["server_label"]
        record: dict[str, Any] = {"id": call_id, "type": LIST, LIST: {"server_label": label, "tools": [], "error": None}}
        try:
            found = [listed_tool(t) for t in await self.client.list_tools(config["server_url"], config.get("headers") or {})]
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            log.info("mcp list on %s failed: %r", label, exc)
            record[LIST]["error"] = describe(exc, self.limits, "list")["message"]
            return ServerToolResult(record, "", fails=self._list_failure(label, record[LIST]["error"]))
        shown = [t for t in found if allowed_tool(config, t)]
        if len(shown) > self.limits.max_tools:
            record[LIST]["error"] = (f"The server listed {len(shown)} tools; at most {self.limits.max_tools} are "
                                     "taken (OPENBETA_MCP_MAX_TOOLS; allowed_tools narrows the list).")
            return ServerToolResult(record, "", fails=self._list_failure(label, record[LIST]["error"]))
        record[LIST]["tools"] = shown
        return ServerToolResult(record, "")

    @staticmethod
    def _list_failure(label: str, why: str) -> ToolFailed:
        return ToolFailed("mcp_list_tools_failed", f"Error retrieving tool list from MCP server '{label}': {why}")

    def replay(self, record: dict[str, Any]) -> Optional[tuple[str, str]]:
        """A call as the model reads it again; ``None`` for a tool list or an approval request (the model
        made no call the list answers; a request is read from the items, with its answer)."""
        if record["type"] != CALL:
            return None
        body = record[CALL]
        return body.get("arguments") or "", shown_output(body)


def _records(steps: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    return [c for s in steps if s["step_details"]["type"] == "tool_calls" for c in s["step_details"]["tool_calls"]
            if c.get("type") == kind]
