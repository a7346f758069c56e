"""The services an app holds, built once from settings. Nothing global."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Awaitable, Callable

from ..blobs import LocalBlobStore
from ..providers.factory import build_provider
from ..retrieval.embed import build_embedder, build_tokenizer
from ..retrieval.index import DenseIndex
from ..retrieval.ingest import IngestionWorker, Ingestor
from ..retrieval.search import HybridSearcher
from ..runs.engine import RunEngine
from ..runs.tools import ServerTools
from ..settings import Settings
from ..store import Database
from .assistants import AssistantService
from .file_search import FileSearchTool
from .files import ExpirySweeper, FileService
from .messages import MessageService
from .projects import KeyRing, ProjectService
from .realtime import RealtimeService
from .runs import RunService
from .threads import ThreadService
from .vector_stores import VectorStoreService


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
    files: FileService
    vector_stores: VectorStoreService
    ingestion: IngestionWorker
    #: Projects and their stored keys (the admin API), and bearer key -> project.
    projects: ProjectService
    keys: KeyRing
    #: Realtime ephemeral keys and sessions.
    realtime: RealtimeService
    #: The model realtime responses use: the run engine's provider (built on first use).
    realtime_provider: Callable[[], Any]
    #: Coroutines run when the app starts and stops (the run engine, ingestion workers ...).
    startup: list[Callable[[], Awaitable[Any]]] = field(default_factory=list)
    shutdown: list[Callable[[], Awaitable[Any]]] = field(default_factory=list)


def build_services(settings: Settings) -> Services:
    db = Database(settings.resolved_database_url())
    db.migrate()
    projects = ProjectService(db)
    keys = KeyRing.from_settings(db, projects, settings.api_keys, settings.admin_key)
    server_tools = ServerTools()
    engine = RunEngine(db, server_tools, lambda: build_provider(settings), settings.run_expiry_seconds,
                       settings.stream_keepalive_seconds)
    blobs = LocalBlobStore(settings.resolved_files_dir())
    tokenizer = build_tokenizer(settings)
    embedder = build_embedder(settings, tokenizer)
    dense = DenseIndex()
    files = FileService(db, blobs, settings.max_upload_bytes)
    vector_stores = VectorStoreService(db, HybridSearcher(embedder, dense), dense)
    files.on_delete.append(vector_stores.on_file_deleted)
    ingestion = IngestionWorker(Ingestor(db, blobs, tokenizer, embedder, dense), settings.ingestion_workers)
    vector_stores.notify = ingestion.notify
    server_tools.register(FileSearchTool(db, vector_stores, wake_ingestion=ingestion.notify))
    sweeper = ExpirySweeper(files)
    services = Services(
        settings=settings,
        db=db,
        assistants=AssistantService(db),
        threads=ThreadService(db),
        messages=MessageService(db),
        runs=RunService(db, engine, server_tools),
        server_tools=server_tools,
        files=files,
        vector_stores=vector_stores,
        ingestion=ingestion,
        projects=projects,
        keys=keys,
        realtime=RealtimeService(db),
        realtime_provider=lambda: engine.provider,
        startup=[engine.startup, ingestion.start, sweeper.start],
        shutdown=[ingestion.stop, sweeper.stop, engine.shutdown],
    )
    services.messages.guards.append(services.runs.refuse_while_active)
    services.threads.on_delete.append(services.runs.delete_for_thread)
    return services
