"""``client.beta``: assistants, threads, realtime and chatkit."""

from __future__ import annotations

from functools import cached_property

from ..._resource import APIResource
from .assistants import Assistants, AsyncAssistants
from .chatkit import AsyncChatKit, ChatKit
from .realtime import AsyncRealtime, Realtime
from .threads import AsyncThreads, Threads


class Beta(APIResource):
    @cached_property
    def assistants(self) -> Assistants:
        return self._child(Assistants, AsyncAssistants)

    @cached_property
    def threads(self) -> Threads:
        return self._child(Threads, AsyncThreads)

    @cached_property
    def realtime(self) -> Realtime:
        return self._child(Realtime, AsyncRealtime)

    @cached_property
    def chatkit(self) -> ChatKit:
        return self._child(ChatKit, AsyncChatKit)


class AsyncBeta(Beta):
    @cached_property
    def assistants(self) -> AsyncAssistants:
        return self._child(Assistants, AsyncAssistants)

    @cached_property
    def threads(self) -> AsyncThreads:
        return self._child(Threads, AsyncThreads)

    @cached_property
    def realtime(self) -> AsyncRealtime:
        return self._child(Realtime, AsyncRealtime)

    @cached_property
    def chatkit(self) -> AsyncChatKit:
        return self._child(ChatKit, AsyncChatKit)
