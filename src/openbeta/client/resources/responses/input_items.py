"""``client.responses.input_items``: the items a response's request sent, as stored (paged)."""

from __future__ import annotations

from typing import Iterable, Literal, Union

from typing_extensions import Unpack

from ....types.responses import Includable, Item
from ..._pagination import SyncCursorPage
from ..._request import RequestOptions
from ..._resource import APIResource, async_pages
from ..._types import NOT_GIVEN, NotGiven, given


class InputItems(APIResource):
    def list(self, response_id: str, *, after: Union[str, NotGiven] = NOT_GIVEN,
             before: Union[str, NotGiven] = NOT_GIVEN, limit: Union[int, NotGiven] = NOT_GIVEN,
             order: Union[Literal["asc", "desc"], NotGiven] = NOT_GIVEN,
             include: Union[Iterable[Includable], NotGiven] = NOT_GIVEN,
             **options: Unpack[RequestOptions]) -> SyncCursorPage[Item]:
        query = given(after=after, before=before, limit=limit, order=order,
                      **{"include[]": list(include) if include else NOT_GIVEN})
        return self._call("GET", f"responses/{response_id}/input_items", options, cast_to=Item, query=query,
                          page=self._page_class())


class AsyncInputItems(InputItems):
    list = async_pages(InputItems.list)  # type: ignore[assignment]
