"""The tables.

Each object table keeps a monotonic ``seq`` primary key (cursor pages order by
it, so objects sharing a ``created_at`` second never reorder), the public ``id``,
the columns that queries filter on, and ``body``: the object's wire fields as
one JSON document (``DocumentType``). Migrations in ``migrations/versions`` create exactly these.
"""

from __future__ import annotations

from typing import Any, Optional

from sqlalchemy import JSON, BigInteger, Double, ForeignKey, Index, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from ..ids import DEFAULT_PROJECT_ID

#: An object's wire body. Plain JSON on every database: it is stored and read
#: back whole, never queried inside, and PostgreSQL's JSONB would reject U+0000
#: in strings and reorder keys.
DocumentType = JSON()
SeqType = BigInteger().with_variant(Integer(), "sqlite")


class Base(DeclarativeBase):
    pass




def project_column() -> Any:
    """``project_id`` of a top-level object (assistant, thread, file, vector store; a realtime
    ephemeral key, a ChatKit session, thread or attachment).

    Objects under these (messages, runs, steps, vector store files, batches,
    chunks) belong to their parent's project and are only reached through it.
    """
    return mapped_column(String(64), nullable=False, server_default=DEFAULT_PROJECT_ID)


class AssistantRow(Base):
    __tablename__ = "assistants"
    seq: Mapped[int] = mapped_column(SeqType, primary_key=True, autoincrement=True)
    id: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    project_id: Mapped[str] = project_column()
    created_at: Mapped[int] = mapped_column(BigInteger, nullable=False)
    body: Mapped[dict[str, Any]] = mapped_column(DocumentType, nullable=False)

    __table_args__ = (Index("ix_assistants_project_seq", "project_id", "seq"),)


class ThreadRow(Base):
    __tablename__ = "threads"
    seq: Mapped[int] = mapped_column(SeqType, primary_key=True, autoincrement=True)
    id: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    project_id: Mapped[str] = project_column()
    created_at: Mapped[int] = mapped_column(BigInteger, nullable=False)
    body: Mapped[dict[str, Any]] = mapped_column(DocumentType, nullable=False)
    #: ``thread``, ``conversation``, or ``chain``: the hidden thread of responses linked by
    #: ``previous_response_id`` (migration ``responses``).
    kind: Mapped[str] = mapped_column(String(16), nullable=False, server_default="thread", default="thread")
    #: A fork: the thread it branches from, and the last of that thread's rows (by ``seq``) it sees.
    parent_id: Mapped[Optional[str]] = mapped_column(String(64), nullable=True)
    fork_seq: Mapped[Optional[int]] = mapped_column(BigInteger, nullable=True)

    __table_args__ = (Index("ix_threads_project_seq", "project_id", "seq"), Index("ix_threads_parent", "parent_id"))


class MessageRow(Base):
    __tablename__ = "messages"
    seq: Mapped[int] = mapped_column(SeqType, primary_key=True, autoincrement=True)
    id: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    thread_id: Mapped[str] = mapped_column(
        String(64), ForeignKey("threads.id", ondelete="CASCADE"), nullable=False
    )
    run_id: Mapped[Optional[str]] = mapped_column(String(64), nullable=True)
    created_at: Mapped[int] = mapped_column(BigInteger, nullable=False)
    body: Mapped[dict[str, Any]] = mapped_column(DocumentType, nullable=False)
    #: The item's type (``message``, ``function_call_output`` ...), a message's role (``NULL``: an
    #: Assistants message written before migration ``responses``, ``user`` or ``assistant``), and the
    #: response whose input the item was.
    type: Mapped[str] = mapped_column(String(32), nullable=False, server_default="message", default="message")
    role: Mapped[Optional[str]] = mapped_column(String(16), nullable=True)
    input_of: Mapped[Optional[str]] = mapped_column(String(64), nullable=True)

    __table_args__ = (
        Index("ix_messages_thread_seq", "thread_id", "seq"),
        Index("ix_messages_thread_run_seq", "thread_id", "run_id", "seq"),
        Index("ix_messages_input_of_seq", "input_of", "seq"),
    )


class RunRow(Base):
    __tablename__ = "runs"
    seq: Mapped[int] = mapped_column(SeqType, primary_key=True, autoincrement=True)
    id: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    thread_id: Mapped[str] = mapped_column(
        String(64), ForeignKey("threads.id", ondelete="CASCADE"), nullable=False
    )
    status: Mapped[str] = mapped_column(String(32), nullable=False)
    created_at: Mapped[int] = mapped_column(BigInteger, nullable=False)
    body: Mapped[dict[str, Any]] = mapped_column(DocumentType, nullable=False)
    #: The replica driving the run and until when its lease holds (migration ``scaleout``).
    owner: Mapped[Optional[str]] = mapped_column(String(128), nullable=True)
    lease_expires_at: Mapped[Optional[float]] = mapped_column(Double, nullable=True)
    #: The run's own ``tool_resources`` (create-thread-and-run's top level), over the assistant's;
    #: not part of the run object (migration ``run_tool_resources``).
    tool_resources: Mapped[Optional[dict[str, Any]]] = mapped_column(DocumentType, nullable=True)
    #: ``run`` (the Assistants API's) or ``response`` (migration ``responses``).
    kind: Mapped[str] = mapped_column(String(16), nullable=False, server_default="run", default="run")

    __table_args__ = (
        Index("ix_runs_thread_seq", "thread_id", "seq"),
        Index("ix_runs_status", "status"),
        Index("ix_runs_owner", "owner"),
    )


class ResponseEventRow(Base):
    """A response's stream events, numbered as sent (``seq`` = ``sequence_number``): its stream is
    replayed and resumed from these (migration ``responses``)."""

    __tablename__ = "response_events"
    response_id: Mapped[str] = mapped_column(String(64), ForeignKey("runs.id", ondelete="CASCADE"), primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    type: Mapped[str] = mapped_column(String(64), nullable=False)
    created_at: Mapped[int] = mapped_column(BigInteger, nullable=False)
    data: Mapped[dict[str, Any]] = mapped_column(DocumentType, nullable=False)


class RunStepRow(Base):
    __tablename__ = "run_steps"
    seq: Mapped[int] = mapped_column(SeqType, primary_key=True, autoincrement=True)
    id: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    run_id: Mapped[str] = mapped_column(
        String(64), ForeignKey("runs.id", ondelete="CASCADE"), nullable=False
    )
    thread_id: Mapped[str] = mapped_column(String(64), nullable=False)
    created_at: Mapped[int] = mapped_column(BigInteger, nullable=False)
    body: Mapped[dict[str, Any]] = mapped_column(DocumentType, nullable=False)

    __table_args__ = (Index("ix_run_steps_run_seq", "run_id", "seq"),)


# ---------------------------------------------------------------- containers

class ContainerRow(Base):
    """A code interpreter container (migration ``containers``): ``status`` ``running`` or ``expired``;
    ``expires_at`` = ``last_active_at`` + ``expires_after.minutes``; ``thread_id``: the thread an
    ``auto`` container serves."""

    __tablename__ = "containers"
    seq: Mapped[int] = mapped_column(SeqType, primary_key=True, autoincrement=True)
    id: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    project_id: Mapped[str] = project_column()
    thread_id: Mapped[Optional[str]] = mapped_column(String(64), nullable=True)
    name: Mapped[str] = mapped_column(String(256), nullable=False)
    status: Mapped[str] = mapped_column(String(16), nullable=False)
    created_at: Mapped[int] = mapped_column(BigInteger, nullable=False)
    expires_at: Mapped[int] = mapped_column(BigInteger, nullable=False)
    body: Mapped[dict[str, Any]] = mapped_column(DocumentType, nullable=False)

    __table_args__ = (Index("ix_containers_project_seq", "project_id", "seq"),
                      Index("ix_containers_status_expires", "status", "expires_at"),
                      Index("ix_containers_thread", "thread_id"))


class ContainerFileRow(Base):
    """A file of a container: its ``path`` under ``/mnt/data``; its bytes in the blob store under its id."""

    __tablename__ = "container_files"
    seq: Mapped[int] = mapped_column(SeqType, primary_key=True, autoincrement=True)
    id: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    container_id: Mapped[str] = mapped_column(String(64), ForeignKey("containers.id", ondelete="CASCADE"),
                                              nullable=False)
    path: Mapped[str] = mapped_column(String(1024), nullable=False)
    bytes: Mapped[int] = mapped_column(BigInteger, nullable=False)
    created_at: Mapped[int] = mapped_column(BigInteger, nullable=False)
    #: The stored file (``file-...``) it was copied from, if it was.
    origin: Mapped[Optional[str]] = mapped_column(String(64), nullable=True)
    body: Mapped[dict[str, Any]] = mapped_column(DocumentType, nullable=False)

    __table_args__ = (UniqueConstraint("container_id", "path", name="uq_container_files_path"),
                      Index("ix_container_files_container_seq", "container_id", "seq"))


# ---------------------------------------------------------------- files and vector stores

class FileRow(Base):
    __tablename__ = "files"
    seq: Mapped[int] = mapped_column(SeqType, primary_key=True, autoincrement=True)
    id: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    project_id: Mapped[str] = project_column()
    purpose: Mapped[str] = mapped_column(String(32), nullable=False)
    created_at: Mapped[int] = mapped_column(BigInteger, nullable=False)
    expires_at: Mapped[Optional[int]] = mapped_column(BigInteger, nullable=True)
    body: Mapped[dict[str, Any]] = mapped_column(DocumentType, nullable=False)

    __table_args__ = (Index("ix_files_purpose_seq", "purpose", "seq"),
                      Index("ix_files_project_seq", "project_id", "seq"))


class FileTextRow(Base):
    """A file's parsed text, kept once however many vector stores hold the file: its ``pieces`` are the
    ``file_text_pieces`` rows of ``source`` (the ingestion that wrote them), in ``position`` order.

    The row is written once every piece is (``store/texts.py``); pieces of a file without it, or of
    another source, are an ingestion's unfinished work.
    """

    __tablename__ = "file_texts"
    file_id: Mapped[str] = mapped_column(String(64), ForeignKey("files.id", ondelete="CASCADE"),
                                         primary_key=True)
    source: Mapped[str] = mapped_column(String(64), nullable=False)
    pieces: Mapped[int] = mapped_column(Integer, nullable=False)
    chars: Mapped[int] = mapped_column(BigInteger, nullable=False)
    #: The file's pages (a PDF's; 1 for other files); ``NULL``: not recorded (texts stored before).
    pages: Mapped[Optional[int]] = mapped_column(Integer, nullable=True)


class FileTextPieceRow(Base):
    """One piece of a file's parsed text (at most ``store.texts.PIECE_CHARS`` characters)."""

    __tablename__ = "file_text_pieces"
    file_id: Mapped[str] = mapped_column(String(64), ForeignKey("files.id", ondelete="CASCADE"),
                                         primary_key=True)
    source: Mapped[str] = mapped_column(String(64), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    text: Mapped[str] = mapped_column(Text, nullable=False)


class VectorStoreRow(Base):
    __tablename__ = "vector_stores"
    seq: Mapped[int] = mapped_column(SeqType, primary_key=True, autoincrement=True)
    id: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    project_id: Mapped[str] = project_column()
    created_at: Mapped[int] = mapped_column(BigInteger, nullable=False)
    body: Mapped[dict[str, Any]] = mapped_column(DocumentType, nullable=False)

    __table_args__ = (Index("ix_vector_stores_project_seq", "project_id", "seq"),)


class VectorStoreFileBatchRow(Base):
    __tablename__ = "vector_store_file_batches"
    seq: Mapped[int] = mapped_column(SeqType, primary_key=True, autoincrement=True)
    id: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    vector_store_id: Mapped[str] = mapped_column(
        String(64), ForeignKey("vector_stores.id", ondelete="CASCADE"), nullable=False)
    created_at: Mapped[int] = mapped_column(BigInteger, nullable=False)
    body: Mapped[dict[str, Any]] = mapped_column(DocumentType, nullable=False)


class VectorStoreFileRow(Base):
    """A file in a vector store; ``id`` is the file's id, unique per vector store."""

    __tablename__ = "vector_store_files"
    seq: Mapped[int] = mapped_column(SeqType, primary_key=True, autoincrement=True)
    id: Mapped[str] = mapped_column(String(64), ForeignKey("files.id", ondelete="CASCADE"), nullable=False)
    vector_store_id: Mapped[str] = mapped_column(
        String(64), ForeignKey("vector_stores.id", ondelete="CASCADE"), nullable=False)
    batch_id: Mapped[Optional[str]] = mapped_column(String(64), nullable=True)
    status: Mapped[str] = mapped_column(String(16), nullable=False)
    usage_bytes: Mapped[int] = mapped_column(BigInteger, nullable=False, default=0)
    created_at: Mapped[int] = mapped_column(BigInteger, nullable=False)
    body: Mapped[dict[str, Any]] = mapped_column(DocumentType, nullable=False)
    #: The replica ingesting the file and until when its lease holds (migration ``scaleout``).
    owner: Mapped[Optional[str]] = mapped_column(String(128), nullable=True)
    lease_expires_at: Mapped[Optional[float]] = mapped_column(Double, nullable=True)

    __table_args__ = (
        UniqueConstraint("vector_store_id", "id", name="uq_vector_store_files_store_file"),
        Index("ix_vector_store_files_store_seq", "vector_store_id", "seq"),
        Index("ix_vector_store_files_status", "status"),
        Index("ix_vector_store_files_batch", "batch_id"),
        Index("ix_vector_store_files_file", "id"),
        Index("ix_vector_store_files_owner", "owner"),
    )


class ChunkRow(Base):
    """One chunk of a file in a vector store, with its embedding (float32 bytes) when there is one.

    Search reads per-store indexes derived from this table (``retrieval/store_index.py``).
    """

    __tablename__ = "chunks"
    seq: Mapped[int] = mapped_column(SeqType, primary_key=True, autoincrement=True)
    vector_store_id: Mapped[str] = mapped_column(
        String(64), ForeignKey("vector_stores.id", ondelete="CASCADE"), nullable=False)
    file_id: Mapped[str] = mapped_column(String(64), ForeignKey("files.id", ondelete="CASCADE"), nullable=False)
    position: Mapped[int] = mapped_column(Integer, nullable=False)
    text: Mapped[str] = mapped_column(Text, nullable=False)
    embedding: Mapped[Optional[bytes]] = mapped_column(LargeBinary, nullable=True)
    #: The id of the embedder that made ``embedding`` (``Embedder.id``); vectors of another are re-embedded.
    embedder: Mapped[Optional[str]] = mapped_column(String(200), nullable=True)

    __table_args__ = (Index("ix_chunks_store_file", "vector_store_id", "file_id"),)


class RealtimeSecretRow(Base):
    """An ephemeral realtime key (``ek_...``): only its SHA-256 is kept, with the session it opens."""

    __tablename__ = "realtime_secrets"
    seq: Mapped[int] = mapped_column(SeqType, primary_key=True, autoincrement=True)
    secret_hash: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    project_id: Mapped[str] = project_column()
    #: ``realtime`` or ``transcription``.
    kind: Mapped[str] = mapped_column(String(16), nullable=False)
    created_at: Mapped[int] = mapped_column(BigInteger, nullable=False)
    expires_at: Mapped[int] = mapped_column(BigInteger, nullable=False)
    #: The session configuration (internal form) a connection with this key starts with.
    body: Mapped[dict[str, Any]] = mapped_column(DocumentType, nullable=False)

    __table_args__ = (Index("ix_realtime_secrets_expires_at", "expires_at"),)


# ---------------------------------------------------------------- chatkit

class ChatKitSessionRow(Base):
    """A ChatKit session; ``secret_hash`` is the SHA-256 of its client secret (the secret is not kept).

    ``window_start``/``window_count`` count the session's protocol requests in the current minute.
    """

    __tablename__ = "chatkit_sessions"
    seq: Mapped[int] = mapped_column(SeqType, primary_key=True, autoincrement=True)
    id: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    project_id: Mapped[str] = project_column()
    secret_hash: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    user: Mapped[str] = mapped_column(String(512), nullable=False)
    status: Mapped[str] = mapped_column(String(16), nullable=False)
    created_at: Mapped[int] = mapped_column(BigInteger, nullable=False)
    expires_at: Mapped[int] = mapped_column(BigInteger, nullable=False)
    window_start: Mapped[int] = mapped_column(BigInteger, nullable=False, default=0)
    window_count: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    body: Mapped[dict[str, Any]] = mapped_column(DocumentType, nullable=False)


class ChatKitThreadRow(Base):
    """A ChatKit thread, backed by one assistants thread (``thread_id``) that holds its messages and runs."""

    __tablename__ = "chatkit_threads"
    seq: Mapped[int] = mapped_column(SeqType, primary_key=True, autoincrement=True)
    id: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    project_id: Mapped[str] = project_column()
    thread_id: Mapped[str] = mapped_column(String(64), ForeignKey("threads.id", ondelete="CASCADE"),
                                           nullable=False)
    user: Mapped[str] = mapped_column(String(512), nullable=False)
    created_at: Mapped[int] = mapped_column(BigInteger, nullable=False)
    body: Mapped[dict[str, Any]] = mapped_column(DocumentType, nullable=False)

    __table_args__ = (Index("ix_chatkit_threads_user_seq", "user", "seq"),
                      Index("ix_chatkit_threads_project_user_seq", "project_id", "user", "seq"))


class ChatKitItemRow(Base):
    """A ChatKit thread item, stored in the protocol's shape (``body``); ``message_id`` and ``run_id``
    link it to the backing assistants message and run."""

    __tablename__ = "chatkit_items"
    seq: Mapped[int] = mapped_column(SeqType, primary_key=True, autoincrement=True)
    id: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    chatkit_thread_id: Mapped[str] = mapped_column(
        String(64), ForeignKey("chatkit_threads.id", ondelete="CASCADE"), nullable=False)
    type: Mapped[str] = mapped_column(String(64), nullable=False)
    message_id: Mapped[Optional[str]] = mapped_column(String(64), nullable=True)
    run_id: Mapped[Optional[str]] = mapped_column(String(64), nullable=True)
    created_at: Mapped[int] = mapped_column(BigInteger, nullable=False)
    body: Mapped[dict[str, Any]] = mapped_column(DocumentType, nullable=False)

    __table_args__ = (Index("ix_chatkit_items_thread_seq", "chatkit_thread_id", "seq"),)


class ChatKitAttachmentRow(Base):
    """A ChatKit attachment: its protocol body and, once uploaded, the openbeta file holding its bytes."""

    __tablename__ = "chatkit_attachments"
    seq: Mapped[int] = mapped_column(SeqType, primary_key=True, autoincrement=True)
    id: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    project_id: Mapped[str] = project_column()
    user: Mapped[str] = mapped_column(String(512), nullable=False)
    session_id: Mapped[Optional[str]] = mapped_column(String(64), nullable=True)
    file_id: Mapped[Optional[str]] = mapped_column(String(64), nullable=True)
    upload_token_hash: Mapped[Optional[str]] = mapped_column(String(64), nullable=True)
    created_at: Mapped[int] = mapped_column(BigInteger, nullable=False)
    body: Mapped[dict[str, Any]] = mapped_column(DocumentType, nullable=False)

    __table_args__ = (Index("ix_chatkit_attachments_session", "session_id"),)


class ChunkVersionRow(Base):
    """A vector store's chunk version: bumped by a trigger on every change to its chunks
    (migration ``0006_retrieval``), so in-memory search indexes can tell they are stale."""

    __tablename__ = "chunk_versions"
    vector_store_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    version: Mapped[int] = mapped_column(BigInteger, nullable=False)


# ---------------------------------------------------------------- scale-out

class BlobRow(Base):
    """File contents kept in the database (``OPENBETA_FILES_URL=postgres://``)."""

    __tablename__ = "blobs"
    key: Mapped[str] = mapped_column(String(128), primary_key=True)
    size: Mapped[int] = mapped_column(BigInteger, nullable=False)
    data: Mapped[bytes] = mapped_column(LargeBinary, nullable=False)


# ---------------------------------------------------------------- projects and their keys

class ProjectRow(Base):
    """A project: every assistant, thread, file and vector store belongs to one."""

    __tablename__ = "projects"
    seq: Mapped[int] = mapped_column(SeqType, primary_key=True, autoincrement=True)
    id: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    name: Mapped[str] = mapped_column(String(256), unique=True, nullable=False)
    created_at: Mapped[int] = mapped_column(BigInteger, nullable=False)
    archived_at: Mapped[Optional[int]] = mapped_column(BigInteger, nullable=True)


class APIKeyRow(Base):
    """A project's API key. Only the SHA-256 of the key is kept, never the key."""

    __tablename__ = "api_keys"
    seq: Mapped[int] = mapped_column(SeqType, primary_key=True, autoincrement=True)
    id: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    project_id: Mapped[str] = mapped_column(String(64), ForeignKey("projects.id"), nullable=False)
    name: Mapped[str] = mapped_column(String(256), nullable=False)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    redacted_value: Mapped[str] = mapped_column(String(64), nullable=False)
    created_at: Mapped[int] = mapped_column(BigInteger, nullable=False)
    last_used_at: Mapped[Optional[int]] = mapped_column(BigInteger, nullable=True)
    revoked_at: Mapped[Optional[int]] = mapped_column(BigInteger, nullable=True)

    __table_args__ = (Index("ix_api_keys_project_seq", "project_id", "seq"),)
