"""The extraction loop's vocabulary: turns, decision requests, the four tools and their schemas.

The tool schemas are MemReader's (seeds/003), extended as DESIGN.md says with optional `entity`
and `relation` on each memory item. Every backend (rules, openai, mlx) receives a
DecisionRequest and returns one ToolCall; `validate_call` is the single check that a call is
complete before the loop acts on it, so a partial call can never be applied.
"""

from __future__ import annotations

import copy
import functools
from dataclasses import dataclass, field
from typing import Any, Protocol


SEARCH = "search_memory"
ADD = "add_memory"
BUFFER = "buffer_memory"
IGNORE = "ignore_memory"
TOOL_NAMES = (SEARCH, ADD, BUFFER, IGNORE)
MEMORY_TYPES = ("LongTermMemory", "UserMemory")

_MEMORY_ITEM = {
    "type": "object",
    "properties": {
        "key": {"type": "string", "minLength": 1},
        "memory_type": {"type": "string", "enum": list(MEMORY_TYPES)},
        "value": {"type": "string", "minLength": 1},
        "tags": {"type": "array", "items": {"type": "string"}},
        "entity": {
            "type": "string",
            "description": "Name of the person, project, place or organisation the fact is about; omit for facts about the user.",
        },
        "relation": {
            "type": "string",
            "description": "How `entity` relates to the user (mother, employer, friend...), when the item states a relationship.",
        },
    },
    "required": ["key", "memory_type", "value", "tags"],
}

TOOLS: list[dict[str, Any]] = [
    {
        "type": "function",
        "function": {
            "name": SEARCH,
            "description": "Search historical memories for context.",
            "parameters": {
                "type": "object",
                "properties": {"query": {"type": "string", "minLength": 1}},
                "required": ["query"],
            },
        },
    },
    {
        "type": "function",
        "function": {
            "name": ADD,
            "description": "Extract and store memories.",
            "parameters": {
                "type": "object",
                "properties": {
                    "memory_list": {"type": "array", "items": _MEMORY_ITEM, "minItems": 1},
                    "summary": {"type": "string"},
                },
                "required": ["memory_list", "summary"],
            },
        },
    },
    {
        "type": "function",
        "function": {
            "name": BUFFER,
            "description": "Buffer for later processing.",
            "parameters": {
                "type": "object",
                "properties": {"reason": {"type": "string"}},
                "required": ["reason"],
            },
        },
    },
    {
        "type": "function",
        "function": {
            "name": IGNORE,
            "description": "Ignore low-value content.",
            "parameters": {
                "type": "object",
                "properties": {"reason": {"type": "string"}},
                "required": ["reason"],
            },
        },
    },
]

_SCHEMAS = {t["function"]["name"]: t["function"]["parameters"] for t in TOOLS}


@functools.cache
def _validator(name: str) -> Any:
    """Built once, when first needed: constructing a validator costs more than validating a call
    with it, and importing jsonschema costs ~0.1 s that a daemon with nothing to decide never pays."""
    import jsonschema

    return jsonschema.Draft202012Validator(_SCHEMAS[name])


def tools_for(final: bool) -> list[dict[str, Any]]:
    """The tools offered at a step: a final re-evaluation may only add or ignore."""
    if not final:
        return copy.deepcopy(TOOLS)
    return [copy.deepcopy(t) for t in TOOLS if t["function"]["name"] in (ADD, IGNORE)]


@dataclass
class Turn:
    """One message of a stream, as the loop sees it."""

    stream: str
    role: str  # "user" | "assistant" | "system" | "other"
    text: str
    author: str | None = None  # display name in multi-party logs
    time: str | None = None  # ISO 8601, when known
    turn_id: str | None = None  # stable id within the stream (block id in the transcript note)
    source_link: str | None = None  # e.g. "memory-sources/chatgpt/2024-05-01 Trip.md#^t12"
    strong: bool = False  # the user's own "about me" text (custom instructions): trust more


@dataclass
class SearchStep:
    query: str
    results: str  # what was fed back to the model as the tool message


@dataclass
class DecisionRequest:
    new_turn: Turn
    recent: list[Turn] = field(default_factory=list)  # the last few turns before new_turn
    buffered: list[Turn] = field(default_factory=list)  # turns parked by buffer_memory
    searches: list[SearchStep] = field(default_factory=list)
    final: bool = False  # only add_memory / ignore_memory allowed
    user_names: list[str] = field(default_factory=list)  # names that mean "the user"
    today: str | None = None  # ISO date, to resolve "next Friday"
    allow_search: bool = True


@dataclass
class ToolCall:
    name: str
    arguments: dict[str, Any]
    reasoning: str | None = None  # the model's thinking, when it gave any
    raw: str | None = None  # the raw text the call was parsed from, for the journal


@dataclass
class MemoryItem:
    key: str
    memory_type: str
    value: str
    tags: list[str] = field(default_factory=list)
    entity: str | None = None
    relation: str | None = None

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "MemoryItem":
        return cls(
            key=d["key"],
            memory_type=d["memory_type"],
            value=d["value"],
            tags=list(d.get("tags") or []),
            entity=d.get("entity") or None,
            relation=d.get("relation") or None,
        )

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {
            "key": self.key,
            "memory_type": self.memory_type,
            "value": self.value,
            "tags": list(self.tags),
        }
        if self.entity:
            d["entity"] = self.entity
        if self.relation:
            d["relation"] = self.relation
        return d


class Backend(Protocol):
    """What the loop needs from a backend: one tool call per request."""

    name: str

    def decide(self, request: DecisionRequest) -> ToolCall: ...


def validate_call(call: ToolCall, *, final: bool = False) -> list[str]:
    """Every reason `call` cannot be applied as it stands; empty when it is complete and valid."""
    allowed = (ADD, IGNORE) if final else TOOL_NAMES
    if call.name not in allowed:
        return [f"unknown or disallowed tool {call.name!r}; expected one of {', '.join(allowed)}"]
    if not isinstance(call.arguments, dict):
        return ["arguments must be a JSON object"]
    validator = _validator(call.name)
    return [
        f"{'/'.join(str(p) for p in err.absolute_path) or '(root)'}: {err.message}"
        for err in sorted(validator.iter_errors(call.arguments), key=lambda e: list(e.absolute_path))
    ]
