"""Tools a run can use. Function tools go back to the caller (``requires_action``);
server tools run here.

A server tool is plugged in by type (``file_search`` ...): the model sees it as a
function named after its type, the engine runs it and records a tool call of that
type in the step, without asking the caller for anything.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Optional, Protocol


@dataclass
class ServerToolResult:
    record: dict[str, Any]  # the step's tool call, e.g. {"id", "type": "file_search", "file_search": {...}}
    output: str  # what the model reads back


class ServerTool(Protocol):
    type: str

    def definition(self, tool: dict[str, Any]) -> dict[str, Any]:
        """The chat-completions function the model sees for the run's ``tool``."""
        ...

    async def run(self, run: dict[str, Any], tool: dict[str, Any], call_id: str, arguments: str) -> ServerToolResult:
        """Execute a call (off the event loop if it blocks)."""
        ...

    def replay(self, record: dict[str, Any]) -> tuple[str, str]:
        """``(arguments, output)`` of a recorded call, to show the model again."""
        ...

    # Optional: ``satisfied(record) -> bool``: whether, after this call, the model needs the
    # tool no more in this run (it is then no longer offered).


class ServerTools:
    """The registry of server tools, keyed by tool type."""

    def __init__(self) -> None:
        self._tools: dict[str, ServerTool] = {}

    def register(self, tool: ServerTool) -> None:
        self._tools[tool.type] = tool

    def unsupported(self, run_tools: list[dict[str, Any]]) -> list[str]:
        return sorted({t["type"] for t in run_tools if t["type"] != "function" and t["type"] not in self._tools})

    def definitions(self, run_tools: list[dict[str, Any]], hidden: frozenset[str] = frozenset()) -> list[dict[str, Any]]:
        """The functions the model sees; server tools of a type in ``hidden`` are left out."""
        out = []
        for tool in run_tools:
            if tool["type"] == "function":
                out.append({"type": "function", "function": tool["function"]})
            elif tool["type"] in self._tools and tool["type"] not in hidden:
                out.append(self._tools[tool["type"]].definition(tool))
        return out

    def satisfied(self, steps: list[dict[str, Any]]) -> frozenset[str]:
        """Server tool types a run has called so that the model needs them no more (see ``ServerTool.satisfied``)."""
        done = set()
        for step in steps:
            if step["step_details"]["type"] != "tool_calls":
                continue
            for call in step["step_details"]["tool_calls"]:
                satisfied = getattr(self._tools.get(call["type"]), "satisfied", None)
                if satisfied is not None and satisfied(call):
                    done.add(call["type"])
        return frozenset(done)

    def function_name(self, run_tools: list[dict[str, Any]], kind: str) -> str:
        """The function name the model sees for the run's server tool of type ``kind``."""
        for tool in run_tools:
            if tool["type"] == kind and kind in self._tools:
                return self._tools[kind].definition(tool)["function"]["name"]
        return kind

    def for_call(self, run_tools: list[dict[str, Any]], name: str) -> Optional[tuple[ServerTool, dict[str, Any]]]:
        """The server tool a model's call named ``name`` is for (``None``: a function tool)."""
        if any(t["type"] == "function" and t["function"]["name"] == name for t in run_tools):
            return None
        for tool in run_tools:
            server = self._tools.get(tool["type"])
            if server is not None and server.definition(tool)["function"]["name"] == name:
                return server, tool
        return None

    def replay(self, record: dict[str, Any]) -> Optional[tuple[str, str, str]]:
        """``(name, arguments, output)`` of a recorded call of any type."""
        if record["type"] == "function":
            fn = record["function"]
            return fn["name"], fn["arguments"], fn.get("output") or ""
        server = self._tools.get(record["type"])
        if server is None:
            return None
        arguments, output = server.replay(record)
        return record["type"], arguments, output
