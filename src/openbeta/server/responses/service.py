"""Responses: create, retrieve, delete, cancel, input items, input tokens. A response is a run of the
run engine (kind ``response``), on a thread of its own or of a conversation:

- no ``conversation`` nor ``previous_response_id``: a new hidden *chain* thread;
- ``previous_response_id`` P: P's chain thread, appended to when P is its newest response, else a
  *fork* of P's thread at P's end (a new chain thread that sees its parent's items up to there: nothing
  is copied), so a response continued twice branches;
- ``conversation``: that conversation (or Assistants thread, read as one), whose items it reads and
  appends to.

The request's input items are stored as rows of that thread (``input_of`` = the response), in the
response's own unit of work. The engine drives the run with three switches on its body: history as
items (``_history``), calls for the client end it (``_client_calls``), and its events through this
face's translator (``_events``; :class:`~.stream.ResponseEvents`, registered with the engine before
the run can start). ``store: false`` responses run on a fork of their own, keep no events, answer 404
to every read, and are deleted once they end.
"""

from __future__ import annotations

import asyncio
import dataclasses
from typing import Any, AsyncIterator, Iterable, Optional

from sqlalchemy import delete, func, insert, select
from sqlalchemy.orm import Session

from ...types.response_events import FINAL_EVENTS
from ...types.responses import (SUPPORTED_TOOLS, UNSUPPORTED_PARAMETERS, CompactParams, InputTokensParams,
                                ResponseCreateParams)
from ..errors import APIError, InvalidRequest, NotFound
from ..ids import new_id, now
from ..paging import PageQuery
from ..providers.base import ChatRequest
from ..runs.engine import RunEngine
from ..runs.items import items_to_chat, message_content, run_output, thread_items
from ..runs.launch import Launch
from ..runs.records import TransitionRefused, active_run_id, run_body, transition
from ..services.base import list_page
from ..services.items import (check_approvals, check_call_outputs, compaction_content, normalize_input, stored_from_input,
                              wire_item)
from ..store import Database
from ..services.containers import ContainerService
from ..services.file_texts import FileTexts
from ..store.items import MAX_FORK_DEPTH, depth, insert_item, last_seq, lineage
from ..store.rows import load, owned
from ..store.tables import MessageRow, ResponseEventRow, RunRow, RunStepRow, ThreadRow, VectorStoreRow
from ..tools.registry import ServerTools
from .log import EventLog
from .render import render_response
from .stream import END, ResponseEvents, StreamEvent, follow
from .translate import ResponseTranslator

#: The run body's switches for a response (see the engine).
RESPONSE_FLAGS = {"_history": "items", "_client_calls": "end", "_events": "responses"}
TERMINAL = frozenset({"completed", "incomplete", "failed", "cancelled", "expired"})
DEFAULT_MAX_RESULTS = 20
#: Item types of the beta flavour's multi-agent responses.
MULTI_AGENT_ITEMS = ("agent_message", "multi_agent_call", "multi_agent_call_output")
#: What the model is asked, after the context, to compact it.
COMPACT_PROMPT = ("Write a summary of the conversation above that can replace it: keep every fact, name, number, "
                  "decision, result of a tool and open question, and what the user asked for; leave out "
                  "greetings and repetition. Answer with the summary only.")


def check_beta(data: dict[str, Any]) -> None:
    """The beta flavour (``?beta=true``) of a create, input_tokens or compact body. Its shapes (``Beta*`` in
    the spec) differ from the GA ones only by multi-agent execution: a ``multi_agent`` parameter, items
    tagged with the ``agent`` that made them, and the ``agent_message``, ``multi_agent_call`` and
    ``multi_agent_call_output`` item types. This server runs one agent per response: ``multi_agent`` with
    ``enabled: false`` is accepted (and dropped), everything else of it is refused by name."""
    multi = data.pop("multi_agent", None)
    if multi is not None:
        if not isinstance(multi, dict) or not isinstance(multi.get("enabled"), bool):
            raise InvalidRequest("Invalid 'multi_agent': expected an object with a boolean 'enabled'.",
                                 param="multi_agent", code="invalid_type")
        if multi["enabled"]:
            raise InvalidRequest("Multi-agent execution is not supported by this server (one agent runs each "
                                 "response).", param="multi_agent.enabled", code="unsupported_parameter")
    items = data.get("input")
    for i, item in enumerate(items if isinstance(items, list) else []):
        if not isinstance(item, dict):
            continue
        if item.get("type") in MULTI_AGENT_ITEMS:
            raise InvalidRequest(f"'{item['type']}' items belong to multi-agent responses, which this server does "
                                 "not run.", param=f"input[{i}].type", code="unsupported_parameter")
        if "agent" in item:
            raise InvalidRequest("Items tagged with an 'agent' belong to multi-agent responses, which this server "
                                 "does not run.", param=f"input[{i}].agent", code="unsupported_parameter")


def check_body(data: dict[str, Any]) -> None:
    """What a create (or input_tokens) body names that the server does not do, refused before the body is
    validated: tools of other types (``unsupported_tool``), and parameters it does not support."""
    tools = data.get("tools")
    if isinstance(tools, list):
        for i, tool in enumerate(tools):
            kind = tool.get("type") if isinstance(tool, dict) else None
            if isinstance(kind, str) and kind not in SUPPORTED_TOOLS:
                raise InvalidRequest(
                    f"The {kind} tool is not supported by this server (tools it runs: "
                    f"{', '.join(SUPPORTED_TOOLS)}).", param=f"tools[{i}]", code="unsupported_tool")
    for i, tool in enumerate(tools if isinstance(tools, list) else []):
        if isinstance(tool, dict) and tool.get("type") == "mcp":
            _check_mcp(tool, f"tools[{i}]")
    for name in UNSUPPORTED_PARAMETERS:
        if data.get(name) is not None:
            raise InvalidRequest(f"'{name}' is not supported by this server.", param=name,
                                 code="unsupported_parameter")
    if isinstance(data.get("top_logprobs"), int) and data["top_logprobs"] > 0:
        raise InvalidRequest("'top_logprobs' is not supported by this server (no provider here returns "
                             "log probabilities).", param="top_logprobs", code="unsupported_parameter")


#: Parameters of an mcp tool for OpenAI's own hosted services (connectors, tunnels, deferred loading).
MCP_HOSTED = {"connector_id": "OpenAI's hosted connectors are not available here: give the MCP server's own "
                              "'server_url'.",
              "authorization": "OAuth tokens for OpenAI's hosted connectors are not supported: send what the MCP "
                               "server needs in 'headers' (e.g. {\"Authorization\": \"Bearer ...\"}).",
              "tunnel_id": "OpenAI's Secure MCP Tunnels are not available here: give the MCP server's 'server_url'.",
              "allowed_callers": "'allowed_callers' is not supported by this server.",
              "defer_loading": "Deferred loading (tool search) is not supported by this server."}


def _check_mcp(tool: dict[str, Any], where: str) -> None:
    for name, why in MCP_HOSTED.items():
        if tool.get(name) is not None and not (name == "defer_loading" and tool[name] is False):
            raise InvalidRequest(why, param=f"{where}.{name}", code="unsupported_parameter")


@dataclasses.dataclass
class ResponseLaunch:
    """A response just created: its body as stored, its opening events (numbered), how to start it."""

    run: dict[str, Any]
    prelude: list[dict[str, Any]]
    launch: Launch
    events: ResponseEvents


class ResponseService:
    def __init__(self, db: Database, engine: RunEngine, tools: ServerTools, event_log: EventLog,
                 containers: ContainerService, file_texts: FileTexts, *, flush_seconds: float = 0.25,
                 keepalive_seconds: float = 15.0) -> None:
        self.db = db
        self.file_texts = file_texts
        self.containers = containers
        self.engine = engine
        self.tools = tools
        self.log = event_log
        self.flush_seconds = flush_seconds
        self.keepalive_seconds = keepalive_seconds

    # ------------------------------------------------------------ create

    def create(self, project: str, params: ResponseCreateParams) -> ResponseLaunch:
        given = params.given()
        store = params.store is not False
        background = bool(params.background)
        if background and not store:
            raise InvalidRequest("Background responses must be stored: background=true needs store=true.",
                                 param="background", code="invalid_value")
        if params.conversation is not None and params.previous_response_id is not None:
            raise InvalidRequest("Use either 'previous_response_id' or 'conversation', not both.",
                                 param="previous_response_id", code="invalid_value")
        if params.conversation is not None and not store:
            raise InvalidRequest("A response in a conversation is stored: 'conversation' needs store=true.",
                                 param="store", code="invalid_value")
        if not params.model:
            raise InvalidRequest("Missing required parameter: 'model'.", param="model",
                                 code="missing_required_parameter")
        items = normalize_input(params.input)
        self.file_texts.attach(project, items)
        container, made = self._container(project, params, given.get("tools") or [])
        with self.engine.starting() as start:
            s = start.session
            engine_tools, shown_tools, resources = self._tools(s, project, given.get("tools") or [], container)
            choice, engine_choice = self._tool_choice(given.get("tool_choice"), shown_tools)
            thread_id, conversation, fresh = self._thread(s, project, params, store)
            if made and container is not None:
                self.containers.bind(s, container, thread_id)
            items = self._resolve(s, project, items)
            if any(item["type"] == "function_call_output" for item in items):  # else no thread read is needed
                check_call_outputs(items, self._call_ids(s, thread_id))
            if any(item["type"] == "mcp_approval_response" for item in items):
                check_approvals(items, thread_items(s, thread_id),
                                {t["server_label"] for t in shown_tools if t["type"] == "mcp"})
            run = run_body(
                thread_id, self.engine.expiry_seconds, assistant_id=None, model=params.model,
                instructions=params.instructions or "", tools=engine_tools, metadata=given.get("metadata") or {},
                temperature=params.temperature, top_p=params.top_p,
                max_completion_tokens=params.max_output_tokens, max_prompt_tokens=None,
                truncation_strategy={"type": "auto", "last_messages": None},
                response_format=_response_format(given.get("text")), tool_choice=engine_choice,
                parallel_tool_calls=params.parallel_tool_calls is not False, reasoning_effort=None)
            run["id"] = new_id("resp_")
            run.update(RESPONSE_FLAGS)
            run["_response"] = {
                "tools": shown_tools, "tool_choice": choice,
                "text": {"format": {"type": "text"}, **(given.get("text") or {})},
                "reasoning": {"effort": None, "summary": None, **{k: v for k, v in (given.get("reasoning") or {}).items()
                                                                  if k in ("effort", "summary")}},
                "truncation": params.truncation or "disabled", "max_output_tokens": params.max_output_tokens,
                "max_tool_calls": params.max_tool_calls, "previous_response_id": params.previous_response_id,
                "conversation": conversation, "store": store, "background": background, "user": params.user,
                "safety_identifier": params.safety_identifier, "prompt_cache_key": params.prompt_cache_key,
                "prompt_cache_retention": params.prompt_cache_retention, "include": list(params.include or []),
            }
            rows = [insert_item(s, thread_id, stored_from_input(item, thread_id), input_of=run["id"]) for item in items]
            s.flush()
            # the input just written is the thread's newest (the thread is new, or locked by _thread)
            run["_after_seq"] = max(row.seq for row in rows) if rows else last_seq(s, thread_id)
            events = ResponseEvents(
                ResponseTranslator(background=background, include=params.include or (), container=container),
                self.log, run["id"],
                kept=store, flush_seconds=self.flush_seconds,
                on_end=None if store else (lambda: self._forget(run["id"], thread_id)))
            self.engine.translators[run["id"]] = events
            try:
                # a new thread holds only this input: its history is known without reading it back
                launch = start.new(run, [], stream=bool(params.stream) and not background, tool_resources=resources,
                                   history=[row.body for row in rows] if fresh else None)
                prelude = events.prelude(launch.prelude)
                if store:
                    s.execute(insert(ResponseEventRow), [
                        {"response_id": run["id"], "seq": e["sequence_number"], "type": e["type"],
                         "created_at": now(), "data": e} for e in prelude])
            except BaseException:
                self.engine.translators.pop(run["id"], None)
                raise
        if launch.queue is not None:  # streams read the response's events through :func:`follow`
            self.engine.bus.unsubscribe(run["id"], launch.queue)
            launch = dataclasses.replace(launch, queue=None)
        return ResponseLaunch(launch.run, prelude, launch, events)

    def start(self, created: ResponseLaunch) -> None:
        """Drive a response created queued (a streamed one is driven already)."""
        if created.launch.started is None:
            self.engine.kick(created.run["id"])

    def stream(self, created: ResponseLaunch) -> AsyncIterator[Optional[StreamEvent]]:
        """A new response's events, from its first; it is driven from now on."""
        events = self.follow(created.run["id"], -1)
        self.start(created)
        return events

    async def finished(self, created: ResponseLaunch, project: str) -> dict[str, Any]:
        """Wait until a new response ends (driving it), and return it as its last event shows it (a
        ``store: false`` one is gone from the store by then)."""
        last: Optional[dict[str, Any]] = None
        async for item in self.stream(created):
            if item is not None and item[0] in FINAL_EVENTS and "response" in item[1]:
                last = item[1]["response"]
        if last is not None:
            return last
        return await _off_loop(self.get, project, created.run["id"], created.run["_response"]["include"],
                               stored_only=False)

    def follow(self, response_id: str, after: int) -> AsyncIterator[Optional[StreamEvent]]:
        return follow(response_id, after, driven=self.engine.translators.get, subscribe=self.engine.bus.subscribe,
                      unsubscribe=self.engine.bus.unsubscribe, event_log=self.log, at_rest=self._at_rest,
                      keepalive_seconds=self.keepalive_seconds, poll_seconds=self.flush_seconds)

    async def _at_rest(self, response_id: str) -> Optional[StreamEvent]:
        run = await _off_loop(self._find_run, response_id)
        if run is None:
            return "error", {"type": "error", "code": "response_deleted", "param": None,
                             "message": f"Response '{response_id}' was deleted."}
        if run["status"] not in TERMINAL and run["status"] != "cancelling":
            return None
        if run["status"] in ("cancelled", "cancelling"):
            return END, {}
        kind = {"completed": "response.completed", "incomplete": "response.incomplete"}.get(run["status"],
                                                                                             "response.failed")
        output = await _off_loop(self._output, run)
        return kind, {"type": kind, "response": render_response(run, output)}

    def _find_run(self, response_id: str) -> Optional[dict[str, Any]]:
        with self.db.session() as s:
            return s.scalar(select(RunRow.body).where(RunRow.id == response_id))

    def _output(self, run: dict[str, Any], include: Iterable[str] = ()) -> list[dict[str, Any]]:
        with self.db.session() as s:
            return [wire_item(item, include) for item in run_output(s, run)]

    # ------------------------------------------------------------ create: the pieces

    def _container(self, project: str, params: ResponseCreateParams, tools: list[dict[str, Any]]
                   ) -> tuple[Optional[str], bool]:
        """The container the response's ``code_interpreter`` tool runs in (``None``: it has none), and
        whether it is an auto container made now (it then serves the response's thread)."""
        found = [(i, tool) for i, tool in enumerate(tools) if tool["type"] == "code_interpreter"]
        if not found:
            return None, False
        if len(found) > 1:
            raise InvalidRequest("Only one code_interpreter tool is supported.", param=f"tools[{found[1][0]}]",
                                 code="invalid_value")
        if self.tools.unsupported([{"type": "code_interpreter"}]):
            raise InvalidRequest("The code_interpreter tool is turned off on this server.",
                                 param=f"tools[{found[0][0]}]", code="unsupported_tool")
        i, tool = found[0]
        return self.containers.for_tool(project, tool["container"], f"tools[{i}].container",
                                        self._context_threads(project, params))

    def _context_threads(self, project: str, params: ResponseCreateParams) -> list[str]:
        """The threads a response continues (its conversation's, or its previous response's and the ones
        that one forks from), newest first; none for a new chain, or when the one named is not found
        (creating the response then says so)."""
        with self.db.session() as s:
            try:
                if params.conversation is not None:
                    conversation = params.conversation if isinstance(params.conversation, str) \
                        else params.conversation.id
                    return [self._conversation(s, project, conversation).id]
                if params.previous_response_id is not None:
                    previous = self._response_row(s, project, params.previous_response_id, "previous_response_id")
                    return [thread_id for thread_id, _ in lineage(s, previous.thread_id)]
            except NotFound:
                pass
        return []

    def _tools(self, s: Session, project: str, tools: list[dict[str, Any]], container: Optional[str] = None
               ) -> tuple[list[dict[str, Any]], list[dict[str, Any]], Optional[dict[str, Any]]]:
        """(the engine's tools, the tools as the response shows them, the run's own tool_resources);
        ``container``: where its code_interpreter runs."""
        engine_tools: list[dict[str, Any]] = []
        shown: list[dict[str, Any]] = []
        stores: list[str] = []
        names: set[str] = set()
        for i, tool in enumerate(tools):
            if tool["type"] == "function":
                if tool["name"] in names:
                    raise InvalidRequest(f"Duplicate function name '{tool['name']}'.", param=f"tools[{i}].name",
                                         code="invalid_value")
                names.add(tool["name"])
                fn = {"name": tool["name"], "description": tool.get("description"),
                      "parameters": tool.get("parameters"), "strict": tool.get("strict", True) is not False}
                engine_tools.append({"type": "function", "function": {k: v for k, v in fn.items() if v is not None}})
                shown.append({"type": "function", **fn})
                continue
            if tool["type"] == "code_interpreter":
                engine_tools.append({"type": "code_interpreter", "code_interpreter": {"container_id": container}})
                shown.append({"type": "code_interpreter", "container": tool["container"]})
                continue
            if tool["type"] == "mcp":
                engine, seen = self._mcp(tool, i, shown)
                engine_tools.append(engine)
                shown.append(seen)
                continue
            if any(t["type"] == "file_search" for t in shown):
                raise InvalidRequest("Only one file_search tool is supported.", param=f"tools[{i}]",
                                     code="invalid_value")
            if tool.get("filters") is not None:
                raise InvalidRequest("'filters' of the file_search tool is not supported by this server.",
                                     param=f"tools[{i}].filters", code="unsupported_parameter")
            for j, store_id in enumerate(tool["vector_store_ids"]):
                load(s, VectorStoreRow, store_id, "vector store", owned(VectorStoreRow, project),
                     param=f"tools[{i}].vector_store_ids[{j}]")
            stores = list(tool["vector_store_ids"])
            ranking = {"ranker": "auto", "score_threshold": 0.0, **(tool.get("ranking_options") or {})}
            limit = tool.get("max_num_results") or DEFAULT_MAX_RESULTS
            engine_tools.append({"type": "file_search", "file_search": {"max_num_results": limit,
                                                                        "ranking_options": ranking}})
            shown.append({"type": "file_search", "vector_store_ids": stores, "max_num_results": limit,
                          "ranking_options": ranking, "filters": None})
        unavailable = self.tools.unavailable(engine_tools)
        if unavailable:
            raise InvalidRequest(" ".join(unavailable), param="tools", code="unsupported_tool")
        resources = {"file_search": {"vector_store_ids": stores}} if stores else None
        return engine_tools, shown, resources

    def _mcp(self, tool: dict[str, Any], i: int, shown: list[dict[str, Any]]) -> tuple[dict[str, Any], dict[str, Any]]:
        """An mcp tool as the engine runs it and as the response shows it (its ``headers`` never shown)."""
        label = tool["server_label"]
        if any(t["type"] == "mcp" and t["server_label"] == label for t in shown):
            raise InvalidRequest(f"Duplicate MCP server_label '{label}'.", param=f"tools[{i}].server_label",
                                 code="invalid_value")
        refusal = self.tools.refusal("mcp", tool["server_url"])
        if refusal:
            raise InvalidRequest(refusal, param=f"tools[{i}].server_url", code="mcp_server_not_allowed")
        config = {k: tool.get(k) for k in ("server_label", "server_url", "headers", "allowed_tools",
                                           "require_approval", "server_description")}
        return {"type": "mcp", "mcp": config}, {"type": "mcp", **config, "headers": None}

    @staticmethod
    def _tool_choice(choice: Any, tools: list[dict[str, Any]]) -> tuple[Any, Any]:
        """(as the response shows it, as the engine takes it)."""
        if choice is None:
            return "auto", "auto"
        if isinstance(choice, str):
            if choice == "required" and not tools:
                raise InvalidRequest("tool_choice 'required' needs at least one tool.", param="tool_choice",
                                     code="invalid_value")
            return choice, choice
        if choice["type"] == "function":
            if not any(t["type"] == "function" and t["name"] == choice["name"] for t in tools):
                raise InvalidRequest(f"Tool choice '{choice['name']}' is not one of the tools.",
                                     param="tool_choice.name", code="invalid_value")
            return choice, {"type": "function", "function": {"name": choice["name"]}}
        if not any(t["type"] == choice["type"] for t in tools):
            raise InvalidRequest(f"Tool choice '{choice['type']}' is not one of the tools.",
                                 param="tool_choice.type", code="invalid_value")
        return choice, {"type": choice["type"]}

    def _thread(self, s: Session, project: str, params: ResponseCreateParams, store: bool
                ) -> tuple[str, Optional[str], bool]:
        """The thread the response runs on (locked: one active response or run per thread), its
        conversation id when it continues one, and whether the thread is new and forks from none (so
        it holds nothing yet)."""
        if params.conversation is not None:
            conversation = params.conversation if isinstance(params.conversation, str) else params.conversation.id
            row = self._conversation(s, project, conversation)
            busy = active_run_id(s, row.id)
            if busy:
                raise InvalidRequest(f"Conversation {conversation} has an active response or run {busy}; wait for "
                                     "it to end.", param="conversation", code="conversation_in_use")
            return row.id, conversation, False
        if params.previous_response_id is None:
            return self._new_thread(s, project, None, None), None, True
        previous = self._response_row(s, project, params.previous_response_id, "previous_response_id",
                                      kept_only=True)
        if previous.status not in TERMINAL:
            raise InvalidRequest(f"Previous response {previous.id} is still in progress; wait for it to end "
                                 "(or cancel it).", param="previous_response_id", code="invalid_value")
        thread = s.scalar(select(ThreadRow).where(ThreadRow.id == previous.thread_id))
        assert thread is not None
        newest = s.scalar(select(RunRow.id).where(RunRow.thread_id == thread.id).order_by(RunRow.seq.desc()).limit(1))
        if store and thread.kind == "chain" and newest == previous.id and not active_run_id(s, thread.id):
            return thread.id, None, False
        mark = max(previous.body.get("_after_seq", 0), s.scalar(
            select(func.max(MessageRow.seq)).where(MessageRow.run_id == previous.id)) or 0)
        if depth(s, thread.id) >= MAX_FORK_DEPTH:
            raise InvalidRequest(f"This chain of responses branches more than {MAX_FORK_DEPTH} times deep; start "
                                 "a new one (or a conversation).", param="previous_response_id",
                                 code="invalid_value")
        return self._new_thread(s, project, thread.id, mark), None, False

    @staticmethod
    def _new_thread(s: Session, project: str, parent: Optional[str], fork_seq: Optional[int]) -> str:
        body = {"id": new_id("thread_"), "object": "thread", "created_at": now(), "tool_resources": {},
                "metadata": {}}
        s.execute(insert(ThreadRow).values(id=body["id"], project_id=project, created_at=body["created_at"], body=body,
                                           kind="chain", parent_id=parent, fork_seq=fork_seq))
        return body["id"]

    @staticmethod
    def _conversation(s: Session, project: str, conversation: str) -> ThreadRow:
        row = s.scalar(select(ThreadRow).where(ThreadRow.id == conversation, owned(ThreadRow, project),
                                               ThreadRow.kind.in_(("thread", "conversation"))))
        if row is None:
            raise NotFound(f"Conversation with id '{conversation}' not found.", param="conversation")
        return row

    def _resolve(self, s: Session, project: str, items: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Input items with each ``item_reference`` replaced by the item it names (of this project)."""
        out = []
        for i, item in enumerate(items):
            if item["type"] != "item_reference":
                out.append(item)
                continue
            body = s.scalar(select(MessageRow.body).join(ThreadRow, ThreadRow.id == MessageRow.thread_id)
                            .where(MessageRow.id == item["id"], owned(ThreadRow, project)))
            if body is None:
                raise InvalidRequest(f"Item with id '{item['id']}' not found.", param=f"input[{i}].id",
                                     code="invalid_value")
            wire = wire_item(body)
            wire.pop("id", None)
            resolved = normalize_input([{k: v for k, v in wire.items() if v is not None}], f"input[{i}]")
            if resolved[0]["type"] == "message":  # the files' text the named message was stored with
                texts = [p.get("_text") for p in message_content(body) if p.get("type") == "input_file"]
                for part, text in zip((p for p in resolved[0]["content"] if p["type"] == "input_file"), texts):
                    if text is not None:
                        part["_text"] = text
            out.extend(resolved)
        return out

    @staticmethod
    def _call_ids(s: Session, thread_id: str) -> set[str]:
        return {i["call_id"] for i in thread_items(s, thread_id) if i.get("type") == "function_call"}

    def _response_row(self, s: Session, project: str, response_id: str, param: Optional[str] = None, *,
                      kept_only: bool = True, for_update: bool = False) -> RunRow:
        stmt = select(RunRow).join(ThreadRow, ThreadRow.id == RunRow.thread_id).where(
            RunRow.id == response_id, RunRow.kind == "response", owned(ThreadRow, project))
        if for_update:
            stmt = stmt.with_for_update(of=RunRow)
        row = s.scalar(stmt)
        if row is None or (kept_only and row.body.get("_response", {}).get("store") is False):
            message = (f"Previous response with id '{response_id}' not found." if param
                       else f"Response with id '{response_id}' not found.")
            raise NotFound(message, param=param)
        return row

    # ------------------------------------------------------------ compact

    async def compact(self, project: str, params: CompactParams) -> dict[str, Any]:
        """The context (``previous_response_id``'s items, then ``input``) as its user messages and one
        compaction item: the model's summary of it, written by a response of the run engine that is not
        kept (``store: false``), asked with :data:`COMPACT_PROMPT` after the context."""
        if params.image is not None:
            raise InvalidRequest("'image' is not supported by this server.", param="image",
                                 code="unsupported_parameter")
        if not params.model:
            raise InvalidRequest("Missing required parameter: 'model'.", param="model",
                                 code="missing_required_parameter")
        given = normalize_input(params.input)  # checked here, so errors name the compact request's params
        sent = [{"role": "user", "content": params.input}] if isinstance(params.input, str) else list(params.input or [])
        request = ResponseCreateParams.model_validate({
            "model": params.model, "instructions": params.instructions, "store": False,
            "previous_response_id": params.previous_response_id, "prompt_cache_key": params.prompt_cache_key,
            "input": sent + [{"role": "user", "content": COMPACT_PROMPT}]})
        kept = await _off_loop(self._user_messages, project, params.previous_response_id, given)
        created = await _off_loop(self.create, project, request)
        done = await self.finished(created, project)
        if done["status"] != "completed":
            error = done.get("error") or {}
            raise APIError(f"The model could not compact this context ({done['status']}): "
                           f"{error.get('message') or (done.get('incomplete_details') or {}).get('reason')}",
                           code=error.get("code") or "compaction_failed")
        summary = "".join(part.get("text", "") for item in done["output"] if item["type"] == "message"
                          for part in item["content"] if part["type"] == "output_text")
        compaction = {"type": "compaction", "id": new_id("cmp_"), "encrypted_content": compaction_content(summary),
                      "created_by": None}
        return {"id": done["id"], "object": "response.compaction", "created_at": done["created_at"],
                "output": kept + [compaction], "usage": done["usage"]}

    def _user_messages(self, project: str, previous: Optional[str], items: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """The user messages of a context: ``previous``'s line of items, then ``items`` (references resolved),
        as items (those sent without a stored id get a new one)."""
        with self.db.session() as s:
            history: list[dict[str, Any]] = []
            if previous is not None:
                row = self._response_row(s, project, previous, "previous_response_id")
                history = [wire_item(i) for i in thread_items(s, row.thread_id)]
            items = self._resolve(s, project, items)
        fresh = [wire_item(stored_from_input(i, "")) for i in items]
        return [i for i in history + fresh if i["type"] == "message" and i["role"] == "user"]

    # ------------------------------------------------------------ reads and changes

    def get(self, project: str, response_id: str, include: Iterable[str] = (), *,
            stored_only: bool = True) -> dict[str, Any]:
        with self.db.session() as s:
            run = self._response_row(s, project, response_id, kept_only=stored_only).body
            output = [wire_item(item, include or run["_response"].get("include") or ())
                      for item in run_output(s, run)]
        return render_response(run, output)

    def check(self, project: str, response_id: str) -> None:
        """404 unless ``response_id`` is a stored response of ``project``."""
        with self.db.session() as s:
            self._response_row(s, project, response_id)

    def delete(self, project: str, response_id: str) -> dict[str, Any]:
        with self.db.session() as s:
            row = self._response_row(s, project, response_id)
            if row.status not in TERMINAL:
                self.engine.request_stop(response_id)
            self._delete(s, row.id, row.thread_id)
        return {"id": response_id, "object": "response", "deleted": True}

    @staticmethod
    def _delete(s: Session, response_id: str, thread_id: str) -> None:
        """A response's run (its steps and events go with it) and, in a chain thread, its items; a chain
        thread left with no response and no fork is deleted too."""
        thread = s.scalar(select(ThreadRow).where(ThreadRow.id == thread_id))
        if thread is not None and thread.kind == "chain":
            s.execute(delete(MessageRow).where(MessageRow.thread_id == thread_id,
                                               (MessageRow.run_id == response_id) | (MessageRow.input_of == response_id)))
        s.execute(delete(ResponseEventRow).where(ResponseEventRow.response_id == response_id))
        s.execute(delete(RunStepRow).where(RunStepRow.run_id == response_id))
        s.execute(delete(RunRow).where(RunRow.id == response_id))
        if thread is not None and thread.kind == "chain":
            rest = s.scalar(select(func.count()).select_from(RunRow).where(RunRow.thread_id == thread_id))
            forks = s.scalar(select(func.count()).select_from(ThreadRow).where(ThreadRow.parent_id == thread_id))
            if not rest and not forks:
                s.execute(delete(MessageRow).where(MessageRow.thread_id == thread_id))
                s.delete(thread)

    def _forget(self, response_id: str, thread_id: str) -> None:
        """A ``store: false`` response that ended: nothing of it is kept."""
        with self.db.session() as s:
            self._delete(s, response_id, thread_id)

    def cancel(self, project: str, response_id: str) -> dict[str, Any]:
        self._cancel(project, response_id, background_only=True)
        return self.get(project, response_id)

    def stop(self, project: str, response_id: str) -> None:
        """Cancel a response whose stream's client went away for good (a WebSocket that closed), if it still
        runs; whether it was created in the background or not."""
        try:
            self._cancel(project, response_id, background_only=False)
        except APIError:  # it ended (or was deleted) meanwhile: nothing to stop
            pass

    def _cancel(self, project: str, response_id: str, *, background_only: bool) -> None:
        with self.db.session() as s:
            row = self._response_row(s, project, response_id, kept_only=background_only, for_update=True)
            if background_only and not row.body["_response"].get("background"):
                raise InvalidRequest("Only responses created with background=true can be cancelled.",
                                     code="invalid_value")
            if row.status in ("cancelled", "cancelling"):
                body = row.body
            else:
                try:
                    body = transition(s, response_id, "cancelling")
                except TransitionRefused as refused:
                    raise InvalidRequest(f"Cannot cancel a response with status '{refused.current}'.",
                                         code="invalid_value") from None
        if body["status"] == "cancelling":
            self.engine.request_cancel(body)

    def input_items(self, project: str, response_id: str, page: PageQuery, include: Iterable[str] = ()) -> dict[str, Any]:
        with self.db.session() as s:
            self._response_row(s, project, response_id)
            return list_page(s, MessageRow, page, group=(MessageRow.input_of, response_id),
                             render=lambda row: wire_item(row.body, include))

    def input_tokens(self, project: str, params: InputTokensParams) -> dict[str, Any]:
        """The tokens the model would read for this request (nothing is stored)."""
        given = params.given()
        items = normalize_input(params.input)
        self.file_texts.attach(project, items)
        with self.db.session() as s:
            engine_tools, shown, _ = self._tools(s, project, given.get("tools") or [])
            history: list[dict[str, Any]] = []
            if params.conversation is not None:
                conversation = params.conversation if isinstance(params.conversation, str) else params.conversation.id
                history = thread_items(s, self._conversation(s, project, conversation).id)
            elif params.previous_response_id is not None:
                previous = self._response_row(s, project, params.previous_response_id, "previous_response_id")
                history = [i for i in thread_items(s, previous.thread_id)]
            items = self._resolve(s, project, items)
        bodies = history + [stored_from_input(i, "") for i in items]
        system = [{"role": "system", "content": params.instructions}] if params.instructions else []
        request = ChatRequest(model=params.model or "", messages=system + items_to_chat(bodies, self.tools.replay),
                              tools=self.tools.definitions(engine_tools))
        return {"object": "response.input_tokens", "input_tokens": self.engine.provider.count_tokens(request)}


def _response_format(text: Optional[dict[str, Any]]) -> Any:
    """``text.format`` as the engine's ``response_format``."""
    fmt = (text or {}).get("format") or {"type": "text"}
    if fmt["type"] == "json_schema":
        schema = {"name": fmt["name"], "schema": fmt["schema"]}
        schema.update({k: fmt[k] for k in ("description", "strict") if fmt.get(k) is not None})
        return {"type": "json_schema", "json_schema": schema}
    if fmt["type"] == "json_object":
        return {"type": "json_object"}
    return "auto"


async def _off_loop(fn: Any, *args: Any, **kwargs: Any) -> Any:
    return await asyncio.to_thread(fn, *args, **kwargs)
