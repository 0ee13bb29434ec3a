"""What an export holds and what an import of it would do: the numbers behind `--dry-run`.

The pipeline's first pass fills a Survey for every conversation it reads, so a real import
reports the same table a dry run prints: per source and kind (ChatGPT chats, Claude documents,
WhatsApp chats...), how many conversations and turns, the date range, and how many are new,
changed, already imported or left out.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from .model import Conversation

# How the first pass classifies a conversation against the ledger.
NEW = "new"  # never imported
CHANGED = "changed"  # imported, the export now has a different version
RESUME = "resume"  # an earlier run stopped in the middle of this one
EXTRACT = "extract"  # transcript current, some turns not extracted yet (an earlier --no-extract)
UNCHANGED = "unchanged"
PLAN_STATES = (NEW, CHANGED, RESUME, EXTRACT)


def _iso(value: datetime | None) -> str | None:
    return value.isoformat().replace("+00:00", "Z") if value else None


@dataclass
class Group:
    source: str
    kind: str
    conversations: int = 0
    turns: int = 0
    user_turns: int = 0
    first: datetime | None = None
    last: datetime | None = None
    plan: dict[str, int] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {"source": self.source, "kind": self.kind, "conversations": self.conversations, "turns": self.turns,
                "user_turns": self.user_turns, "first": _iso(self.first), "last": _iso(self.last),
                "plan": dict(self.plan)}


@dataclass
class PlannedNote:
    key: str
    title: str
    path: str
    state: str
    turns: int
    turns_to_extract: int

    def to_json(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass
class Survey:
    groups: dict[tuple[str, str], Group] = field(default_factory=dict)
    planned: list[PlannedNote] = field(default_factory=list)  # dry run only, capped
    planned_cap: int = 1000

    def add(self, conv: Conversation, first: datetime | None, last: datetime | None, state: str) -> None:
        group = self.groups.get((conv.source, conv.kind))
        if group is None:
            group = self.groups[(conv.source, conv.kind)] = Group(conv.source, conv.kind)
        group.conversations += 1
        group.turns += len(conv.turns)
        group.user_turns += sum(1 for t in conv.turns if t.role == "user")
        if first is not None and (group.first is None or first < group.first):
            group.first = first
        if last is not None and (group.last is None or last > group.last):
            group.last = last
        group.plan[state] = group.plan.get(state, 0) + 1

    def plan(self, note: PlannedNote) -> None:
        if len(self.planned) < self.planned_cap:
            self.planned.append(note)

    @property
    def conversations(self) -> int:
        return sum(g.conversations for g in self.groups.values())

    @property
    def turns(self) -> int:
        return sum(g.turns for g in self.groups.values())

    def count(self, state: str) -> int:
        return sum(g.plan.get(state, 0) for g in self.groups.values())

    def date_range(self) -> tuple[datetime | None, datetime | None]:
        firsts = [g.first for g in self.groups.values() if g.first]
        lasts = [g.last for g in self.groups.values() if g.last]
        return (min(firsts) if firsts else None, max(lasts) if lasts else None)

    def to_json(self) -> dict[str, Any]:
        first, last = self.date_range()
        return {
            "conversations": self.conversations, "turns": self.turns, "first": _iso(first), "last": _iso(last),
            "formats": [g.to_json() for g in self.groups.values()],
        }
