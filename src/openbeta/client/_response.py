"""Turning an HTTP response into the object a method returns, and raw-response wrappers."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, AsyncIterator, Iterator, Optional

import httpx
from pydantic import BaseModel, TypeAdapter, ValidationError

from ._exceptions import APIResponseValidationError
from ._request import APIRequest
from ._streaming import make_stream

if TYPE_CHECKING:
    from ._client import AsyncOpenBeta, OpenBeta


class BinaryContent:
    """A non-JSON body (file contents): ``.content``, ``.text``, ``write_to_file(path)``."""

    def __init__(self, response: httpx.Response) -> None:
        self.response = response

    @property
    def content(self) -> bytes:
        return self.response.content

    @property
    def text(self) -> str:
        return self.response.text

    def read(self) -> bytes:
        return self.response.content

    def write_to_file(self, path: str) -> None:
        with open(path, "wb") as out:
            out.write(self.response.content)


_adapters: dict[Any, TypeAdapter] = {}


def adapter_for(tp: Any) -> TypeAdapter:
    if tp not in _adapters:
        _adapters[tp] = TypeAdapter(tp)
    return _adapters[tp]


def parse_json(cast_to: Any, data: Any, response: httpx.Response) -> Any:
    """Validate ``data`` as ``cast_to``; a model that does not validate is built leniently instead."""
    try:
        return adapter_for(cast_to).validate_python(data)
    except ValidationError as exc:
        if isinstance(cast_to, type) and issubclass(cast_to, BaseModel) and isinstance(data, dict):
            return cast_to.model_construct(**data)
        raise APIResponseValidationError(response, data, message=str(exc)) from exc


def parse_response(req: APIRequest, response: httpx.Response, client: Any, *, is_async: bool) -> Any:
    """The object a call returns for ``response`` (whose body is read, unless ``req.stream``)."""
    if req.stream is not None:
        return make_stream(response, req.stream, is_async=is_async)
    if req.cast_to is BinaryContent:
        return BinaryContent(response)
    if req.cast_to is None:
        return None
    if req.cast_to is str:
        return response.text
    data = response.json()
    if req.page is not None:
        return req.page.build(data, client=client, request=req, item=req.cast_to, response=response)
    return parse_json(req.cast_to, data, response)


class _ResponseBase:
    def __init__(self, http_response: httpx.Response, request: APIRequest, client: Any) -> None:
        self.http_response = http_response
        self._request = request
        self._client = client

    @property
    def headers(self) -> httpx.Headers:
        return self.http_response.headers

    @property
    def status_code(self) -> int:
        return self.http_response.status_code

    @property
    def http_request(self) -> httpx.Request:
        return self.http_response.request

    @property
    def url(self) -> httpx.URL:
        return self.http_response.url

    @property
    def method(self) -> str:
        return self.http_request.method

    @property
    def request_id(self) -> Optional[str]:
        return self.http_response.headers.get("x-request-id")

    @property
    def is_closed(self) -> bool:
        return self.http_response.is_closed


class APIResponse(_ResponseBase):
    """The raw answer to a call: status, headers, body, and ``parse()`` for the typed object."""

    _client: "OpenBeta"

    def parse(self) -> Any:
        if self._request.stream is None:
            self.http_response.read()
        return parse_response(self._request, self.http_response, self._client, is_async=False)

    def read(self) -> bytes:
        return self.http_response.read()

    def text(self) -> str:
        self.read()
        return self.http_response.text

    def json(self) -> Any:
        self.read()
        return self.http_response.json()

    def iter_bytes(self, chunk_size: Optional[int] = None) -> Iterator[bytes]:
        return self.http_response.iter_bytes(chunk_size)

    def iter_text(self, chunk_size: Optional[int] = None) -> Iterator[str]:
        return self.http_response.iter_text(chunk_size)

    def iter_lines(self) -> Iterator[str]:
        return self.http_response.iter_lines()

    def close(self) -> None:
        self.http_response.close()


class AsyncAPIResponse(_ResponseBase):
    """The async twin of :class:`APIResponse`."""

    _client: "AsyncOpenBeta"

    async def parse(self) -> Any:
        if self._request.stream is None:
            await self.http_response.aread()
        return parse_response(self._request, self.http_response, self._client, is_async=True)

    async def read(self) -> bytes:
        return await self.http_response.aread()

    async def text(self) -> str:
        await self.read()
        return self.http_response.text

    async def json(self) -> Any:
        await self.read()
        return self.http_response.json()

    def iter_bytes(self, chunk_size: Optional[int] = None) -> AsyncIterator[bytes]:
        return self.http_response.aiter_bytes(chunk_size)

    def iter_text(self, chunk_size: Optional[int] = None) -> AsyncIterator[str]:
        return self.http_response.aiter_text(chunk_size)

    def iter_lines(self) -> AsyncIterator[str]:
        return self.http_response.aiter_lines()

    async def close(self) -> None:
        await self.http_response.aclose()


class ResponseContextManager:
    """``with resource.with_streaming_response.method(...) as response:`` (body read lazily)."""

    def __init__(self, send: Any) -> None:
        self._send = send
        self._response: Optional[APIResponse] = None

    def __enter__(self) -> APIResponse:
        self._response = self._send()
        return self._response

    def __exit__(self, *exc: Any) -> None:
        if self._response is not None:
            self._response.close()


class AsyncResponseContextManager:
    """``async with resource.with_streaming_response.method(...) as response:``."""

    def __init__(self, send: Any) -> None:
        self._send = send
        self._response: Optional[AsyncAPIResponse] = None

    async def __aenter__(self) -> AsyncAPIResponse:
        self._response = await self._send()
        return self._response

    async def __aexit__(self, *exc: Any) -> None:
        if self._response is not None:
            await self._response.close()
