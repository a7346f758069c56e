"""``openbeta.types.beta.chatkit``."""

from ...chatkit import (
    ChatKitAttachment,
    ChatKitClientToolCallItem,
    ChatKitItem,
    ChatKitResponseOutputText,
    ChatKitTaskGroupItem,
    ChatKitTaskItem,
    ChatKitThread,
    ChatKitThreadAssistantMessageItem,
    ChatKitThreadDeleted,
    ChatKitThreadItem,
    ChatKitThreadUserMessageItem,
    ChatKitWidgetItem,
    ChatKitWorkflow,
    ChatSession,
)

__all__ = ["ChatKitAttachment", "ChatKitClientToolCallItem", "ChatKitItem", "ChatKitResponseOutputText",
           "ChatKitTaskGroupItem", "ChatKitTaskItem", "ChatKitThread", "ChatKitThreadAssistantMessageItem",
           "ChatKitThreadDeleted", "ChatKitThreadItem", "ChatKitThreadUserMessageItem", "ChatKitWidgetItem",
           "ChatKitWorkflow", "ChatSession"]
