"""The model layer: one chat interface (ChatModel) over OpenAI-compatible servers and mlx-lm.

mlx itself is imported only when an MLXChatModel loads its model, so importing memd.llm never
needs the optional mlx extra.
"""

from memd.llm.base import ChatModel, ChatRequest, ChatResult, ParsedToolCall, Usage
from memd.llm.calllog import CallLog
from memd.llm.errors import (
    LLMConnectionError,
    LLMDependencyError,
    LLMError,
    LLMHTTPError,
    LLMMalformedResponseError,
    LLMModelLoadError,
    LLMTimeoutError,
)
from memd.llm.factory import build_chat_model
from memd.llm.mlx_local import MLXChatModel
from memd.llm.openai_compat import OpenAICompatModel

__all__ = [
    "CallLog",
    "ChatModel",
    "ChatRequest",
    "ChatResult",
    "LLMConnectionError",
    "LLMDependencyError",
    "LLMError",
    "LLMHTTPError",
    "LLMMalformedResponseError",
    "LLMModelLoadError",
    "LLMTimeoutError",
    "MLXChatModel",
    "OpenAICompatModel",
    "ParsedToolCall",
    "Usage",
    "build_chat_model",
]
