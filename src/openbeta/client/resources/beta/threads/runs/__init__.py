from .runs import AsyncRuns, Runs
from .steps import AsyncSteps, Steps

__all__ = ["AsyncRuns", "AsyncSteps", "Runs", "Steps"]
