"""The composition root: ``build_services(settings)`` builds every part of the server once, hands each
only what it uses, and connects the reactions across parts (the hooks declared in ``hooks.py``).
Nothing global; ``app.py`` serves what this builds.

Order, bottom up: the store and blobs; the provider handle (the model, built on first use); the tools
the engine calls; the run engine; the services over them; then the faces (realtime, ChatKit) over
the services (the Responses face among them). Every cross-part reaction is connected in :func:`connect`, in one place.
"""

from __future__ import annotations

import functools
import logging
import threading
from dataclasses import dataclass, field
from typing import Any, Awaitable, Callable, Optional

from .blobs import BlobStore, build_blob_store
from .chatkit import ChatKitServices
from .hooks import Hooks
from .providers.factory import build_provider, embedded, passage_tokens
from .providers.handle import ProviderHandle
from .realtime.connect import RealtimeFace
from .responses.log import EventLog
from .responses.service import ResponseService
from .realtime.secrets import RealtimeService
from .retrieval.embedders import build_embedder, build_tokenizer
from .retrieval.ingest import IngestionWorker, Ingestor
from .retrieval.search import HybridSearcher
from .retrieval.store_index import StoreIndexes
from .runs.engine import RunEngine
from .runs.leases import replica_id
from .services.assistants import AssistantService
from .services.containers import ContainerService
from .services.conversations import ConversationService
from .services.file_texts import FileTexts
from .services.files import ExpirySweeper, FileService
from .services.messages import MessageService
from .services.models import ModelService
from .services.projects import KeyRing, ProjectService
from .services.runs import RunService
from .services.threads import ThreadService
from .services.vector_stores import VectorStoreService
from .settings import Settings
from .store import Database
from .store.containers import ContainerStore
from .tools.code_interpreter import CodeInterpreterTool, SandboxPool
from .tools.file_search import FileSearchTool
from .tools.mcp import McpLimits, McpTool, parse_allowed
from .tools.registry import ServerTools
from .tools.sandbox import BubblewrapLauncher, Limits, UnsafeLauncher

log = logging.getLogger("openbeta")


@dataclass
class Services:
    """What an app holds: every part, built once (routes reach them by name, ``api/deps.py``'s ``service``)."""

    settings: Settings
    db: Database
    hooks: Hooks
    #: The model provider, shared by runs, realtime and ``GET /v1/models`` (built on first use).
    provider: ProviderHandle
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
    #: The realtime face: ephemeral keys and sessions over REST, and WebSocket sessions.
    realtime: RealtimeFace
    #: The models that answer (``GET /v1/models``), from the same provider.
    models: ModelService
    #: The ChatKit face: sessions, threads, uploads and the protocol server (``server/chatkit``).
    chatkit: ChatKitServices
    #: The Responses face (``server/responses``), and conversations (threads read as item lists).
    responses: ResponseService
    conversations: ConversationService
    #: Containers (``/v1/containers``): where a response's code_interpreter runs, and their files.
    containers: ContainerService
    #: The ``code_interpreter`` tool's sandboxes (``None`` when it is ``off``).
    sandboxes: Optional[SandboxPool] = None
    #: Coroutines run when the app starts and stops (the run engine, ingestion workers ...).
    startup: list[Callable[[], Awaitable[Any]]] = field(default_factory=list)
    shutdown: list[Callable[[], Awaitable[Any]]] = field(default_factory=list)


def build_services(settings: Settings) -> Services:
    db = Database(settings.resolved_database_url())
    db.migrate()
    hooks = Hooks()
    projects = ProjectService(db, hooks.key_revoked, hooks.project_archived)
    keys = KeyRing.from_settings(db, projects, settings.api_keys, settings.admin_key)
    server_tools = ServerTools()
    replica = replica_id()
    provider = ProviderHandle(functools.partial(build_provider, settings))
    engine = RunEngine(db, server_tools, provider, settings.run_expiry_seconds,
                       settings.stream_keepalive_seconds, flush_seconds=settings.stream_flush_seconds,
                       lease_seconds=settings.lease_seconds, replica=replica, takeover=settings.run_takeover)
    blobs = build_blob_store(settings, db)
    tokenizer = build_tokenizer(settings)
    embedder = build_embedder(settings, tokenizer)
    dense = StoreIndexes(directory=settings.resolved_search_index_dir(), save_from=settings.search_index_save_from)
    files = FileService(db, blobs, settings.max_upload_bytes, hooks.file_deleted)
    file_texts = FileTexts(files)
    vector_stores = VectorStoreService(db, HybridSearcher(embedder, dense), dense, hooks.files_queued)
    ingestion = IngestionWorker(Ingestor(db, blobs, tokenizer, embedder, dense, replica, settings.lease_seconds),
                                settings.ingestion_workers, poll_seconds=min(2.0, settings.lease_seconds / 2))
    server_tools.register(FileSearchTool(db, vector_stores, wake_ingestion=ingestion.notify,
                                         passage_tokens=passage_tokens(settings), cite_hint=not embedded(settings)))
    server_tools.register(McpTool(McpLimits(
        allowed_urls=parse_allowed(settings.mcp_allowed_urls), connect_timeout=settings.mcp_connect_timeout,
        list_timeout=settings.mcp_list_timeout, call_timeout=settings.mcp_call_timeout,
        max_tools=settings.mcp_max_tools, max_output_chars=settings.mcp_max_output_chars,
        max_response_bytes=settings.mcp_max_response_bytes)))
    container_store = ContainerStore(db, blobs, max_files=settings.container_max_files,
                                     max_bytes=settings.container_max_bytes, max_upload=settings.max_upload_bytes,
                                     ended=hooks.container_ended)
    interpreter = code_interpreter(settings, db, server_tools, files, blobs, container_store)
    sweeper = ExpirySweeper(files, also=[container_store.sweep])
    containers = ContainerService(db, container_store, blobs, max_memory_mb=settings.code_interpreter_memory_mb)
    threads = ThreadService(db, hooks.thread_deleted)
    runs = RunService(db, engine, server_tools)
    services = Services(
        settings=settings,
        db=db,
        hooks=hooks,
        provider=provider,
        assistants=AssistantService(db),
        threads=threads,
        messages=MessageService(db, hooks.message_adding),
        runs=runs,
        server_tools=server_tools,
        files=files,
        vector_stores=vector_stores,
        ingestion=ingestion,
        projects=projects,
        keys=keys,
        realtime=RealtimeFace(RealtimeService(db), keys, provider, settings),
        models=ModelService(provider),
        chatkit=ChatKitServices(db, threads, files, runs, keys),
        responses=ResponseService(db, engine, server_tools, EventLog(db), containers, file_texts,
                                  flush_seconds=settings.stream_flush_seconds,
                                  keepalive_seconds=settings.stream_keepalive_seconds),
        conversations=ConversationService(db, threads, file_texts),
        containers=containers,
        startup=[engine.startup, ingestion.start, sweeper.start],
        shutdown=[provider.aclose, ingestion.stop, sweeper.stop, engine.shutdown],
    )
    if interpreter is not None:
        sandboxes, tool = interpreter
        services.sandboxes = sandboxes
        services.startup.append(sandboxes.start)
        services.startup.append(functools.partial(announce, tool))
        services.shutdown.append(sandboxes.stop)
    connect(services)
    return services


def connect(services: Services) -> None:
    """Every reaction across parts (see ``hooks.py`` for the list)."""
    hooks = services.hooks
    hooks.message_adding.connect(lambda e: services.runs.refuse_while_active(e.session, e.thread_id))
    if services.sandboxes is not None:
        sandboxes = services.sandboxes
        hooks.thread_deleted.connect(lambda e: sandboxes.drop(e.thread_id))
        hooks.container_ended.connect(lambda e: sandboxes.drop(e.container_id))
    hooks.thread_deleted.connect(lambda e: services.runs.delete_for_thread(e.session, e.thread_id))
    hooks.thread_deleted.connect(services.chatkit.threads.backing_thread_deleted)
    hooks.file_deleted.connect(lambda e: services.vector_stores.on_file_deleted(e.session, e.file_id))
    hooks.key_revoked.connect(lambda e: services.keys.forget(e.project_id, e.key_hashes))
    hooks.project_archived.connect(lambda e: services.keys.forget(e.project_id, None))
    hooks.project_archived.connect(services.realtime.secrets.project_archived)
    hooks.files_queued.connect(lambda e: services.ingestion.notify())


async def announce(tool: CodeInterpreterTool) -> None:
    """Check bubblewrap in the background (start-up waits for nothing) and log the result."""
    threading.Thread(target=tool.announce, name="sandbox-check", daemon=True).start()


def code_interpreter(settings: Settings, db: Database, server_tools: ServerTools, files: FileService,
                     blobs: BlobStore, containers: ContainerStore) -> Optional[tuple[SandboxPool, CodeInterpreterTool]]:
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
                               timeout=settings.code_interpreter_timeout, containers=containers)
    server_tools.register(tool)
    return pool, tool


__all__ = ["Services", "build_services", "connect"]
