"""Runs and run steps: create (and create a thread and run), read, modify, cancel,
submit tool outputs. The engine does the work; this checks requests and records them,
through the engine's one entry point for starting runs (``engine.starting()``, see
``runs/launch.py``).

Creating calls return a :class:`~openbeta.server.runs.launch.Launch`: the run and the prelude
events a stream opens with; the route then starts the run with :meth:`RunService.launch`, which
subscribes to its events first when the caller streams. A streamed create moves the run to
``in_progress`` in the unit of work that creates it, so the engine's first model call waits on no
database work.
"""

from __future__ import annotations

from typing import Any, AsyncIterator, Callable, Optional, Sequence

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from ...types.run import (ACTIVE_STATUSES, RunCreateParams, RunUpdateParams, SubmitToolOutputsParams,
                          ThreadCreateAndRunParams)
from ...types.thread import ThreadCreateParams
from ..errors import APIError, InvalidRequest
from ..ids import now
from ..paging import PageQuery
from ..runs.engine import RunEngine
from ..runs.events import Event
from ..runs.launch import Launch
from ..runs.records import TransitionRefused, active_run_id, run_body, transition
from ..store import Database
from ..store.rows import load, owned, set_body
from ..store.tables import AssistantRow, RunRow, RunStepRow, ThreadRow
from ..tools.registry import ServerTools
from .base import list_page, apply_update
from .messages import insert_message, message_body
from .resources import check_tool_resources, normalize_tools
from .threads import create_thread

FILE_SEARCH_CONTENT = "step_details.tool_calls[*].file_search.results[*].content"
STEP_EVENTS = frozenset(f"thread.run.step.{s}" for s in
                        ("created", "in_progress", "delta", "completed", "failed", "cancelled", "expired"))
DEFAULT_TRUNCATION = {"type": "auto", "last_messages": None}


def _join(*parts: Optional[str]) -> Optional[str]:
    kept = [p for p in parts if p]
    return "\n\n".join(kept) if kept else parts[0]


def render_calls(details: dict[str, Any], include: Sequence[str]) -> dict[str, Any]:
    """Step details as callers see them: tool calls without the server's own ``_``
    keys, and file_search result contents only when ``include`` asks for them."""
    if details.get("type") != "tool_calls":
        return details
    calls = []
    for call in details.get("tool_calls") or []:
        call = {k: v for k, v in call.items() if not k.startswith("_")}
        results = (call.get("file_search") or {}).get("results")
        if call.get("type") == "file_search" and results and FILE_SEARCH_CONTENT not in include:
            call = dict(call, file_search=dict(call["file_search"],
                                               results=[{k: v for k, v in r.items() if k != "content"}
                                                        for r in results]))
        calls.append(call)
    return dict(details, tool_calls=calls)


def render_step(step: dict[str, Any], include: Sequence[str]) -> dict[str, Any]:
    """A step (or a step delta) as callers see it; see :func:`render_calls`."""
    if "delta" in step:
        return dict(step, delta=dict(step["delta"], step_details=render_calls(step["delta"]["step_details"], include)))
    return dict(step, step_details=render_calls(step["step_details"], include))


class RunService:
    def __init__(self, db: Database, engine: RunEngine, tools: ServerTools) -> None:
        self.db = db
        self.engine = engine
        self.tools = tools

    # ------------------------------------------------------------ hooks for other services

    def refuse_while_active(self, session: Session, thread_id: str) -> None:
        """On :class:`~openbeta.server.hooks.MessageAdding`: no new messages while a run is active."""
        run_id = active_run_id(session, thread_id)
        if run_id:
            raise InvalidRequest(f"Can't add messages to {thread_id} while a run {run_id} is active.")

    def delete_for_thread(self, session: Session, thread_id: str) -> None:
        """On :class:`~openbeta.server.hooks.ThreadDeleted`: a thread's runs and steps go with it; the engine stops
        driving its active runs."""
        active = session.scalars(select(RunRow.id).where(RunRow.thread_id == thread_id,
                                                         RunRow.status.in_(ACTIVE_STATUSES)))
        for run_id in active:
            self.engine.request_stop(run_id)
        session.execute(delete(RunStepRow).where(RunStepRow.thread_id == thread_id))
        session.execute(delete(RunRow).where(RunRow.thread_id == thread_id))

    # ------------------------------------------------------------ creating

    def create(self, project: str, thread_id: str, params: RunCreateParams,
               prepare: Optional[Callable[[Session], None]] = None) -> Launch:
        """``prepare(session)``, when given, runs in the run's own unit of work before the run is
        recorded (ChatKit writes its user message there: one commit instead of two)."""
        given = params.given()
        with self.engine.starting() as start:
            s = start.session
            load(s, ThreadRow, thread_id, "thread", owned(ThreadRow, project))
            run_id = active_run_id(s, thread_id)
            if run_id:
                raise InvalidRequest(f"Thread {thread_id} already has an active run {run_id}.")
            assistant = load(s, AssistantRow, params.assistant_id, "assistant", owned(AssistantRow, project),
                             param="assistant_id").body
            run = self._snapshot(assistant, thread_id, given)
            run["instructions"] = _join(run["instructions"], given.get("additional_instructions"))
            if prepare is not None:
                prepare(s)
            for i, message in enumerate(params.additional_messages or []):
                insert_message(s, project, message_body(thread_id, message), f"additional_messages[{i}].attachments")
            return start.new(run, [], stream=bool(params.stream))

    def create_thread_and_run(self, project: str, params: ThreadCreateAndRunParams) -> Launch:
        given = params.given()
        with self.engine.starting() as start:
            s = start.session
            assistant = load(s, AssistantRow, params.assistant_id, "assistant", owned(AssistantRow, project),
                             param="assistant_id").body
            # The spec's two places: ``thread.tool_resources`` are the new thread's; the top-level ones are
            # the run's, standing in for the assistant's (tool by tool) for this run only.
            resources = check_tool_resources(s, project, given.get("tool_resources") or {}, "tool_resources")
            run = self._snapshot(assistant, "", given)
            thread = create_thread(s, project, params.thread or ThreadCreateParams(), "thread")
            run["thread_id"] = thread["id"]
            return start.new(run, [("thread.created", thread)], stream=bool(params.stream), tool_resources=resources)

    def _snapshot(self, assistant: dict[str, Any], thread_id: str, given: dict[str, Any]) -> dict[str, Any]:
        """A new queued run: the request's options over the assistant's."""
        tools = normalize_tools(given["tools"]) if given.get("tools") is not None else assistant.get("tools") or []
        unsupported = self.tools.unsupported(tools)
        if unsupported:
            raise InvalidRequest(
                f"The {', '.join(unsupported)} tool is not supported by this server; remove it from the run's "
                "(or the assistant's) tools.", param="tools", code="unsupported_tool")
        unavailable = self.tools.unavailable(tools)
        if unavailable:
            raise InvalidRequest(" ".join(unavailable), param="tools", code="unsupported_tool")
        tool_choice = given.get("tool_choice") or "auto"
        _check_tool_choice(tool_choice, tools)

        def pick(key: str, default: Any = None) -> Any:
            value = given.get(key)
            return value if value is not None else assistant.get(key, default)

        return run_body(
            thread_id, self.engine.expiry_seconds, assistant_id=assistant["id"], model=pick("model"),
            instructions=pick("instructions") or "", tools=tools, metadata=given.get("metadata") or {},
            temperature=pick("temperature", 1.0), top_p=pick("top_p", 1.0),
            max_completion_tokens=given.get("max_completion_tokens"),
            max_prompt_tokens=given.get("max_prompt_tokens"),
            truncation_strategy={**DEFAULT_TRUNCATION, **(given.get("truncation_strategy") or {})},
            response_format=pick("response_format", "auto"), tool_choice=tool_choice,
            parallel_tool_calls=given.get("parallel_tool_calls", True) is not False,
            reasoning_effort=pick("reasoning_effort"))

    def launch(self, launch: Launch, stream: bool,
               include: Sequence[str] = ()) -> Optional[AsyncIterator[Optional[Event]]]:
        """Start (or resume) the run; with ``stream``, its events (steps rendered as :func:`render_step`
        does for ``include``; ``None`` while quiet)."""
        if not stream:
            launch.start()
            return None

        def render(event: str, data: Any) -> Any:
            return render_step(data, include) if event in STEP_EVENTS else data

        return launch.follow(render)

    def launch_events(self, launch: Launch) -> AsyncIterator[Optional[Event]]:
        """Start (or resume) the run and return its events as ``(event, data)`` (``None``
        while quiet), for faces that map them to their own stream (ChatKit)."""
        return launch.follow()

    # ------------------------------------------------------------ reading and changing

    def get(self, project: str, thread_id: str, run_id: str) -> dict[str, Any]:
        with self.db.session() as s:
            load(s, ThreadRow, thread_id, "thread", owned(ThreadRow, project))
            return load(s, RunRow, run_id, "run", RunRow.thread_id == thread_id, RunRow.kind == "run").body

    def list(self, project: str, thread_id: str, page: PageQuery) -> dict[str, Any]:
        with self.db.session() as s:
            load(s, ThreadRow, thread_id, "thread", owned(ThreadRow, project))
            return list_page(s, RunRow, page, RunRow.kind == "run", group=(RunRow.thread_id, thread_id))

    def update(self, project: str, thread_id: str, run_id: str, params: RunUpdateParams) -> dict[str, Any]:
        given = params.given()
        with self.db.session() as s:
            load(s, ThreadRow, thread_id, "thread", owned(ThreadRow, project))
            row = load(s, RunRow, run_id, "run", RunRow.thread_id == thread_id, RunRow.kind == "run", for_update=True)
            return apply_update(row, given)

    def cancel(self, project: str, thread_id: str, run_id: str) -> dict[str, Any]:
        with self.db.session() as s:
            load(s, ThreadRow, thread_id, "thread", owned(ThreadRow, project))
            load(s, RunRow, run_id, "run", RunRow.thread_id == thread_id, RunRow.kind == "run")
            try:
                body = transition(s, run_id, "cancelling")
            except TransitionRefused as refused:
                raise InvalidRequest(f"Cannot cancel run with status '{refused.current}'.") from None
        self.engine.request_cancel(body)
        return body

    def submit_tool_outputs(self, project: str, thread_id: str, run_id: str,
                            params: SubmitToolOutputsParams) -> Launch:
        with self.engine.starting() as start:
            s = start.session
            load(s, ThreadRow, thread_id, "thread", owned(ThreadRow, project))
            row = load(s, RunRow, run_id, "run", RunRow.thread_id == thread_id, RunRow.kind == "run", for_update=True)
            if row.status != "requires_action":
                raise InvalidRequest(f'Runs in status "{row.status}" do not accept tool outputs.')
            outputs = _outputs_by_call(params, row.body)
            step_row = self._pending_step(s, run_id)
            step = dict(step_row.body)
            calls = [dict(c, function=dict(c["function"], output=outputs[c["id"]])) if c["id"] in outputs else c
                     for c in step["step_details"]["tool_calls"]]
            step.update(status="completed", completed_at=now(),
                        step_details=dict(step["step_details"], tool_calls=calls))
            set_body(step_row, step)
            return start.requeue(run_id, {"required_action": None}, [("thread.run.step.completed", step)])

    @staticmethod
    def _pending_step(session: Session, run_id: str) -> RunStepRow:
        row = session.scalar(select(RunStepRow).where(RunStepRow.run_id == run_id)
                             .order_by(RunStepRow.seq.desc()).limit(1).with_for_update())
        if row is None or row.body["type"] != "tool_calls" or row.body["status"] != "in_progress":
            raise APIError(f"Run '{run_id}' awaits tool outputs but has no tool call step in progress.",
                           code="invalid_state")
        return row

    # ------------------------------------------------------------ steps

    def list_steps(self, project: str, thread_id: str, run_id: str, page: PageQuery,
                   include: list[str]) -> dict[str, Any]:
        check_include(include)
        self.get(project, thread_id, run_id)
        with self.db.session() as s:
            result = list_page(s, RunStepRow, page, group=(RunStepRow.run_id, run_id))
        result["data"] = [render_step(step, include) for step in result["data"]]
        return result

    def get_step(self, project: str, thread_id: str, run_id: str, step_id: str, include: list[str]) -> dict[str, Any]:
        check_include(include)
        self.get(project, thread_id, run_id)
        with self.db.session() as s:
            step = load(s, RunStepRow, step_id, "run step", RunStepRow.run_id == run_id).body
        return render_step(step, include)


def check_include(include: list[str]) -> None:
    """``include[]`` may only ask for file_search result contents."""
    for value in include:
        if value != FILE_SEARCH_CONTENT:
            raise InvalidRequest(f"Invalid value: '{value}'. Supported values are: '{FILE_SEARCH_CONTENT}'.",
                                 param="include", code="invalid_value")


def _check_tool_choice(choice: Any, tools: list[dict[str, Any]]) -> None:
    if choice == "required" and not tools:
        raise InvalidRequest("tool_choice 'required' needs at least one tool.", param="tool_choice")
    if not isinstance(choice, dict):
        return
    if choice["type"] == "function":
        name = (choice.get("function") or {}).get("name")
        if not name:
            raise InvalidRequest("Missing required parameter: 'tool_choice.function'.", param="tool_choice.function",
                                 code="missing_required_parameter")
        if not any(t["type"] == "function" and t["function"]["name"] == name for t in tools):
            raise InvalidRequest(f"tool_choice names the function '{name}', which is not among the run's tools.",
                                 param="tool_choice", code="invalid_value")
    elif not any(t["type"] == choice["type"] for t in tools):
        raise InvalidRequest(f"tool_choice names the {choice['type']} tool, which is not among the run's tools.",
                             param="tool_choice", code="invalid_value")


def _outputs_by_call(params: SubmitToolOutputsParams, run: dict[str, Any]) -> dict[str, str]:
    """Every pending call's output, all in this one submission (else 400)."""
    expected = [c["id"] for c in run["required_action"]["submit_tool_outputs"]["tool_calls"]]
    outputs: dict[str, str] = {}
    for i, item in enumerate(params.tool_outputs):
        if not item.tool_call_id:
            raise InvalidRequest(f"Missing required parameter: 'tool_outputs[{i}].tool_call_id'.",
                                 param=f"tool_outputs[{i}].tool_call_id", code="missing_required_parameter")
        if item.tool_call_id in outputs:
            raise InvalidRequest(f"Invalid 'tool_outputs[{i}].tool_call_id': duplicate output for tool call "
                                 f"'{item.tool_call_id}'.", param=f"tool_outputs[{i}].tool_call_id",
                                 code="invalid_value")
        if item.tool_call_id not in expected:
            raise InvalidRequest(f"Invalid 'tool_outputs[{i}].tool_call_id': no pending tool call "
                                 f"'{item.tool_call_id}' on this run.", param=f"tool_outputs[{i}].tool_call_id",
                                 code="invalid_value")
        outputs[item.tool_call_id] = item.output or ""
    missing = [call_id for call_id in expected if call_id not in outputs]
    if missing:
        raise InvalidRequest(f"Expected tool outputs for call_ids {expected}, got {list(outputs)}.",
                             param="tool_outputs")
    return outputs

