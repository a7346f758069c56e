"""``/v1/models``: the models that answer on this server (OpenAI's Models API, list and retrieve)."""

from __future__ import annotations

from fastapi import APIRouter

from ..services.models import ModelService
from .deps import service

router = APIRouter(prefix="/models", tags=["Models"])
Models = service("models")


@router.get("")
async def list_models(svc: ModelService = Models) -> dict:
    return await svc.list()


@router.get("/{model}")
async def retrieve_model(model: str, svc: ModelService = Models) -> dict:
    return await svc.get(model)
