"""The model interface every backend implements, and what one chat call returns.

Messages and tools use the OpenAI chat shape (role/content/tool_calls/tool_call_id; tools as
{"type": "function", "function": {...}}) because every server we target speaks it and HF chat
templates accept it; a backend that is not an HTTP server (mlx) adapts it locally.

`ChatModel.chat` is a template method: it times the call, enforces the rules every backend
must obey (a truncated reply never carries a tool call), and writes one call-log row whether
the call succeeded or failed. Backends implement only `_chat`.
"""

from __future__ import annotations

import json
import time
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any, ClassVar

if TYPE_CHECKING:
    from memd.llm.calllog import CallLog

Message = dict[str, Any]


@dataclass
class ParsedToolCall:
    """One complete, parseable tool call. `raw` is the text it came from (for the journal)."""

    name: str
    arguments: dict[str, Any]
    raw: str
    id: str | None = None


@dataclass
class Usage:
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    cached_tokens: int | None = None  # prompt tokens served from a prefix cache

    @property
    def total_tokens(self) -> int | None:
        if self.prompt_tokens is None or self.completion_tokens is None:
            return None
        return self.prompt_tokens + self.completion_tokens


@dataclass
class ChatRequest:
    messages: list[Message]
    tools: list[dict[str, Any]] | None = None
    tool_choice: str | dict[str, Any] | None = None
    max_tokens: int = 1024
    temperature: float = 0.2
    top_p: float | None = None


@dataclass
class ChatResult:
    content: str  # visible text: reasoning and parsed tool-call blocks removed
    tool_calls: list[ParsedToolCall] = field(default_factory=list)
    reasoning: str | None = None
    finish_reason: str | None = None
    usage: Usage = field(default_factory=Usage)
    raw_response: Any = None  # decoded body (HTTP) or generated text and stats (mlx)
    model: str = ""
    # Why something that looked like a tool call could not be used, one line each.
    tool_call_problems: list[str] = field(default_factory=list)
    # What the backend did on the way (retries, tool_choice fallbacks), for the call log.
    notes: list[str] = field(default_factory=list)

    @property
    def truncated(self) -> bool:
        return self.finish_reason == "length"

    def reply_text(self) -> str:
        """The reply as the model would see it quoted back: content plus its tool calls."""
        parts = [self.content] if self.content else []
        parts += [f"<tool_call>\n{tc.raw}\n</tool_call>" for tc in self.tool_calls]
        return "\n".join(parts)


class ChatModel(ABC):
    """A chat model with tool calling. Subclasses set `backend` and implement `_chat`."""

    backend: ClassVar[str] = "abstract"

    def __init__(self, *, model: str, calllog: CallLog | None = None):
        self.model = model
        self.calllog = calllog

    def chat(
        self,
        messages: list[Message],
        *,
        tools: list[dict[str, Any]] | None = None,
        tool_choice: str | dict[str, Any] | None = None,
        max_tokens: int = 1024,
        temperature: float = 0.2,
        top_p: float | None = None,
        tag: str | None = None,
    ) -> ChatResult:
        """Send one chat request. `tag` labels the call-log row (e.g. "extract", "ask").

        Raises memd.llm.errors.LLMError subclasses; the failure is logged before raising.
        """
        request = ChatRequest(
            messages=messages,
            tools=tools,
            tool_choice=tool_choice,
            max_tokens=max_tokens,
            temperature=temperature,
            top_p=top_p,
        )
        started = datetime.now(timezone.utc)
        t0 = time.perf_counter()
        try:
            result = self._chat(request)
        except BaseException as exc:
            self._log(request, None, started, t0, tag, error=f"{type(exc).__name__}: {exc}")
            raise
        _drop_truncated_calls(result)
        self._log(request, result, started, t0, tag)
        return result

    @abstractmethod
    def _chat(self, request: ChatRequest) -> ChatResult: ...

    def close(self) -> None:
        """Release connections or model memory. Safe to call twice."""

    def __enter__(self) -> ChatModel:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _log(
        self,
        request: ChatRequest,
        result: ChatResult | None,
        started: datetime,
        t0: float,
        tag: str | None,
        error: str | None = None,
    ) -> None:
        if self.calllog is None:
            return
        self.calllog.record(
            started=started,
            backend=self.backend,
            model=(result.model if result and result.model else self.model),
            tag=tag,
            request=request,
            result=result,
            duration_ms=int((time.perf_counter() - t0) * 1000),
            error=error,
        )


def _drop_truncated_calls(result: ChatResult) -> None:
    # A reply cut off by max_tokens may hold a call that parses but lost its tail (a shorter
    # memory_list, a cut summary). Whatever parsed is moved to the problems so no caller can
    # apply part of a call.
    if not result.truncated:
        return
    if result.tool_calls:
        names = ", ".join(tc.name for tc in result.tool_calls)
        result.tool_call_problems.insert(
            0, f"the reply was cut off at the token limit (finish_reason=length); its tool call ({names}) may be incomplete and was dropped"
        )
        result.tool_calls = []
    else:
        result.tool_call_problems.insert(
            0, "the reply was cut off at the token limit (finish_reason=length) before a complete tool call"
        )


def dumps(value: Any) -> str:
    """JSON for logs and arguments: unicode kept readable, anything odd stringified."""
    return json.dumps(value, ensure_ascii=False, default=str)
