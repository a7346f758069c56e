"""ChatKit: the hosted-style REST face (sessions, threads, items) and the ChatKit server
protocol (``POST /v1/chatkit``), over one store; each ChatKit thread is backed by an
assistants thread, so the run engine answers.

The protocol needs the ``openai-chatkit`` package (``pip install 'openbeta[chatkit]'``);
without it the REST face still works and the protocol endpoint answers a clear error.
"""

from __future__ import annotations

from typing import Any, Optional

from ..errors import APIError
from ..services.files import FileService
from ..services.threads import ThreadService
from ..store import Database
from .sessions import SessionService
from .threads import ChatKitThreads


class ChatKitServices:
    def __init__(self, db: Database, threads: ThreadService, files: FileService) -> None:
        self.sessions = SessionService(db)
        self.threads = ChatKitThreads(db, threads, files)
        self._server: Optional[Any] = None

    def server(self, services: Any) -> Any:
        """The protocol server (built on first use); 501 when ``openai-chatkit`` is not installed."""
        if self._server is None:
            try:
                from .protocol import OpenBetaChatKitServer
            except ImportError as exc:
                raise APIError("The ChatKit server protocol needs the openai-chatkit package: install "
                               f"openbeta[chatkit] ({exc}).", status_code=501, type="invalid_request_error",
                               code="not_implemented") from None
            self._server = OpenBetaChatKitServer(services, self.threads)
        return self._server


__all__ = ["ChatKitServices"]
