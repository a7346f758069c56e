"""A real MCP server for the mcp tool tests: the MCP SDK's ``MCPServer`` over Streamable HTTP on
``127.0.0.1:<port>/mcp`` (``python mcp_server.py PORT``). Its tools: ``add`` (read-only), ``shout``, and two
that misbehave on purpose: ``wait`` (sleeps, to hit a call timeout) and ``repeat`` (a long output).
``/redirect/mcp`` answers 307 to ``/hidden/mcp`` (same origin, outside an allow-list of ``/mcp`` and
``/redirect/``), which counts the requests that reach it.
``/calls`` counts the calls the tools answered (each test reads the difference)."""

from __future__ import annotations

import asyncio
import sys

from mcp.server.mcpserver import MCPServer
from mcp_types import ToolAnnotations
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse

server = MCPServer("openbeta-test")
calls = {"n": 0, "hidden": 0}


@server.tool(annotations=ToolAnnotations(read_only_hint=True))
def add(a: int, b: int) -> str:
    """Add two integers."""
    calls["n"] += 1
    return str(a + b)


@server.tool()
def shout(text: str) -> str:
    """The text in capitals."""
    calls["n"] += 1
    return text.upper()


@server.tool()
async def wait(seconds: float) -> str:
    """Wait for a while."""
    calls["n"] += 1
    await asyncio.sleep(seconds)
    return "waited"


@server.tool()
def repeat(text: str, times: int) -> str:
    """The text repeated."""
    calls["n"] += 1
    return text * times


@server.custom_route("/redirect/mcp", methods=["GET", "POST", "DELETE"])
async def moved(request: Request) -> RedirectResponse:
    return RedirectResponse("/hidden/mcp", status_code=307)


@server.custom_route("/hidden/mcp", methods=["GET", "POST", "DELETE"])
async def hidden(request: Request) -> JSONResponse:
    calls["hidden"] += 1
    return JSONResponse({"jsonrpc": "2.0", "id": 0, "error": {"code": -32600, "message": "hidden"}}, status_code=400)


@server.custom_route("/calls", methods=["GET"])
async def counted(request: Request) -> JSONResponse:
    return JSONResponse(calls)


if __name__ == "__main__":
    server.run("streamable-http", host="127.0.0.1", port=int(sys.argv[1]))
