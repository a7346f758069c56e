"""The models that answer: ``GET /v1/models`` lists the names a run's (or realtime response's) ``model``
picks a model by, the default first, from the provider that answers them."""

from __future__ import annotations

from typing import Any, Callable

from ...types.model import Model, ModelList
from ..errors import NotFound
from ..providers.base import Provider, ProviderError


class ModelService:
    def __init__(self, provider: Callable[[], Provider]) -> None:
        self._provider = provider

    async def list(self) -> dict[str, Any]:
        try:
            provider = self._provider()
        except ProviderError:  # no model can load: runs fail saying why, and none is listed
            return ModelList(data=[]).to_dict()
        names = await provider.models()
        return ModelList(data=[Model(id=name, owned_by=provider.name) for name in names]).to_dict()

    async def get(self, model: str) -> dict[str, Any]:
        for listed in (await self.list())["data"]:
            if listed["id"] == model:
                return listed
        raise NotFound(f"The model '{model}' does not exist", param="model", code="model_not_found")
