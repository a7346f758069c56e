"""The services an app holds, built once from settings. Nothing global."""

from __future__ import annotations

import functools
import logging
import threading
from dataclasses import dataclass, field
from typing import Any, Awaitable, Callable, Optional

from ..blobs import BlobStore, build_blob_store
from ..chatkit import ChatKitServices
from ..providers.factory import build_provider, embedded, passage_tokens
from ..retrieval.embed import build_embedder, build_tokenizer
from ..retrieval.store_index import StoreIndexes
from ..retrieval.ingest import IngestionWorker, Ingestor
from ..retrieval.search import HybridSearcher
from ..runs.engine import RunEngine
from ..runs.leases import replica_id
from ..runs.tools import ServerTools
from ..settings import Settings
from ..store import Database
from ..tools.code_interpreter import CodeInterpreterTool, SandboxPool
from ..tools.sandbox import BubblewrapLauncher, Limits, UnsafeLauncher
from .assistants import AssistantService
from .file_search import FileSearchTool
from .files import ExpirySweeper, FileService
from .messages import MessageService
from .models import ModelService
from .projects import KeyRing, ProjectService
from .realtime import RealtimeService
from .runs import RunService
from .threads import ThreadService
from .vector_stores import VectorStoreService

log = logging.getLogger("openbeta")


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
    #: The models that answer (``GET /v1/models``), from the same provider.
    models: ModelService
    #: ChatKit sessions, threads and the protocol server (``server/chatkit``).
    chatkit: Any = None
    #: Coroutines run when the app starts and stops (the run engine, ingestion workers ...).
    startup: list[Callable[[], Awaitable[Any]]] = field(default_factory=list)
    shutdown: list[Callable[[], Awaitable[Any]]] = field(default_factory=list)


def build_services(settings: Settings) -> Services:
    db = Database(settings.resolved_database_url())
    db.migrate()
    projects = ProjectService(db)
    keys = KeyRing.from_settings(db, projects, settings.api_keys, settings.admin_key)
    server_tools = ServerTools()
    replica = replica_id()
    engine = RunEngine(db, server_tools, lambda: build_provider(settings), settings.run_expiry_seconds,
                       settings.stream_keepalive_seconds, flush_seconds=settings.stream_flush_seconds,
                       lease_seconds=settings.lease_seconds, replica=replica, takeover=settings.run_takeover)
    blobs = build_blob_store(settings, db)
    tokenizer = build_tokenizer(settings)
    embedder = build_embedder(settings, tokenizer)
    dense = StoreIndexes(directory=settings.resolved_search_index_dir(), save_from=settings.search_index_save_from)
    files = FileService(db, blobs, settings.max_upload_bytes)
    vector_stores = VectorStoreService(db, HybridSearcher(embedder, dense), dense)
    files.on_delete.append(vector_stores.on_file_deleted)
    ingestion = IngestionWorker(Ingestor(db, blobs, tokenizer, embedder, dense, replica, settings.lease_seconds),
                                settings.ingestion_workers, poll_seconds=min(2.0, settings.lease_seconds / 2))
    vector_stores.notify = ingestion.notify
    server_tools.register(FileSearchTool(db, vector_stores, wake_ingestion=ingestion.notify,
                                         passage_tokens=passage_tokens(settings), cite_hint=not embedded(settings)))
    interpreter = code_interpreter(settings, db, server_tools, files, blobs)
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
        models=ModelService(lambda: engine.provider),
        startup=[engine.startup, ingestion.start, sweeper.start],
        shutdown=[ingestion.stop, sweeper.stop, engine.shutdown],
    )
    if interpreter is not None:
        sandboxes, tool = interpreter
        services.startup.append(sandboxes.start)
        services.startup.append(functools.partial(announce, tool))
        services.shutdown.append(sandboxes.stop)
        services.threads.on_delete.append(lambda session, thread_id: sandboxes.drop(thread_id))
    services.messages.guards.append(services.runs.refuse_while_active)
    services.threads.on_delete.append(services.runs.delete_for_thread)
    services.chatkit = ChatKitServices(db, services.threads, files)
    projects.on_revoke.append(services.realtime.forget)
    return services


async def announce(tool: CodeInterpreterTool) -> None:
    """Check bubblewrap in the background (start-up waits for nothing) and log the result."""
    threading.Thread(target=tool.announce, name="sandbox-check", daemon=True).start()


def code_interpreter(settings: Settings, db: Database, server_tools: ServerTools, files: FileService,
                     blobs: BlobStore) -> Optional[tuple[SandboxPool, CodeInterpreterTool]]:
    """Register the ``code_interpreter`` tool (unless it is ``off``)."""
    if settings.code_interpreter_sandbox == "off":
        return None
    limits = Limits(memory_bytes=settings.code_interpreter_memory_mb * 1024 * 1024,
                    processes=settings.code_interpreter_processes,
                    max_output_bytes=settings.code_interpreter_max_output_bytes,
                    disk_bytes=settings.code_interpreter_disk_mb * 1024 * 1024)
    if settings.code_interpreter_sandbox == "unsafe":
        launcher: Any = UnsafeLauncher()
        log.warning("code_interpreter runs code WITHOUT a sandbox (OPENBETA_CODE_INTERPRETER_SANDBOX=unsafe)")
    else:
        launcher = BubblewrapLauncher(limits)
    pool = SandboxPool(launcher, settings.resolved_sandbox_dir(), limits,
                       idle_seconds=settings.code_interpreter_idle_seconds,
                       uid_base=settings.code_interpreter_uid_base,
                       max_sandboxes=settings.code_interpreter_max_sandboxes)
    tool = CodeInterpreterTool(db, pool, read_blob=blobs.read, store_output=files.store_output,
                               timeout=settings.code_interpreter_timeout)
    server_tools.register(tool)
    return pool, tool
