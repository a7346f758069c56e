"""The openbeta Python SDK: ``OpenBeta`` / ``AsyncOpenBeta`` and what their methods return."""

from ._base_client import DEFAULT_BASE_URL, DEFAULT_MAX_RETRIES, DEFAULT_TIMEOUT
from ._client import AsyncOpenBeta, OpenBeta
from ._exceptions import (
    APIConnectionError,
    APIError,
    APIResponseValidationError,
    APIStatusError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    ConflictError,
    InternalServerError,
    NotFoundError,
    OpenBetaError,
    PermissionDeniedError,
    RateLimitError,
    UnprocessableEntityError,
)
from ._pagination import AsyncCursorPage, AsyncPage, AsyncPaginator, SyncCursorPage, SyncPage
from ._response import APIResponse, AsyncAPIResponse, BinaryContent
from ._streaming import AsyncStream, Stream
from ._types import NOT_GIVEN, NotGiven, Omit, not_given, omit
from .lib.assistant_events import (
    AssistantEventHandler,
    AssistantStreamManager,
    AsyncAssistantEventHandler,
    AsyncAssistantStreamManager,
)
from .lib.realtime_connection import AsyncRealtimeConnection, RealtimeConnection
from .lib.response_stream import (
    AsyncResponseStream,
    AsyncResponseStreamManager,
    ParsedResponse,
    ResponseStream,
    ResponseStreamManager,
)

__all__ = [
    "APIConnectionError", "APIError", "APIResponse", "APIResponseValidationError", "APIStatusError",
    "APITimeoutError", "AssistantEventHandler", "AssistantStreamManager", "AsyncAPIResponse",
    "AsyncAssistantEventHandler", "AsyncAssistantStreamManager", "AsyncCursorPage", "AsyncOpenBeta", "AsyncPage",
    "AsyncPaginator", "AsyncRealtimeConnection", "AsyncResponseStream", "AsyncResponseStreamManager", "AsyncStream",
    "AuthenticationError", "BadRequestError", "BinaryContent", "ConflictError", "DEFAULT_BASE_URL",
    "DEFAULT_MAX_RETRIES", "DEFAULT_TIMEOUT", "InternalServerError", "NOT_GIVEN", "NotFoundError", "NotGiven",
    "Omit", "OpenBeta", "OpenBetaError", "ParsedResponse", "PermissionDeniedError", "RateLimitError",
    "RealtimeConnection", "ResponseStream", "ResponseStreamManager", "Stream", "SyncCursorPage", "SyncPage",
    "UnprocessableEntityError", "not_given", "omit",
]
