"""The extraction backend that asks a language model (any memd.llm ChatModel) for the tool call.

One decision: render the request (memd.llm.memreader_prompt), offer the tools this step
allows, take the first call that validates. A reply with no usable call (unparseable, invalid
arguments, a tool that is not offered, cut off at max_tokens) gets one repair retry that quotes
the reply and says exactly what was wrong; a second failure becomes ignore_memory with a reason
starting with INVALID_CALL_REASON, which the loop logs as a warning. A partial call is never
returned: validate_call gates every call.

Transport failures (server down, timeout, HTTP errors, a body that is not a chat completion)
are raised as memd.llm.errors.LLMError, not turned into ignore_memory: the loop can keep the
turn and retry later instead of losing it.
"""

from __future__ import annotations

import logging
from typing import Any

from memd.extract.tools import IGNORE, SEARCH, DecisionRequest, ToolCall, tools_for, validate_call
from memd.llm.base import ChatModel, ChatResult, Message
from memd.llm.calllog import CallLog
from memd.llm.factory import build_chat_model, setting
from memd.llm.memreader_prompt import render_messages, repair_message

log = logging.getLogger("memd.extract.llm")

INVALID_CALL_REASON = "invalid tool call from the model"


class LLMBackend:
    """A Backend (memd.extract.tools.Backend) on top of a ChatModel."""

    def __init__(
        self,
        model: ChatModel,
        *,
        max_tokens: int = 2048,
        temperature: float = 0.2,
        tool_choice: str | None = "required",
        name: str | None = None,
    ):
        self.model = model
        self.name = name or model.backend
        self.max_tokens = max_tokens
        self.temperature = temperature
        self.tool_choice = tool_choice

    def decide(self, request: DecisionRequest) -> ToolCall:
        tools = offered_tools(request)
        allowed = [t["function"]["name"] for t in tools]
        messages = render_messages(request, allowed)

        first = self._ask(messages, tools, tag="extract")
        call, problems = pick_call(first, request, allowed)
        if call is not None:
            return call

        log.info("%s: unusable reply (%s); asking once more", self.name, "; ".join(problems))
        retry_messages = messages + [
            {"role": "assistant", "content": first.reply_text() or "(empty reply)"},
            {"role": "user", "content": repair_message(problems, allowed)},
        ]
        second = self._ask(retry_messages, tools, tag="extract-repair")
        call, problems = pick_call(second, request, allowed)
        if call is not None:
            return call

        reason = f"{INVALID_CALL_REASON} after one repair retry: {'; '.join(problems)}"
        log.warning("%s: %s", self.name, reason)
        return ToolCall(
            name=IGNORE,
            arguments={"reason": reason},
            reasoning=second.reasoning,
            raw=second.reply_text() or None,
        )

    def _ask(self, messages: list[Message], tools: list[dict[str, Any]], *, tag: str) -> ChatResult:
        return self.model.chat(
            messages,
            tools=tools,
            tool_choice=self.tool_choice,
            max_tokens=self.max_tokens,
            temperature=self.temperature,
            tag=tag,
        )


def llm_backend_from_config(backend: str, *, llm: Any, mlx: Any = None, calllog: CallLog | None = None) -> LLMBackend:
    """The LLMBackend for extract.backend = "openai" | "mlx", from the [llm] and [mlx] sections.

    Per-call settings come from [llm]: max_tokens, temperature, and tool_choice (optional,
    default "required"; "auto" or "none" for servers and models that need it).
    """
    model = build_chat_model(backend, llm=llm, mlx=mlx, calllog=calllog)
    tool_choice = setting(llm, "tool_choice", "required")
    return LLMBackend(
        model,
        max_tokens=int(setting(llm, "max_tokens", 2048)),
        temperature=float(setting(llm, "temperature", 0.2)),
        tool_choice=None if tool_choice in (None, "", "none") else tool_choice,
    )


def offered_tools(request: DecisionRequest) -> list[dict[str, Any]]:
    tools = tools_for(request.final)
    if not request.allow_search:
        tools = [t for t in tools if t["function"]["name"] != SEARCH]
    return tools


def pick_call(result: ChatResult, request: DecisionRequest, allowed: list[str]) -> tuple[ToolCall | None, list[str]]:
    """The first valid call of a reply, or None and every reason none was usable."""
    if result.truncated:
        return None, list(result.tool_call_problems) or ["the reply was cut off at the token limit"]
    problems: list[str] = []
    if not result.tool_calls:
        problems.append("the reply contains no tool call")
        problems += result.tool_call_problems
        return None, problems
    for index, parsed in enumerate(result.tool_calls):
        call = ToolCall(name=parsed.name, arguments=parsed.arguments, reasoning=result.reasoning, raw=parsed.raw)
        if parsed.name not in allowed:
            errors = [f"{parsed.name!r} is not available at this step; use one of {', '.join(allowed)}"]
        else:
            errors = validate_call(call, final=request.final)
        if not errors:
            skipped = len(result.tool_calls) - 1
            if skipped or result.tool_call_problems:
                log.info(
                    "using call %d (%s) of the reply; ignored %d other call(s) and %d unparseable one(s)",
                    index + 1,
                    parsed.name,
                    skipped,
                    len(result.tool_call_problems),
                )
            return call, []
        problems.append(f"{parsed.name}: {'; '.join(errors)}")
    return None, problems + result.tool_call_problems
