"""``client.responses``: create (plain, streamed, background), retrieve (and resume a stream), delete,
cancel, ``input_items``, ``input_tokens``, and the helpers ``stream(...)`` and ``parse(...)``."""

from __future__ import annotations

from functools import cached_property
from typing import Any, Iterable, Literal, Mapping, Optional, Union

from pydantic import BaseModel
from typing_extensions import Unpack

from ....types.response_events import ResponseStreamEvent
from ....types.responses import CompactedResponse, Includable, Response
from ..._request import RequestOptions, split_options
from ..._resource import APIResource, awaitable, awaitable_or_stream
from ..._response import adapter_for
from ..._streaming import Stream
from ..._types import NOT_GIVEN, NotGiven, given
from ...lib.response_stream import (
    AsyncResponseStreamManager,
    ParsedResponse,
    ResponseStreamManager,
    parse_response,
    response_event_decoder,
    text_format_param,
)
from ...lib.responses_connection import AsyncResponsesConnectionManager, ResponsesConnectionManager
from .input_items import AsyncInputItems, InputItems
from .input_tokens import AsyncInputTokens, InputTokens
from .responses_args import CompactArgs, ResponseCreateArgs


def event_decoder() -> Any:
    return response_event_decoder(adapter_for(ResponseStreamEvent))


def _with_format(params: dict[str, Any], text_format: Optional[type[BaseModel]]) -> dict[str, Any]:
    """``params`` asking for ``text_format``'s shape (its ``text.format``), when one is given."""
    if text_format is None:
        return params
    if "format" in (params.get("text") or {}):
        raise TypeError("Give either text_format or text.format, not both.")
    return {**params, "text": {**(params.get("text") or {}), **text_format_param(text_format)}}


def _parse_body(params: Any, text_format: Optional[type[BaseModel]], verbosity: Optional[str],
                stream: Optional[bool]) -> dict[str, Any]:
    if stream:
        raise TypeError("responses.parse answers one response; stream with responses.stream(text_format=...).")
    body = _with_format(dict(params), text_format)
    if verbosity is not None:
        body["text"] = {**(body.get("text") or {}), "verbosity": verbosity}
    return body


class Responses(APIResource):
    @cached_property
    def input_items(self) -> InputItems:
        return self._child(InputItems, AsyncInputItems)

    @cached_property
    def input_tokens(self) -> InputTokens:
        return self._child(InputTokens, AsyncInputTokens)

    def create(self, *, stream: Union[Optional[bool], NotGiven] = NOT_GIVEN,
               **params: Unpack[ResponseCreateArgs]) -> Union[Response, Stream[ResponseStreamEvent]]:
        """Create a response; with ``stream=True`` iterate its events instead. With ``background=True``
        it answers at once (``queued``): poll ``retrieve`` or resume its stream."""
        fields, options = split_options(params)
        return self._call("POST", "responses", options, cast_to=Response, body=given(**fields, stream=stream),
                          stream=event_decoder() if stream else None)

    def retrieve(self, response_id: str, *, include: Union[Iterable[Includable], NotGiven] = NOT_GIVEN,
                 stream: Union[bool, NotGiven] = NOT_GIVEN, starting_after: Union[int, NotGiven] = NOT_GIVEN,
                 include_obfuscation: Union[bool, NotGiven] = NOT_GIVEN,
                 **options: Unpack[RequestOptions]) -> Union[Response, Stream[ResponseStreamEvent]]:
        """A stored response; with ``stream=True`` its events (from the first, or after ``starting_after``),
        live until it ends. (``include_obfuscation`` is sent and has no effect: events carry no
        obfuscation padding here.)"""
        query = given(**{"include[]": list(include) if include else NOT_GIVEN},
                      stream="true" if stream else NOT_GIVEN, starting_after=starting_after,
                      include_obfuscation=("true" if include_obfuscation else "false")
                      if isinstance(include_obfuscation, bool) else NOT_GIVEN)
        return self._call("GET", f"responses/{response_id}", options, cast_to=Response, query=query,
                          stream=event_decoder() if stream else None)

    def delete(self, response_id: str, **options: Unpack[RequestOptions]) -> None:
        """Delete a stored response (and, with it, its items and events); returns nothing, as the
        official SDK does."""
        return self._call("DELETE", f"responses/{response_id}", options, cast_to=None)

    def cancel(self, response_id: str, **options: Unpack[RequestOptions]) -> Response:
        """Cancel a background response (others answer 400)."""
        return self._call("POST", f"responses/{response_id}/cancel", options, cast_to=Response)

    def compact(self, **params: Unpack[CompactArgs]) -> CompactedResponse:
        """``POST /responses/compact``: the context's user messages and one ``compaction`` item, whose summary
        a next request's ``input`` carries instead of the items it summarises."""
        fields, options = split_options(params)
        return self._call("POST", "responses/compact", options, cast_to=CompactedResponse, body=given(**fields))

    # -------------------------------------------------------------- helpers

    def stream(self, *, response_id: Optional[str] = None, starting_after: Union[int, NotGiven] = NOT_GIVEN,
               text_format: Optional[type[BaseModel]] = None,
               **params: Unpack[ResponseCreateArgs]) -> ResponseStreamManager:
        """``with client.responses.stream(model=..., input=...) as stream:`` iterate typed events, then
        ``stream.get_final_response()``. With ``response_id=`` (and ``starting_after``) it follows a stored
        (background) response's stream instead of creating one."""
        opener = self._stream_opener(response_id, starting_after, text_format, params)
        return ResponseStreamManager(opener, text_format)

    def _stream_opener(self, response_id: Optional[str], starting_after: Union[int, NotGiven],
                       text_format: Optional[type[BaseModel]], params: dict[str, Any]) -> Any:
        if response_id is not None:
            fields, options = split_options(params)
            if fields.keys() - {"include"}:
                raise TypeError(f"Following response {response_id} takes no create parameters "
                                f"({', '.join(sorted(fields))}).")
            return lambda: self._plain.retrieve(response_id, stream=True, starting_after=starting_after,
                                                include=fields.get("include") or NOT_GIVEN, **options)
        if not isinstance(starting_after, NotGiven):
            raise TypeError("starting_after needs response_id.")
        body = _with_format(dict(params), text_format)
        return lambda: self._plain.create(stream=True, **body)

    def parse(self, *, text_format: Optional[type[BaseModel]] = None, parse_as: Optional[type[BaseModel]] = None,
              verbosity: Optional[Literal["low", "medium", "high"]] = None, stream: Optional[bool] = None,
              **params: Unpack[ResponseCreateArgs]) -> ParsedResponse:
        """Create a response whose answer has ``text_format``'s shape (a Pydantic model): the answer,
        validated, is ``output_parsed``. ``parse_as`` validates the answer as a model without asking for
        its shape; ``verbosity`` is ``text.verbosity``. (To stream, use ``stream(text_format=...)``.)"""
        created = self._plain.create(**_parse_body(params, text_format, verbosity, stream))
        return parse_response(created, parse_as or text_format)  # type: ignore[return-value]


    def connect(self, *, extra_query: Optional[Mapping[str, Any]] = None,
                extra_headers: Optional[Mapping[str, str]] = None,
                websocket_connection_options: Optional[Mapping[str, Any]] = None,
                on_reconnecting: Optional[Any] = None, max_retries: int = 5, initial_delay: float = 0.5,
                max_delay: float = 8.0, max_queue_size: int = 1_048_576) -> ResponsesConnectionManager:
        """The WebSocket mode: ``with client.responses.connect() as connection`` (``async with`` on the async
        client), then ``connection.response.create(...)`` and ``for event in connection``.

        This SDK does not reconnect a dropped socket: ``on_reconnecting`` is refused, and ``max_retries``,
        ``initial_delay`` and ``max_delay`` (the reconnection's) change nothing; nor does it queue events sent
        before the socket opens, so ``max_queue_size`` changes nothing either."""
        if on_reconnecting is not None:
            raise ValueError("on_reconnecting: this SDK does not reconnect a dropped socket; open a new one.")
        cls = AsyncResponsesConnectionManager if self._client.is_async else ResponsesConnectionManager
        return cls(self._client, model=None, extra_query=extra_query, extra_headers=extra_headers,
                   websocket_connection_options=websocket_connection_options, beta=False)


class AsyncResponses(Responses):
    """Async twin: methods return awaitables; ``stream`` an async stream manager."""

    create = awaitable_or_stream(Responses.create)  # type: ignore[assignment]
    retrieve = awaitable_or_stream(Responses.retrieve)  # type: ignore[assignment]
    delete = awaitable(Responses.delete)  # type: ignore[assignment]
    cancel = awaitable(Responses.cancel)  # type: ignore[assignment]
    compact = awaitable(Responses.compact)  # type: ignore[assignment]

    @cached_property
    def input_items(self) -> AsyncInputItems:
        return self._child(InputItems, AsyncInputItems)

    @cached_property
    def input_tokens(self) -> AsyncInputTokens:
        return self._child(InputTokens, AsyncInputTokens)

    def stream(self, *, response_id: Optional[str] = None,  # type: ignore[override]
               starting_after: Union[int, NotGiven] = NOT_GIVEN, text_format: Optional[type[BaseModel]] = None,
               **params: Unpack[ResponseCreateArgs]) -> AsyncResponseStreamManager:
        """``async with client.responses.stream(...) as stream:``."""
        opener = self._stream_opener(response_id, starting_after, text_format, params)
        return AsyncResponseStreamManager(opener, text_format)

    async def parse(self, *, text_format: Optional[type[BaseModel]] = None,  # type: ignore[override]
                    parse_as: Optional[type[BaseModel]] = None,
                    verbosity: Optional[Literal["low", "medium", "high"]] = None, stream: Optional[bool] = None,
                    **params: Unpack[ResponseCreateArgs]) -> ParsedResponse:
        created = await self._plain.create(**_parse_body(params, text_format, verbosity, stream))
        return parse_response(created, parse_as or text_format)  # type: ignore[return-value]
