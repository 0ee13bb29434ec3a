"""What an import is asked (ImportRequest), what it tells while it runs (ImportProgress) and what
it reports at the end (ImportReport)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from memd.errors import MemdError

from ..report import Problem
from ..survey import Survey


class ImportBusyError(MemdError):
    """Another import is writing to this vault."""


@dataclass
class ImportRequest:
    path: str
    format: str = "auto"  # a registry name, "auto", or a CLI spelling like "openai-jsonl"
    all_branches: bool = False
    me: list[str] = field(default_factory=list)  # names that are the user (default: config import.me)
    tz: str | None = None  # zone of wall-clock times in chat logs, and of dates in transcripts
    date_order: str | None = None  # "dmy" | "mdy" for ambiguous WhatsApp dates (None: read from the log)
    since: datetime | None = None  # only conversations active since then
    limit: int | None = None  # at most this many conversations that need work
    extract: bool = True
    dry_run: bool = False

    def options(self) -> dict[str, Any]:
        return {"all_branches": self.all_branches, "me": self.me, "tz": self.tz, "date_order": self.date_order,
                "since": self.since.isoformat() if self.since else None, "limit": self.limit,
                "extract": self.extract}


@dataclass
class ImportProgress:
    phase: str  # "reading" (first pass; total unknown) | "writing"
    done: int
    total: int | None
    counts: dict[str, int]
    model: dict[str, Any] | None = None  # a model planner's decisions/s, ETA and tokens so far


@dataclass
class ImportReport:
    path: str
    format: str
    dry_run: bool
    run_id: int | None = None
    survey: Survey = field(default_factory=Survey)
    new: int = 0  # transcripts created
    updated: int = 0  # transcripts replaced by a newer version
    unchanged: int = 0
    kept: int = 0  # changed in the export, but the note was edited by hand: kept as it is
    extracted_conversations: int = 0
    turns_extracted: int = 0  # turns fed to the extraction loop (decided or as context)
    decisions: Counter = field(default_factory=Counter)  # tool -> count
    facts_added: int = 0  # memory writes applied (facts, relations, events, new entity files)
    review_items: int = 0  # memory writes parked for review (they would overwrite a hand edit)
    skipped: Counter = field(default_factory=Counter)  # reason -> count
    failed: list[Problem] = field(default_factory=list)  # at most MAX_PROBLEMS a parse, then one "…" entry
    unlisted_failed: int = 0  # failures past that, counted but not listed
    warnings: list[Problem] = field(default_factory=list)
    cancelled: bool = False
    seconds: float = 0.0
    timings: Counter = field(default_factory=Counter)  # seconds by step
    # Turns a model answered with something unusable (a malformed tool call after one repair, a
    # request the server refused): decided as "ignore", listed here rather than silently dropped.
    failed_turns: list[Problem] = field(default_factory=list)
    model: dict[str, Any] | None = None  # a model planner's totals and tokens per conversation
    model_estimate: dict[str, Any] | None = None  # a dry run's requests, tokens and time (model backends)

    @property
    def written(self) -> int:
        return self.new + self.updated

    def counts(self) -> dict[str, int]:
        return {"written": self.written, "new": self.new, "updated": self.updated, "unchanged": self.unchanged,
                "kept": self.kept, "skipped": sum(self.skipped.values()),
                "failed": sum(1 for p in self.failed if p.where != "…") + self.unlisted_failed,
                "facts_added": self.facts_added, "review_items": self.review_items,
                "turns_extracted": self.turns_extracted, "failed_turns": len(self.failed_turns)}

    def to_json(self) -> dict[str, Any]:
        return {
            "path": self.path, "format": self.format, "dry_run": self.dry_run, "run_id": self.run_id,
            **self.counts(),
            "extracted_conversations": self.extracted_conversations,
            "decisions": dict(self.decisions),
            "skipped_reasons": dict(self.skipped),
            "failures": [{"where": p.where, "message": p.message} for p in self.failed],
            "warnings": [{"where": p.where, "message": p.message} for p in self.warnings],
            "failed_turn_list": [{"where": p.where, "message": p.message} for p in self.failed_turns],
            "model": self.model,
            "model_estimate": self.model_estimate,
            "survey": self.survey.to_json(),
            "planned": [n.to_json() for n in self.survey.planned] if self.dry_run else [],
            "cancelled": self.cancelled,
            "seconds": round(self.seconds, 3),
            "timings": {k: round(v, 3) for k, v in sorted(self.timings.items())},
        }


def normalise_format(name: str) -> str:
    return name.strip().lower().replace("-", "_")
