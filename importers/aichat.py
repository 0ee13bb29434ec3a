"""Shared pieces of the plain AI-chat dataset formats (OpenAI messages JSONL, ShareGPT).

Both are lists of {role, content} messages with no ids or dates: turn ids are positions (the
content of a dataset line is fixed), a conversation's id is the dataset's own id when it has one,
otherwise a hash of its content, so the same conversation imported twice is recognised.
"""

from __future__ import annotations

import hashlib
from typing import Any

from .model import Turn, canonical_json

_ROLE = {
    "user": "user", "human": "user",
    "assistant": "assistant", "gpt": "assistant", "chatgpt": "assistant", "bard": "assistant",
    "bing": "assistant", "model": "assistant", "claude": "assistant",
    "system": "system", "developer": "system",
    "tool": "tool", "function": "tool", "function_call": "tool", "observation": "tool",
    "tool_response": "tool", "ipython": "tool",
}


def role_of(value: Any) -> str:
    return _ROLE.get(str(value).lower(), "other")


def content_text(content: Any) -> str:
    """OpenAI message content: a string, or a list of typed parts."""
    if isinstance(content, str):
        return content
    if not isinstance(content, list):
        return ""
    out: list[str] = []
    for part in content:
        if isinstance(part, str):
            out.append(part)
        elif isinstance(part, dict):
            ptype = part.get("type")
            if isinstance(part.get("text"), str):
                out.append(part["text"])
            elif ptype in ("image_url", "input_image", "image"):
                out.append("[image]")
            elif ptype in ("input_audio", "audio"):
                out.append("[audio]")
            elif ptype in ("file", "input_file"):
                out.append(f"[file: {(part.get('file') or {}).get('filename') or 'attachment'}]")
    return "\n".join(out)


def tool_calls_text(calls: Any) -> str:
    out = []
    for call in calls if isinstance(calls, list) else []:
        fn = call.get("function") if isinstance(call, dict) else None
        if isinstance(fn, dict):
            out.append(f"[tool call: {fn.get('name')}({fn.get('arguments') or ''})]")
    return "\n".join(out)


def stable_id(record: Any) -> str:
    return hashlib.sha256(canonical_json(record).encode("utf-8")).hexdigest()[:16]


def title_from(turns: list[Turn], fallback: str) -> str:
    for turn in turns:
        if turn.role == "user" and turn.text.strip():
            first = turn.text.strip().splitlines()[0]
            return first if len(first) <= 80 else first[:79].rstrip() + "…"
    return fallback
