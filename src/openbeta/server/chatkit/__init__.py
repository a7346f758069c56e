"""ChatKit: the hosted-style REST face (sessions, threads, items), the ChatKit server protocol
(``POST /v1/chatkit``) and its attachment uploads, over one store; each ChatKit thread is backed by
an assistants thread, so the run engine answers.

The protocol needs the ``openai-chatkit`` package (``pip install 'openbeta[chatkit]'``);
without it the REST face still works and the protocol endpoint answers a clear error.
"""

from __future__ import annotations

from typing import Any, AsyncIterator, Optional, Union

from ..errors import APIError
from ..services.files import FileService
from ..services.runs import RunService
from ..services.threads import ThreadService
from ..store import Database
from .sessions import Caller, SessionService
from .threads import ChatKitThreads
from .uploads import Uploads


class ChatKitServices:
    """Everything of the ChatKit face, built once by the composition root."""

    def __init__(self, db: Database, threads: ThreadService, files: FileService, runs: RunService,
                 keys: Any) -> None:
        self.sessions = SessionService(db)
        self.threads = ChatKitThreads(db, threads, files)
        self.uploads = Uploads(self.sessions, self.threads, files)
        self._runs = runs
        self._files = files
        #: The server's key ring (``services/projects.py``'s ``KeyRing``): API keys may speak the protocol.
        self._keys = keys
        self._server: Optional[Any] = None

    def server(self) -> Any:
        """The protocol server (built on first use); 501 when ``openai-chatkit`` is not installed."""
        if self._server is None:
            try:
                from .protocol import OpenBetaChatKitServer
            except ImportError as exc:
                raise APIError("The ChatKit server protocol needs the openai-chatkit package: install "
                               f"openbeta[chatkit] ({exc}).", status_code=501, type="invalid_request_error",
                               code="not_implemented") from None
            self._server = OpenBetaChatKitServer(self._runs, self._files, self.threads)
        return self._server

    async def caller(self, authorization: str, user: Optional[str], workflow: Optional[str]) -> Caller:
        """Whom a protocol request speaks for (see :meth:`SessionService.caller`); first of all, a 501 when
        the protocol library is not installed."""
        self.server()
        return await self.sessions.caller(self._keys, authorization, user, workflow)

    async def process(self, caller: Caller, raw: bytes, base_url: str) -> Union[bytes, AsyncIterator[bytes]]:
        """One protocol request: JSON bytes, or a stream's SSE frames (see :func:`.endpoint.process`)."""
        from .endpoint import process
        from .protocol import Context

        return await process(self.server(), raw, Context(caller=caller, base_url=base_url))


__all__ = ["ChatKitServices"]
