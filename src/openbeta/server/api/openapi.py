"""The ``/openapi.json`` the interactive docs read: OpenAI's operation ids, request bodies
and response objects described by the wire types of :mod:`openbeta.types`.

Routes read their JSON bodies themselves (strictly, see :func:`.deps.body`), so FastAPI
cannot see them: :data:`OPERATIONS` names each route's body and answer models.
"""

from __future__ import annotations

from typing import Any, Optional, Union

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from ...types.assistant import Assistant, AssistantCreateParams, AssistantDeleted, AssistantUpdateParams
from ...types.file import FileDeleted, FileObject
from ...types.message import Message, MessageCreateParams, MessageDeleted, MessageUpdateParams
from ...types.run import (Run, RunCreateParams, RunUpdateParams, SubmitToolOutputsParams,
                          ThreadCreateAndRunParams)
from ...types.realtime import RealtimeSession, RealtimeTranscriptionSession
from ...types.run_step import RunStep
from ...types.thread import Thread, ThreadCreateParams, ThreadDeleted, ThreadUpdateParams
from ...types.vector_store import (FileBatchCreateParams, FileContentPage, SearchParams, SearchResultsPage,
                                   VectorStore, VectorStoreCreateParams, VectorStoreDeleted, VectorStoreFile,
                                   VectorStoreFileBatch, VectorStoreFileCreateParams, VectorStoreFileDeleted,
                                   VectorStoreFileUpdateParams, VectorStoreUpdateParams)

Answer = Union[type[BaseModel], tuple[str, type[BaseModel]], None]  # a model, ("list", model), or a file
Body = Optional[type[BaseModel]]

#: Every route served: (method, path, OpenAI's operationId, what it answers, its JSON body).
OPERATIONS: list[tuple[str, str, str, Answer, Body]] = [
    ("GET", "/v1/assistants", "listAssistants", ("list", Assistant), None),
    ("POST", "/v1/assistants", "createAssistant", Assistant, AssistantCreateParams),
    ("GET", "/v1/assistants/{assistant_id}", "getAssistant", Assistant, None),
    ("POST", "/v1/assistants/{assistant_id}", "modifyAssistant", Assistant, AssistantUpdateParams),
    ("DELETE", "/v1/assistants/{assistant_id}", "deleteAssistant", AssistantDeleted, None),
    ("GET", "/v1/files", "listFiles", ("list", FileObject), None),
    ("POST", "/v1/files", "createFile", FileObject, None),
    ("DELETE", "/v1/files/{file_id}", "deleteFile", FileDeleted, None),
    ("GET", "/v1/files/{file_id}", "retrieveFile", FileObject, None),
    ("GET", "/v1/files/{file_id}/content", "downloadFile", None, None),
    ("POST", "/v1/chatkit/sessions/{session_id}/cancel", "CancelChatSessionMethod", None, None),
    ("POST", "/v1/chatkit/sessions", "CreateChatSessionMethod", None, None),
    ("GET", "/v1/chatkit/threads/{thread_id}/items", "ListThreadItemsMethod", None, None),
    ("GET", "/v1/chatkit/threads/{thread_id}", "GetThreadMethod", None, None),
    ("DELETE", "/v1/chatkit/threads/{thread_id}", "DeleteThreadMethod", None, None),
    ("GET", "/v1/chatkit/threads", "ListThreadsMethod", None, None),
    ("POST", "/v1/realtime/client_secrets", "create-realtime-client-secret", None, None),
    ("POST", "/v1/realtime/sessions", "create-realtime-session", RealtimeSession, None),
    ("POST", "/v1/realtime/transcription_sessions", "create-realtime-transcription-session",
     RealtimeTranscriptionSession, None),
    ("POST", "/v1/threads", "createThread", Thread, ThreadCreateParams),
    ("POST", "/v1/threads/runs", "createThreadAndRun", Run, ThreadCreateAndRunParams),
    ("GET", "/v1/threads/{thread_id}", "getThread", Thread, None),
    ("POST", "/v1/threads/{thread_id}", "modifyThread", Thread, ThreadUpdateParams),
    ("DELETE", "/v1/threads/{thread_id}", "deleteThread", ThreadDeleted, None),
    ("GET", "/v1/threads/{thread_id}/messages", "listMessages", ("list", Message), None),
    ("POST", "/v1/threads/{thread_id}/messages", "createMessage", Message, MessageCreateParams),
    ("GET", "/v1/threads/{thread_id}/messages/{message_id}", "getMessage", Message, None),
    ("POST", "/v1/threads/{thread_id}/messages/{message_id}", "modifyMessage", Message, MessageUpdateParams),
    ("DELETE", "/v1/threads/{thread_id}/messages/{message_id}", "deleteMessage", MessageDeleted, None),
    ("GET", "/v1/threads/{thread_id}/runs", "listRuns", ("list", Run), None),
    ("POST", "/v1/threads/{thread_id}/runs", "createRun", Run, RunCreateParams),
    ("GET", "/v1/threads/{thread_id}/runs/{run_id}", "getRun", Run, None),
    ("POST", "/v1/threads/{thread_id}/runs/{run_id}", "modifyRun", Run, RunUpdateParams),
    ("POST", "/v1/threads/{thread_id}/runs/{run_id}/cancel", "cancelRun", Run, None),
    ("GET", "/v1/threads/{thread_id}/runs/{run_id}/steps", "listRunSteps", ("list", RunStep), None),
    ("GET", "/v1/threads/{thread_id}/runs/{run_id}/steps/{step_id}", "getRunStep", RunStep, None),
    ("POST", "/v1/threads/{thread_id}/runs/{run_id}/submit_tool_outputs", "submitToolOuputsToRun", Run,
     SubmitToolOutputsParams),
    ("GET", "/v1/vector_stores", "listVectorStores", ("list", VectorStore), None),
    ("POST", "/v1/vector_stores", "createVectorStore", VectorStore, VectorStoreCreateParams),
    ("GET", "/v1/vector_stores/{vector_store_id}", "getVectorStore", VectorStore, None),
    ("POST", "/v1/vector_stores/{vector_store_id}", "modifyVectorStore", VectorStore, VectorStoreUpdateParams),
    ("DELETE", "/v1/vector_stores/{vector_store_id}", "deleteVectorStore", VectorStoreDeleted, None),
    ("POST", "/v1/vector_stores/{vector_store_id}/file_batches", "createVectorStoreFileBatch", VectorStoreFileBatch,
     FileBatchCreateParams),
    ("GET", "/v1/vector_stores/{vector_store_id}/file_batches/{batch_id}", "getVectorStoreFileBatch",
     VectorStoreFileBatch, None),
    ("POST", "/v1/vector_stores/{vector_store_id}/file_batches/{batch_id}/cancel", "cancelVectorStoreFileBatch",
     VectorStoreFileBatch, None),
    ("GET", "/v1/vector_stores/{vector_store_id}/file_batches/{batch_id}/files", "listFilesInVectorStoreBatch",
     ("list", VectorStoreFile), None),
    ("GET", "/v1/vector_stores/{vector_store_id}/files", "listVectorStoreFiles", ("list", VectorStoreFile), None),
    ("POST", "/v1/vector_stores/{vector_store_id}/files", "createVectorStoreFile", VectorStoreFile,
     VectorStoreFileCreateParams),
    ("GET", "/v1/vector_stores/{vector_store_id}/files/{file_id}", "getVectorStoreFile", VectorStoreFile, None),
    ("DELETE", "/v1/vector_stores/{vector_store_id}/files/{file_id}", "deleteVectorStoreFile",
     VectorStoreFileDeleted, None),
    ("POST", "/v1/vector_stores/{vector_store_id}/files/{file_id}", "updateVectorStoreFileAttributes",
     VectorStoreFile, VectorStoreFileUpdateParams),
    ("GET", "/v1/vector_stores/{vector_store_id}/files/{file_id}/content", "retrieveVectorStoreFileContent",
     FileContentPage, None),
    ("POST", "/v1/vector_stores/{vector_store_id}/search", "searchVectorStore", SearchResultsPage, SearchParams),
]
#: Operations that stream ``text/event-stream`` when the body says ``"stream": true``.
STREAMING = {"createThreadAndRun", "createRun", "submitToolOuputsToRun"}
REF = "#/components/schemas/{model}"
ERROR = {"type": "object", "required": ["error"], "properties": {"error": {
    "type": "object", "required": ["message", "type", "param", "code"], "properties": {
        "message": {"type": "string"}, "type": {"type": "string"},
        "param": {"type": ["string", "null"]}, "code": {"type": ["string", "null"]}}}}}


def _list_of(ref: dict[str, Any]) -> dict[str, Any]:
    return {"type": "object", "required": ["object", "data", "first_id", "last_id", "has_more"], "properties": {
        "object": {"type": "string", "enum": ["list"]}, "data": {"type": "array", "items": ref},
        "first_id": {"type": ["string", "null"]}, "last_id": {"type": ["string", "null"]},
        "has_more": {"type": "boolean"}}}


def build_openapi(app: FastAPI) -> dict[str, Any]:
    schema = get_openapi(title=app.title, version=app.version, description=app.description, routes=app.routes)
    answers = [a[1] if isinstance(a, tuple) else a for *_, a, _ in OPERATIONS if a is not None]
    bodies = [b for *_, b in OPERATIONS if b is not None]
    wanted = [(m, "validation") for m in dict.fromkeys(bodies)] + [(m, "serialization") for m in dict.fromkeys(answers)]
    refs, defs = models_json_schema(wanted, ref_template=REF)
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    components.update(defs.get("$defs", {}))
    components["Error"] = ERROR
    error = {"description": "An error, as OpenAI's API answers it.",
             "content": {"application/json": {"schema": {"$ref": REF.format(model="Error")}}}}
    upload = {"multipart/form-data": {"schema": {"type": "object", "required": ["file", "purpose"], "properties": {
        "file": {"type": "string", "format": "binary"},
        "purpose": {"type": "string", "enum": ["assistants", "batch", "fine-tune", "vision", "user_data", "evals"]},
        "expires_after[anchor]": {"type": "string", "enum": ["created_at"]},
        "expires_after[seconds]": {"type": "integer"}}}}}
    for method, path, operation_id, answer, body in OPERATIONS:
        operation = schema["paths"].get(path, {}).get(method.lower())
        if operation is None:
            continue
        operation["operationId"] = operation_id
        if body is not None:
            operation["requestBody"] = {"required": True, "content": {
                "application/json": {"schema": refs[(body, "validation")]}}}
        elif operation_id == "createFile":
            operation["requestBody"] = {"required": True, "content": upload}
        if isinstance(answer, tuple):
            content: dict[str, Any] = {"application/json": {"schema": _list_of(refs[(answer[1], "serialization")])}}
        elif answer is not None:
            content = {"application/json": {"schema": refs[(answer, "serialization")]}}
        elif operation_id == "downloadFile":
            content = {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}}
        else:
            content = {"application/json": {"schema": {"type": "object"}}}
        if operation_id in STREAMING:
            content["text/event-stream"] = {"schema": {"type": "string", "description":
                                                       'Assistant stream events, when the body says "stream": true.'}}
        operation["responses"] = {"200": {"description": "OK", "content": content}, "default": error}
    return schema


def install(app: FastAPI) -> None:
    """Serve :func:`build_openapi` (built once, on first request) as the app's ``/openapi.json``."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = build_openapi(app)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
