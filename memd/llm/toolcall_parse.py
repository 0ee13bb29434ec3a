"""Tool calls out of raw model text, shared by every backend.

Servers without a tool parser (vLLM without --tool-call-parser, mlx_lm.server with an unknown
template, an in-process mlx model) hand back the model's text. Models trained on Hermes-style
templates (Qwen3, MemReader) write `<tool_call>{"name": ..., "arguments": {...}}</tool_call>`;
others fall back to a JSON object, often in a ```json fence, sometimes followed by chatter.

Only a call whose JSON decodes completely is returned; anything that looked like a call but
did not decode is reported in `problems` with the decoder's reason, so a repair prompt can tell
the model exactly what was wrong. Every call found is returned in order; the caller takes the
first one that validates and reports the rest.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from memd.llm.base import ParsedToolCall, dumps

BLOCK_OPEN = "<tool_call>"
BLOCK_CLOSE = "</tool_call>"

_DECODER = json.JSONDecoder()
# Where a call object starts in free text; used to report calls whose JSON is broken.
_CALL_START = re.compile(r'\{\s*"(?:name|function)"\s*:')
_EMPTY_FENCE = re.compile(r"```[A-Za-z_]*\s*```")
_FENCE = re.compile(r"^```[A-Za-z_]*\s*\n?(.*?)\n?```$", re.S)
# Scanning for JSON starts is quadratic on adversarial text; real replies have few braces.
_MAX_JSON_STARTS = 200


class ArgumentsError(ValueError):
    """Tool-call arguments that are not a JSON object."""


@dataclass
class ParseOutcome:
    calls: list[ParsedToolCall] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    text: str = ""  # the input with the parsed call blocks removed


def parse_tool_calls(text: str) -> ParseOutcome:
    """Every complete tool call in `text`, in order, with a reason for each broken one."""
    if BLOCK_OPEN in text:
        return _parse_blocks(text)
    return _parse_free_json(text)


def parse_arguments(value: Any) -> dict[str, Any]:
    """Arguments as servers send them: a JSON object, or a string holding one (maybe twice)."""
    if value is None:
        return {}
    if isinstance(value, str):
        stripped = value.strip()
        if not stripped:
            return {}
        try:
            decoded, _ = _DECODER.raw_decode(stripped)
        except json.JSONDecodeError as exc:
            raise ArgumentsError(f"arguments are not valid JSON ({exc.msg} at character {exc.pos})") from None
        # Some models JSON-encode the arguments object twice.
        if isinstance(decoded, str):
            return parse_arguments(decoded)
        value = decoded
    if not isinstance(value, dict):
        raise ArgumentsError(f"arguments must be a JSON object, not {_json_type(value)}")
    return value


def call_from_object(obj: Any, raw: str | None = None, *, require_arguments: bool = False) -> ParsedToolCall:
    """A ParsedToolCall from a decoded call object; ArgumentsError says why it is not one.

    Accepts {"name", "arguments"}, {"name", "parameters"} (Llama-style) and the OpenAI
    {"type": "function", "function": {...}} wrapper.
    """
    if not isinstance(obj, dict):
        raise ArgumentsError(f"a tool call must be a JSON object, not {_json_type(obj)}")
    inner = obj.get("function")
    if isinstance(inner, dict) and "name" in inner:
        call = call_from_object(inner, raw, require_arguments=require_arguments)
        call.id = obj.get("id") if isinstance(obj.get("id"), str) else None
        return call
    name = obj.get("name")
    if not isinstance(name, str) or not name.strip():
        raise ArgumentsError('the tool call has no "name"')
    if "arguments" in obj:
        args = obj["arguments"]
    elif "parameters" in obj:
        args = obj["parameters"]
    elif require_arguments:
        raise ArgumentsError(f'the call to {name} has no "arguments"')
    else:
        args = None
    try:
        arguments = parse_arguments(args)
    except ArgumentsError as exc:
        raise ArgumentsError(f"{name}: {exc}") from None
    return ParsedToolCall(name=name.strip(), arguments=arguments, raw=raw if raw is not None else dumps(obj))


def _parse_blocks(text: str) -> ParseOutcome:
    out = ParseOutcome()
    kept: list[str] = []
    pos = 0
    number = 0
    while True:
        start = text.find(BLOCK_OPEN, pos)
        if start == -1:
            kept.append(text[pos:])
            break
        kept.append(text[pos:start])
        number += 1
        body_start = start + len(BLOCK_OPEN)
        end = text.find(BLOCK_CLOSE, body_start)
        terminated = end != -1
        body = text[body_start:end] if terminated else text[body_start:]
        pos = end + len(BLOCK_CLOSE) if terminated else len(text)
        _parse_block_body(body.strip(), number, terminated, out)
    out.text = "".join(kept).strip()
    return out


def _parse_block_body(body: str, number: int, terminated: bool, out: ParseOutcome) -> None:
    label = f"tool call {number}"
    fenced = _FENCE.match(body)
    if fenced:
        body = fenced.group(1).strip()
    if not body:
        out.problems.append(f"{label}: the <tool_call> block is empty")
        return
    start = min((i for i in (body.find("{"), body.find("[")) if i != -1), default=-1)
    if start == -1:
        out.problems.append(f"{label}: no JSON object in the <tool_call> block")
        return
    try:
        value, _ = _DECODER.raw_decode(body, start)
    except json.JSONDecodeError as exc:
        cut = "" if terminated else " (the block is not closed: the reply probably stopped early)"
        out.problems.append(f"{label}: invalid JSON ({exc.msg} at character {exc.pos}){cut}")
        return
    # A complete JSON value inside an unclosed block is still a complete call: some servers
    # strip the closing tag along with the stop token.
    for item in value if isinstance(value, list) else [value]:
        try:
            out.calls.append(call_from_object(item, body))
        except ArgumentsError as exc:
            out.problems.append(f"{label}: {exc}")


def _parse_free_json(text: str) -> ParseOutcome:
    out = ParseOutcome()
    removed: list[tuple[int, int]] = []
    pos = 0
    tries = 0
    while tries < _MAX_JSON_STARTS:
        start = _next_json_start(text, pos)
        if start == -1:
            break
        tries += 1
        try:
            value, end = _DECODER.raw_decode(text, start)
        except json.JSONDecodeError as exc:
            if _CALL_START.match(text, start):
                out.problems.append(f"a tool call's JSON is invalid ({exc.msg} at character {exc.pos - start})")
                # Skip the broken object's opening so its inner objects are not taken as calls.
                pos = _skip_to_close_or_end(text, start)
            else:
                pos = start + 1
            continue
        items = _unwrap_calls(value)
        if items and all(_looks_like_call(i) for i in items):
            raw = text[start:end]
            for item in items:
                try:
                    out.calls.append(call_from_object(item, raw, require_arguments=True))
                except ArgumentsError as exc:
                    out.problems.append(str(exc))
            removed.append((start, end))
        pos = end
    out.text = _EMPTY_FENCE.sub("", _cut(text, removed)).strip()
    return out


def _unwrap_calls(value: Any) -> list[Any]:
    # llama.cpp's generic tool format and some fine-tunes wrap calls as {"tool_call": {...}}
    # or {"tool_calls": [...]}.
    if isinstance(value, dict) and len(value) == 1:
        inner = value.get("tool_call", value.get("tool_calls"))
        if inner is not None:
            value = inner
    return value if isinstance(value, list) else [value]


def _looks_like_call(value: Any) -> bool:
    if not isinstance(value, dict):
        return False
    inner = value.get("function")
    if isinstance(inner, dict):
        return _looks_like_call(inner)
    return isinstance(value.get("name"), str) and ("arguments" in value or "parameters" in value)


def _next_json_start(text: str, pos: int) -> int:
    starts = [i for i in (text.find("{", pos), text.find("[", pos)) if i != -1]
    return min(starts) if starts else -1


def _skip_to_close_or_end(text: str, start: int) -> int:
    # A broken call usually runs to the end of the text (cut off) or to a fence; resume after
    # the next fence so a later, complete call can still be found.
    fence = text.find("```", start)
    return fence if fence != -1 else len(text)


def _cut(text: str, spans: list[tuple[int, int]]) -> str:
    if not spans:
        return text
    parts: list[str] = []
    pos = 0
    for start, end in spans:
        parts.append(text[pos:start])
        pos = end
    parts.append(text[pos:])
    return "".join(parts)


def _json_type(value: Any) -> str:
    if isinstance(value, list):
        return "an array"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if value is None:
        return "null"
    return type(value).__name__
