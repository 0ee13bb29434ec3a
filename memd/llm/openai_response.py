"""Turn an OpenAI-style chat completion body into a ChatResult, whichever server wrote it.

Where servers differ (see tests/llm/recordings/):
- reasoning: `reasoning_content` (vLLM <= 0.10, SGLang, llama.cpp), `reasoning` (vLLM >= 0.11,
  Ollama, mlx_lm.server), `thinking` (some proxies), or `<think>` left in `content` when the
  server has no reasoning parser;
- tool calls: `tool_calls[].function.arguments` as a JSON string (the spec) or an object;
  with no tool parser the call stays in `content` as `<tool_call>` blocks or bare JSON;
- content: a string, null, or a list of text parts.
"""

from __future__ import annotations

from typing import Any

from memd.llm.base import ChatResult, ParsedToolCall, Usage, dumps
from memd.llm.errors import LLMMalformedResponseError
from memd.llm.thinking import split_thinking
from memd.llm.toolcall_parse import ArgumentsError, call_from_object, parse_tool_calls

_REASONING_FIELDS = ("reasoning_content", "reasoning", "thinking")


def parse_chat_completion(body: Any, *, url: str, fallback_model: str) -> ChatResult:
    """A ChatResult from a decoded response body; LLMMalformedResponseError if it is not one."""
    if not isinstance(body, dict):
        raise LLMMalformedResponseError(f"{url} answered with JSON that is not an object")
    choices = body.get("choices")
    if not isinstance(choices, list) or not choices:
        raise LLMMalformedResponseError(f"{url} answered without any choices")
    choice = choices[0]
    if not isinstance(choice, dict) or not isinstance(choice.get("message"), dict):
        raise LLMMalformedResponseError(f"{url} answered with a choice that has no message")
    message = choice["message"]

    content = _text_of(message.get("content"))
    field_reasoning = [message[f] for f in _REASONING_FIELDS if isinstance(message.get(f), str) and message[f].strip()]
    inline_reasoning, content = split_thinking(content)
    reasoning_parts = [r.strip() for r in field_reasoning] + ([inline_reasoning] if inline_reasoning else [])

    calls: list[ParsedToolCall] = []
    problems: list[str] = []
    structured = message.get("tool_calls") or []
    legacy = message.get("function_call")
    if isinstance(structured, list) and structured:
        for number, item in enumerate(structured, 1):
            try:
                calls.append(call_from_object(item, _raw_of(item), require_arguments=False))
            except ArgumentsError as exc:
                problems.append(f"tool call {number}: {exc}")
    elif isinstance(legacy, dict):
        try:
            calls.append(call_from_object(legacy, _raw_of({"function": legacy})))
        except ArgumentsError as exc:
            problems.append(f"function call: {exc}")
    else:
        outcome = parse_tool_calls(content)
        calls, problems, content = outcome.calls, outcome.problems, outcome.text

    return ChatResult(
        content=content,
        tool_calls=calls,
        reasoning="\n".join(reasoning_parts) or None,
        finish_reason=choice.get("finish_reason") if isinstance(choice.get("finish_reason"), str) else None,
        usage=_usage_of(body.get("usage")),
        raw_response=body,
        model=body.get("model") if isinstance(body.get("model"), str) and body.get("model") else fallback_model,
        tool_call_problems=problems,
    )


def _text_of(content: Any) -> str:
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(p.get("text", "") for p in content if isinstance(p, dict) and isinstance(p.get("text"), str))
    return str(content)


def _raw_of(item: Any) -> str:
    # What the model "said" for this call, in the Hermes shape the journal and repair use.
    fn = item.get("function") if isinstance(item, dict) else None
    if isinstance(fn, dict):
        args = fn.get("arguments")
        if isinstance(args, str):
            return f'{{"name": {dumps(fn.get("name"))}, "arguments": {args}}}'
        return dumps({"name": fn.get("name"), "arguments": args})
    return dumps(item)


def _usage_of(usage: Any) -> Usage:
    if not isinstance(usage, dict):
        return Usage()
    details = usage.get("prompt_tokens_details")
    cached = details.get("cached_tokens") if isinstance(details, dict) else None
    return Usage(
        prompt_tokens=_int_or_none(usage.get("prompt_tokens")),
        completion_tokens=_int_or_none(usage.get("completion_tokens")),
        cached_tokens=_int_or_none(cached),
    )


def _int_or_none(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None
