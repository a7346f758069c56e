"""``client.beta.assistants``."""

from __future__ import annotations

from typing import Any, Iterable, Literal, Optional, Union

from typing_extensions import Unpack

from ....types.assistant import Assistant, AssistantDeleted
from ..._pagination import SyncCursorPage
from ..._request import ASSISTANTS_BETA, RequestOptions
from ..._resource import APIResource, async_pages, awaitable
from ..._types import NOT_GIVEN, NotGiven, given

Order = Literal["asc", "desc"]


class Assistants(APIResource):
    _beta = ASSISTANTS_BETA

    def create(self, *, model: str, description: Union[Optional[str], NotGiven] = NOT_GIVEN,
               instructions: Union[Optional[str], NotGiven] = NOT_GIVEN,
               metadata: Union[Optional[dict[str, str]], NotGiven] = NOT_GIVEN,
               name: Union[Optional[str], NotGiven] = NOT_GIVEN,
               reasoning_effort: Union[Optional[str], NotGiven] = NOT_GIVEN,
               response_format: Union[Any, NotGiven] = NOT_GIVEN,
               temperature: Union[Optional[float], NotGiven] = NOT_GIVEN,
               tool_resources: Union[Optional[dict[str, Any]], NotGiven] = NOT_GIVEN,
               tools: Union[Iterable[dict[str, Any]], NotGiven] = NOT_GIVEN,
               top_p: Union[Optional[float], NotGiven] = NOT_GIVEN,
               **options: Unpack[RequestOptions]) -> Assistant:
        """Create an assistant with a model and instructions."""
        body = given(model=model, description=description, instructions=instructions, metadata=metadata,
                     name=name, reasoning_effort=reasoning_effort, response_format=response_format,
                     temperature=temperature, tool_resources=tool_resources, tools=tools, top_p=top_p)
        return self._call("POST", "assistants", options, cast_to=Assistant, body=body)

    def retrieve(self, assistant_id: str, **options: Unpack[RequestOptions]) -> Assistant:
        return self._call("GET", f"assistants/{assistant_id}", options, cast_to=Assistant)

    def update(self, assistant_id: str, *, description: Union[Optional[str], NotGiven] = NOT_GIVEN,
               instructions: Union[Optional[str], NotGiven] = NOT_GIVEN,
               metadata: Union[Optional[dict[str, str]], NotGiven] = NOT_GIVEN,
               model: Union[str, NotGiven] = NOT_GIVEN, name: Union[Optional[str], NotGiven] = NOT_GIVEN,
               reasoning_effort: Union[Optional[str], NotGiven] = NOT_GIVEN,
               response_format: Union[Any, NotGiven] = NOT_GIVEN,
               temperature: Union[Optional[float], NotGiven] = NOT_GIVEN,
               tool_resources: Union[Optional[dict[str, Any]], NotGiven] = NOT_GIVEN,
               tools: Union[Iterable[dict[str, Any]], NotGiven] = NOT_GIVEN,
               top_p: Union[Optional[float], NotGiven] = NOT_GIVEN,
               **options: Unpack[RequestOptions]) -> Assistant:
        body = given(description=description, instructions=instructions, metadata=metadata, model=model,
                     name=name, reasoning_effort=reasoning_effort, response_format=response_format,
                     temperature=temperature, tool_resources=tool_resources, tools=tools, top_p=top_p)
        return self._call("POST", f"assistants/{assistant_id}", options, cast_to=Assistant, body=body)

    def list(self, *, after: Union[str, NotGiven] = NOT_GIVEN, before: Union[str, NotGiven] = NOT_GIVEN,
             limit: Union[int, NotGiven] = NOT_GIVEN, order: Union[Order, NotGiven] = NOT_GIVEN,
             **options: Unpack[RequestOptions]) -> SyncCursorPage[Assistant]:
        query = given(after=after, before=before, limit=limit, order=order)
        return self._call("GET", "assistants", options, cast_to=Assistant, query=query, page=self._page_class())

    def delete(self, assistant_id: str, **options: Unpack[RequestOptions]) -> AssistantDeleted:
        return self._call("DELETE", f"assistants/{assistant_id}", options, cast_to=AssistantDeleted)


class AsyncAssistants(Assistants):
    """Async twin: every method returns an awaitable (``list`` an async paginator)."""

    create = awaitable(Assistants.create)  # type: ignore[assignment]
    retrieve = awaitable(Assistants.retrieve)  # type: ignore[assignment]
    update = awaitable(Assistants.update)  # type: ignore[assignment]
    list = async_pages(Assistants.list)  # type: ignore[assignment]
    delete = awaitable(Assistants.delete)  # type: ignore[assignment]
