from .assistants import Assistants, AsyncAssistants
from .beta import AsyncBeta, Beta

__all__ = ["AsyncAssistants", "AsyncBeta", "Assistants", "Beta"]
