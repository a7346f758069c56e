"""``client.beta.threads.runs.steps``."""

from __future__ import annotations

from typing import Literal, Union

from typing_extensions import Unpack

from ......types.run_step import RunStep
from ....._pagination import SyncCursorPage
from ....._request import ASSISTANTS_BETA, RequestOptions
from ....._resource import APIResource, async_pages, awaitable
from ....._types import NOT_GIVEN, NotGiven, given


class Steps(APIResource):
    _beta = ASSISTANTS_BETA

    def retrieve(self, step_id: str, *, thread_id: str, run_id: str,
                 include: Union[list[str], NotGiven] = NOT_GIVEN, **options: Unpack[RequestOptions]) -> RunStep:
        return self._call("GET", f"threads/{thread_id}/runs/{run_id}/steps/{step_id}", options, cast_to=RunStep,
                          query=given(**{"include[]": include}))

    def list(self, run_id: str, *, thread_id: str, after: Union[str, NotGiven] = NOT_GIVEN,
             before: Union[str, NotGiven] = NOT_GIVEN, include: Union[list[str], NotGiven] = NOT_GIVEN,
             limit: Union[int, NotGiven] = NOT_GIVEN, order: Union[Literal["asc", "desc"], NotGiven] = NOT_GIVEN,
             **options: Unpack[RequestOptions]) -> SyncCursorPage[RunStep]:
        query = given(after=after, before=before, limit=limit, order=order, **{"include[]": include})
        return self._call("GET", f"threads/{thread_id}/runs/{run_id}/steps", options, cast_to=RunStep,
                          query=query, page=self._page_class())


class AsyncSteps(Steps):
    """Async twin: every method returns an awaitable (``list`` an async paginator)."""

    retrieve = awaitable(Steps.retrieve)  # type: ignore[assignment]
    list = async_pages(Steps.list)  # type: ignore[assignment]
