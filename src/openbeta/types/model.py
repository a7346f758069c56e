"""Models: ``/v1/models`` (OpenAI's Models API list and retrieve)."""

from __future__ import annotations

from typing import Literal

from ._base import WireModel


class Model(WireModel):
    id: str
    object: Literal["model"] = "model"
    #: Unix seconds; 0 when the model's making is not known (a packaged local model).
    created: int = 0
    owned_by: str


class ModelList(WireModel):
    object: Literal["list"] = "list"
    data: list[Model]
