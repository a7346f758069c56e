from .input_items import AsyncInputItems, InputItems
from .input_tokens import AsyncInputTokens, InputTokens
from .responses import AsyncResponses, Responses
from .responses_args import ResponseCreateArgs

__all__ = ["AsyncInputItems", "AsyncInputTokens", "AsyncResponses", "InputItems", "InputTokens",
           "ResponseCreateArgs", "Responses"]
