"""``openbeta.types.beta.chatkit``."""

from ...chatkit import ChatKitThread, ChatKitThreadDeleted, ChatKitThreadItem, ChatKitWorkflow, ChatSession

__all__ = ["ChatKitThread", "ChatKitThreadDeleted", "ChatKitThreadItem", "ChatKitWorkflow", "ChatSession"]
