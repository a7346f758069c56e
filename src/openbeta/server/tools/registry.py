"""Tools a run can use. Function tools go back to the caller (``requires_action``);
server tools run here.

A server tool is plugged in by type (``file_search``, ``code_interpreter`` ...): the
model sees it as a function, the engine runs it and records a tool call of that type
in the step, without asking the caller for anything.

Optional parts of a server tool (see :class:`StreamingTool`, :class:`CancellableTool` and
:class:`MessageParts`): streaming the call's input while the model writes it, the delta
that ends a call, stopping a call when its run is cancelled, why the tool cannot run on
this server (``unavailable``), and what the answer's message shows of the run's calls
(images, file paths).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Optional, Protocol


#: On a recorded call: the call failed in a way the model may fix (code that raised an error). On the
#: embedded model, the run's next model call then makes the call again, once (runs/context.py).
RETRY_KEY = "_retry"


class ToolFailed(Exception):
    """A server tool's call that fails its whole run (``code``, ``message``: the run's ``last_error``)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass
class ServerToolResult:
    record: dict[str, Any]  # the step's tool call, e.g. {"id", "type": "file_search", "file_search": {...}}
    output: str  # what the model reads back
    #: The run ends (completed) once the step is stored: the call waits for its caller (an approval).
    ends: bool = False
    #: The run fails with this once the step is stored.
    fails: Optional[ToolFailed] = None


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


class StreamingTool(Protocol):
    def first_delta(self) -> dict[str, Any]:
        """The tool's body in the delta that announces a call."""
        ...

    def input_delta(self, arguments: str, sent: int) -> tuple[Optional[dict[str, Any]], int]:
        """From the arguments streamed so far and ``sent`` (how much input is out), the next
        delta body (``None``: nothing new) and the new ``sent``."""
        ...

    def result_delta(self, record: dict[str, Any], sent: int) -> dict[str, Any]:
        """The delta body that ends a call once it ran."""
        ...


class ExpandingTool(Protocol):
    """A server tool that is many functions (an MCP server's tools), known once the run has looked
    them up: ``record_types`` (the types of the calls it records), and these."""

    record_types: tuple[str, ...]

    def definitions(self, tool: dict[str, Any]) -> list[dict[str, Any]]:
        """The functions the model sees for the run's ``tool`` (as :meth:`expand` gave it)."""
        ...

    def call_for(self, tool: dict[str, Any], name: str) -> Optional[dict[str, Any]]:
        """The run tool (its per-call form) a model's call of ``name`` runs; ``None``: not this tool's."""
        ...

    def expand(self, run_tools: list[dict[str, Any]], items: list[dict[str, Any]],
               steps: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """The run's tools with what the context (``items``) and the run's ``steps`` know of this tool's."""
        ...

    def setup_calls(self, run_tools: list[dict[str, Any]], items: list[dict[str, Any]],
                    steps: list[dict[str, Any]]) -> list[tuple[dict[str, Any], str]]:
        """Calls to make, as one tool step, before the model is asked: ``(per-call run tool, arguments)``."""
        ...

    def opening(self, tool: dict[str, Any], arguments: str) -> tuple[str, dict[str, Any]]:
        """A per-call run tool's recorded type and its body in the delta that announces the call."""
        ...


class CancellableTool(Protocol):
    def cancel(self, run: dict[str, Any]) -> None:
        """Stop the call running for ``run`` now (its run is being cancelled); blocking."""
        ...


class MessageParts(Protocol):
    def message_parts(self, steps: list[dict[str, Any]]) -> tuple[list[str], dict[str, str]]:
        """From a run's steps: image file ids the next message shows first, and sandbox paths
        -> file ids its text may link to."""
        ...


class ServerTools:
    """The registry of server tools, keyed by tool type."""

    def __init__(self) -> None:
        self._tools: dict[str, ServerTool] = {}
        self._records: dict[str, ServerTool] = {}

    def register(self, tool: ServerTool) -> None:
        self._tools[tool.type] = tool
        #: recorded call type -> the tool (an expanding tool records calls of several types)
        for kind in getattr(tool, "record_types", ()):
            self._records[kind] = tool

    def _for_record(self, kind: str) -> Optional[ServerTool]:
        return self._tools.get(kind) or self._records.get(kind)

    def _expanding(self) -> list[Any]:
        return [tool for tool in self._tools.values() if hasattr(tool, "expand")]

    def expand(self, run_tools: list[dict[str, Any]], items: list[dict[str, Any]],
               steps: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """The run's tools as the next model call sees them (see :class:`ExpandingTool`)."""
        for tool in self._expanding():
            if any(t["type"] == tool.type for t in run_tools):
                run_tools = tool.expand(run_tools, items, steps)
        return run_tools

    def setup_calls(self, run_tools: list[dict[str, Any]], items: list[dict[str, Any]],
                    steps: list[dict[str, Any]]) -> list[tuple[ServerTool, dict[str, Any], str]]:
        """The calls to make before the model is asked (see :class:`ExpandingTool`)."""
        out: list[tuple[ServerTool, dict[str, Any], str]] = []
        for tool in self._expanding():
            if any(t["type"] == tool.type for t in run_tools):
                out.extend((tool, per_call, arguments) for per_call, arguments in tool.setup_calls(run_tools, items, steps))
        return out

    def unsupported(self, run_tools: list[dict[str, Any]]) -> list[str]:
        return sorted({t["type"] for t in run_tools if t["type"] != "function" and t["type"] not in self._tools})

    def unavailable(self, run_tools: list[dict[str, Any]]) -> list[str]:
        """Why registered tools among ``run_tools`` cannot run on this server."""
        out = []
        for kind in dict.fromkeys(t["type"] for t in run_tools):
            reason = getattr(self._tools.get(kind), "unavailable", None)
            if reason:
                out.append(f"The {kind} tool is not available on this server: {reason}")
        return out

    def refusal(self, kind: str, *args: Any) -> Optional[str]:
        """Why the registered tool ``kind`` refuses a request's use of it (``None``: it does not)."""
        refuse = getattr(self._tools.get(kind), "refusal", None)
        if kind not in self._tools:
            return f"The {kind} tool is not available on this server."
        return refuse(*args) if refuse is not None else None

    def message_parts(self, steps: list[dict[str, Any]]) -> tuple[list[str], dict[str, str]]:
        """Images and linkable files of the run's calls (see :class:`MessageParts`)."""
        images: list[str] = []
        paths: dict[str, str] = {}
        for tool in self._tools.values():
            if hasattr(tool, "message_parts"):
                more, linked = tool.message_parts(steps)
                images.extend(more)
                paths.update(linked)
        return images, paths

    def definitions(self, run_tools: list[dict[str, Any]], hidden: frozenset[str] = frozenset()) -> list[dict[str, Any]]:
        """The functions the model sees; server tools of a type in ``hidden`` are left out."""
        out = []
        for tool in run_tools:
            if tool["type"] == "function":
                out.append({"type": "function", "function": tool["function"]})
            elif tool["type"] in self._tools and tool["type"] not in hidden:
                server = self._tools[tool["type"]]
                if hasattr(server, "definitions"):
                    out.extend(server.definitions(tool))
                else:
                    out.append(server.definition(tool))
        return out

    def satisfied(self, steps: list[dict[str, Any]]) -> frozenset[str]:
        """Server tool types a run has called so that the model needs them no more (see ``ServerTool.satisfied``)."""
        done = set()
        for step in steps:
            if step["step_details"]["type"] != "tool_calls":
                continue
            for call in step["step_details"]["tool_calls"]:
                satisfied = getattr(self._for_record(call["type"]), "satisfied", None)
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
            if server is not None and hasattr(server, "call_for"):
                per_call = server.call_for(tool, name)
                if per_call is not None:
                    return server, per_call
            elif server is not None and server.definition(tool)["function"]["name"] == name:
                return server, tool
        return None

    def replay(self, record: dict[str, Any]) -> Optional[tuple[str, str, str]]:
        """``(name, arguments, output)`` of a recorded call of any type."""
        if record["type"] == "function":
            fn = record["function"]
            return fn["name"], fn["arguments"], fn.get("output") or ""
        server = self._for_record(record["type"])
        if server is None:
            return None
        seen = server.replay(record)
        if seen is None:  # a call the model did not make (a tool list)
            return None
        arguments, output = seen
        name = (record.get(record["type"]) or {}).get("name") if hasattr(server, "expand") else None
        return name or record["type"], arguments, output
