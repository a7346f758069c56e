"""The HTTP core shared by :class:`OpenBeta` and :class:`AsyncOpenBeta`: options, sending, retries."""

from __future__ import annotations

import asyncio
import os
import time
from typing import Any, Mapping, Optional, Union

import httpx

from .._version import __version__
from ._exceptions import APIConnectionError, APITimeoutError, status_error
from ._pagination import AsyncPaginator
from ._request import APIRequest, request_kwargs, retry_delay, should_retry
from ._response import (
    APIResponse,
    AsyncAPIResponse,
    AsyncResponseContextManager,
    ResponseContextManager,
    parse_response,
)
from ._types import NOT_GIVEN, NotGiven, Timeout

DEFAULT_BASE_URL = "http://127.0.0.1:8000/v1"
DEFAULT_TIMEOUT = httpx.Timeout(600.0, connect=5.0)
DEFAULT_MAX_RETRIES = 2


def _error_body(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return response.text or None


class BaseClient:
    """Options every client holds; the request loop lives in the sync and async subclasses."""

    is_async = False
    _http: Any

    def __init__(self, *, api_key: Optional[str] = None, base_url: Union[str, httpx.URL, None] = None,
                 websocket_base_url: Union[str, httpx.URL, None] = None,
                 timeout: Union[Timeout, NotGiven] = NOT_GIVEN, max_retries: int = DEFAULT_MAX_RETRIES,
                 default_headers: Optional[Mapping[str, str]] = None,
                 default_query: Optional[Mapping[str, object]] = None, http_client: Any = None) -> None:
        if api_key is None:
            api_key = os.environ.get("OPENBETA_API_KEY") or os.environ.get("OPENAI_API_KEY")
        if base_url is None:
            base_url = os.environ.get("OPENBETA_BASE_URL") or DEFAULT_BASE_URL
        self.api_key = api_key
        self.base_url = httpx.URL(str(base_url).rstrip("/") + "/")
        self.websocket_base_url = websocket_base_url
        self.timeout: Timeout = DEFAULT_TIMEOUT if isinstance(timeout, NotGiven) else timeout
        self.max_retries = max_retries
        self._custom_headers = dict(default_headers or {})
        self._custom_query = dict(default_query or {})
        self._given_http_client = http_client
        self._http = http_client or self._default_http_client()

    def _default_http_client(self) -> Any:
        raise NotImplementedError

    @property
    def default_headers(self) -> dict[str, str]:
        headers = {
            "Accept": "application/json",
            "Content-Type": "application/json",
            "User-Agent": f"openbeta-python/{__version__}",
        }
        if self.api_key:
            headers["Authorization"] = f"Bearer {self.api_key}"
        headers.update(self._custom_headers)
        return headers

    @property
    def default_query(self) -> dict[str, object]:
        return dict(self._custom_query)

    def _build(self, req: APIRequest) -> httpx.Request:
        kwargs = request_kwargs(req, self.default_headers, self.default_query, self.timeout)
        kwargs["url"] = self.base_url.join(kwargs["url"])
        return self._http.build_request(**kwargs)

    def with_options(self, *, api_key: Optional[str] = None, base_url: Union[str, httpx.URL, None] = None,
                     websocket_base_url: Union[str, httpx.URL, None] = None,
                     timeout: Union[Timeout, NotGiven] = NOT_GIVEN, max_retries: Optional[int] = None,
                     default_headers: Optional[Mapping[str, str]] = None,
                     default_query: Optional[Mapping[str, object]] = None, http_client: Any = None) -> Any:
        """A new client with some options changed; it shares this one's connection pool."""
        return type(self)(
            api_key=api_key or self.api_key,
            base_url=base_url or self.base_url,
            websocket_base_url=websocket_base_url or self.websocket_base_url,
            timeout=self.timeout if isinstance(timeout, NotGiven) else timeout,
            max_retries=self.max_retries if max_retries is None else max_retries,
            default_headers={**self._custom_headers, **(default_headers or {})},
            default_query={**self._custom_query, **(default_query or {})},
            http_client=http_client or self._http,
        )

    copy = with_options

    def _transport_retry_delay(self, exc: httpx.TransportError, request: httpx.Request, attempt: int) -> float:
        """Seconds to wait before retrying after a connection error or timeout, or raise the SDK's error."""
        if attempt < self.max_retries:
            return retry_delay(attempt)
        if isinstance(exc, httpx.TimeoutException):
            raise APITimeoutError(request) from exc
        raise APIConnectionError(request=request) from exc

    def _owns_http(self) -> bool:
        return self._given_http_client is None

    def __repr__(self) -> str:
        return f"{type(self).__name__}(base_url={str(self.base_url)!r})"


class SyncAPIClient(BaseClient):
    """Sends :class:`APIRequest` objects with ``httpx.Client``, retrying as the policy says."""

    def _default_http_client(self) -> httpx.Client:
        return httpx.Client(timeout=self.timeout, follow_redirects=True)

    def request(self, req: APIRequest, mode: str = "parse") -> Any:
        """Send ``req``; ``mode`` is ``parse`` (typed object), ``raw`` or ``stream`` (lazy raw)."""
        if mode == "raw":
            return APIResponse(self._send(req, stream=req.stream is not None), req, self)
        if mode == "stream":
            return ResponseContextManager(lambda: APIResponse(self._send(req, stream=True), req, self))
        return self.fetch(req)

    def fetch(self, req: APIRequest) -> Any:
        response = self._send(req, stream=req.stream is not None)
        return parse_response(req, response, self, is_async=False)

    def _send(self, req: APIRequest, *, stream: bool) -> httpx.Response:
        request = self._build(req)
        attempt = 0
        while True:
            try:
                response = self._http.send(request, stream=stream)
            except httpx.TransportError as exc:
                time.sleep(self._transport_retry_delay(exc, request, attempt))
                attempt += 1
                continue
            if not response.is_error:
                return response
            if attempt < self.max_retries and should_retry(response):
                response.close()
                time.sleep(retry_delay(attempt, response.headers))
                attempt += 1
                continue
            response.read()
            raise status_error(response, _error_body(response))

    def close(self) -> None:
        if self._owns_http():
            self._http.close()

    def __enter__(self) -> Any:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


class AsyncAPIClient(BaseClient):
    """The async twin of :class:`SyncAPIClient` (``httpx.AsyncClient``)."""

    is_async = True

    def _default_http_client(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(timeout=self.timeout, follow_redirects=True)

    def request(self, req: APIRequest, mode: str = "parse") -> Any:
        """Like the sync client's, but returns awaitables (and an :class:`AsyncPaginator` for lists)."""
        if mode == "raw":
            return self._raw(req)
        if mode == "stream":
            async def send() -> AsyncAPIResponse:
                return AsyncAPIResponse(await self._send(req, stream=True), req, self)
            return AsyncResponseContextManager(send)
        if req.page is not None:
            return AsyncPaginator(self, req)
        return self.fetch(req)

    async def _raw(self, req: APIRequest) -> AsyncAPIResponse:
        return AsyncAPIResponse(await self._send(req, stream=req.stream is not None), req, self)

    async def fetch(self, req: APIRequest) -> Any:
        response = await self._send(req, stream=req.stream is not None)
        return parse_response(req, response, self, is_async=True)

    async def _send(self, req: APIRequest, *, stream: bool) -> httpx.Response:
        request = self._build(req)
        attempt = 0
        while True:
            try:
                response = await self._http.send(request, stream=stream)
            except httpx.TransportError as exc:
                await asyncio.sleep(self._transport_retry_delay(exc, request, attempt))
                attempt += 1
                continue
            if not response.is_error:
                return response
            if attempt < self.max_retries and should_retry(response):
                await response.aclose()
                await asyncio.sleep(retry_delay(attempt, response.headers))
                attempt += 1
                continue
            await response.aread()
            raise status_error(response, _error_body(response))

    async def close(self) -> None:
        if self._owns_http():
            await self._http.aclose()

    async def __aenter__(self) -> Any:
        return self

    async def __aexit__(self, *exc: Any) -> None:
        await self.close()
