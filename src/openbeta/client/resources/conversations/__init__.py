from .conversations import AsyncConversations, Conversations
from .items import AsyncItems, Items

__all__ = ["AsyncConversations", "AsyncItems", "Conversations", "Items"]
