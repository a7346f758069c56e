"""``client.realtime``: the GA realtime surface (``client_secrets.create`` over HTTP, ``connect()`` over
WebSocket, without the beta header, so the server speaks the GA protocol)."""

from __future__ import annotations

from functools import cached_property
from typing import Any, Mapping, Optional, Union

from typing_extensions import Unpack

from ...types.realtime import ClientSecretCreateResponse
from .._request import RequestOptions
from .._resource import APIResource, awaitable
from .._types import NOT_GIVEN, NotGiven, given
from ..lib.realtime_connection import AsyncRealtimeConnectionManager, RealtimeConnectionManager
from .beta.realtime import _async_connect


class ClientSecrets(APIResource):
    def create(self, *, expires_after: Union[Mapping[str, Any], NotGiven] = NOT_GIVEN,
               session: Union[Mapping[str, Any], NotGiven] = NOT_GIVEN,
               **options: Unpack[RequestOptions]) -> ClientSecretCreateResponse:
        """An ephemeral key (``ek_...``) for a browser-side client, with the session it opens."""
        body = given(expires_after=expires_after, session=session)
        return self._call("POST", "realtime/client_secrets", options, cast_to=ClientSecretCreateResponse, body=body)


class AsyncClientSecrets(ClientSecrets):
    """Async twin."""

    create = awaitable(ClientSecrets.create)  # type: ignore[assignment]


class Realtime(APIResource):
    @cached_property
    def client_secrets(self) -> ClientSecrets:
        return self._child(ClientSecrets, AsyncClientSecrets)

    def connect(self, *, model: Optional[str] = None, call_id: Optional[str] = None,
                extra_query: Optional[Mapping[str, Any]] = None, extra_headers: Optional[Mapping[str, str]] = None,
                websocket_connection_options: Optional[Mapping[str, Any]] = None) -> RealtimeConnectionManager:
        """A WebSocket to ``/realtime?model=...`` speaking the GA protocol; use ``with`` (``async with``
        on the async client)."""
        query = dict(extra_query or {}, **({"call_id": call_id} if call_id is not None else {}))
        cls = AsyncRealtimeConnectionManager if self._client.is_async else RealtimeConnectionManager
        return cls(self._client, model=model, extra_query=query, extra_headers=extra_headers,
                   websocket_connection_options=websocket_connection_options, beta=False)


class AsyncRealtime(Realtime):
    connect = _async_connect(Realtime.connect)  # type: ignore[assignment]

    @cached_property
    def client_secrets(self) -> AsyncClientSecrets:
        return self._child(ClientSecrets, AsyncClientSecrets)
