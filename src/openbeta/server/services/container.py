"""The services an app holds, built once from settings. Nothing global."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Awaitable, Callable

from ..providers.factory import build_provider
from ..runs.engine import RunEngine
from ..runs.tools import ServerTools
from ..settings import Settings
from ..store import Database
from .assistants import AssistantService
from .messages import MessageService
from .runs import RunService
from .threads import ThreadService


@dataclass
class Services:
    settings: Settings
    db: Database
    assistants: AssistantService
    threads: ThreadService
    messages: MessageService
    runs: RunService
    #: Server-side tools runs can use, by type (file_search ... register here).
    server_tools: ServerTools
    #: Coroutines run when the app starts and stops (the run engine, ingestion workers ...).
    startup: list[Callable[[], Awaitable[Any]]] = field(default_factory=list)
    shutdown: list[Callable[[], Awaitable[Any]]] = field(default_factory=list)


def build_services(settings: Settings) -> Services:
    db = Database(settings.resolved_database_url())
    db.migrate()
    server_tools = ServerTools()
    engine = RunEngine(db, server_tools, lambda: build_provider(settings), settings.run_expiry_seconds)
    services = Services(
        settings=settings,
        db=db,
        assistants=AssistantService(db),
        threads=ThreadService(db),
        messages=MessageService(db),
        runs=RunService(db, engine, server_tools),
        server_tools=server_tools,
        startup=[engine.startup],
        shutdown=[engine.shutdown],
    )
    services.messages.guards.append(services.runs.refuse_while_active)
    services.threads.on_delete.append(services.runs.delete_for_thread)
    return services
