"""``client.models``: the models that answer on the server (``GET /v1/models``)."""

from __future__ import annotations

from typing_extensions import Unpack

from ...types.model import Model
from .._pagination import SyncPage
from .._request import RequestOptions
from .._resource import APIResource, async_pages, awaitable


class Models(APIResource):
    def list(self, **options: Unpack[RequestOptions]) -> SyncPage[Model]:
        """The names that pick a model on the server, the default first (one page)."""
        return self._call("GET", "models", options, cast_to=Model, page=self._page_class(single=True))

    def retrieve(self, model: str, **options: Unpack[RequestOptions]) -> Model:
        return self._call("GET", f"models/{model}", options, cast_to=Model)


class AsyncModels(Models):
    """Async twin: methods return awaitables (``list`` an async page)."""

    list = async_pages(Models.list)  # type: ignore[assignment]
    retrieve = awaitable(Models.retrieve)  # type: ignore[assignment]
