"""Separate a thinking model's `<think>...</think>` trace from the rest of its reply.

Three shapes occur in practice:
- `<think>trace</think>answer`: the model opened and closed the block itself;
- `trace</think>answer`: the chat template opened the block inside the prompt (Qwen3
  thinking-2507, MemReader via some templates), so the reply only closes it;
- `<think>trace...` with no close: the reply was cut off while thinking.
The trace must never be parsed for tool calls: models draft calls while thinking.
"""

from __future__ import annotations

OPEN = "<think>"
CLOSE = "</think>"


def split_thinking(text: str) -> tuple[str | None, str]:
    """Return (reasoning or None, the text with every thinking block removed)."""
    traces: list[str] = []
    rest = text
    close_at = rest.find(CLOSE)
    open_at = rest.find(OPEN)
    if close_at != -1 and (open_at == -1 or close_at < open_at):
        traces.append(rest[:close_at])
        rest = rest[close_at + len(CLOSE) :]
    while True:
        open_at = rest.find(OPEN)
        if open_at == -1:
            break
        close_at = rest.find(CLOSE, open_at + len(OPEN))
        if close_at == -1:
            traces.append(rest[open_at + len(OPEN) :])
            rest = rest[:open_at]
            break
        traces.append(rest[open_at + len(OPEN) : close_at])
        rest = rest[:open_at] + rest[close_at + len(CLOSE) :]
    reasoning = "\n".join(t.strip() for t in traces if t.strip())
    return (reasoning or None), rest.strip()


def prompt_opens_thinking(prompt_text: str) -> bool:
    """True when a rendered prompt ends inside an open thinking block."""
    return prompt_text.rfind(OPEN) > prompt_text.rfind(CLOSE)
