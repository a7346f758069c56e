"""The services an app holds, built once from settings. Nothing global."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Awaitable, Callable

from ..settings import Settings
from ..store import Database
from .assistants import AssistantService
from .messages import MessageService
from .threads import ThreadService


@dataclass
class Services:
    settings: Settings
    db: Database
    assistants: AssistantService
    threads: ThreadService
    messages: MessageService
    #: Coroutines run when the app starts and stops (the run engine, ingestion workers ...).
    startup: list[Callable[[], Awaitable[Any]]] = field(default_factory=list)
    shutdown: list[Callable[[], Awaitable[Any]]] = field(default_factory=list)


def build_services(settings: Settings) -> Services:
    db = Database(settings.resolved_database_url())
    db.migrate()
    return Services(
        settings=settings,
        db=db,
        assistants=AssistantService(db),
        threads=ThreadService(db),
        messages=MessageService(db),
    )
