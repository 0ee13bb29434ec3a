"""What a Notion import did, page by page, in a form a person can act on (and `--json`)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

STATUSES = ("written", "updated", "unchanged", "kept", "skipped", "failed")
# Every failed, skipped and kept page is listed; written/updated/unchanged ones up to this many
# (a 10,000-page import's report stays readable, the counts stay exact).
MAX_LISTED_OK = 2000


@dataclass
class NotionReport:
    dry_run: bool = False
    counts: Counter[str] = field(default_factory=Counter)
    items: list[dict[str, Any]] = field(default_factory=list)
    attachments: int = 0
    entities: int = 0  # rows made entities (--entities-from)
    # Links to pages that are not in the import (kept as notion.so links): where, and to what.
    outside_links: list[dict[str, str]] = field(default_factory=list)
    outside_count: int = 0
    facts_added: int = 0
    review_items: int = 0
    decisions: Counter[str] = field(default_factory=Counter)
    source: str | None = None
    format: str | None = None

    def add(self, status: str, path: str, notion_id: str | None, reason: str = "") -> None:
        assert status in STATUSES, status
        self.counts[status] += 1
        if status in ("failed", "skipped", "kept") or self.counts[status] <= MAX_LISTED_OK:
            item = {"status": status, "path": path, "notion_id": notion_id}
            if reason:
                item["reason"] = reason
            self.items.append(item)

    def outside(self, path: str, target: str) -> None:
        self.outside_count += 1
        if len(self.outside_links) < MAX_LISTED_OK:
            self.outside_links.append({"path": path, "target": target})

    def fail(self, path: str, notion_id: str | None, reason: str) -> None:
        self.add("failed", path, notion_id, reason)

    def skip(self, path: str, notion_id: str | None, reason: str) -> None:
        self.add("skipped", path, notion_id, reason)

    @property
    def failed_items(self) -> list[dict[str, Any]]:
        return [i for i in self.items if i["status"] == "failed"]

    def tally(self, decision: Any) -> None:
        """Count what one extraction decision did."""
        if decision is None:
            return
        self.decisions[decision.tool] += 1
        applied = getattr(decision, "applied", None)
        for result in (applied.results if applied is not None else ()):
            if result.status == "applied":
                self.facts_added += 1
            elif result.status == "review":
                self.review_items += 1

    def to_json(self) -> dict[str, Any]:
        return {
            "source": self.source, "format": self.format, "dry_run": self.dry_run,
            "counts": {s: self.counts.get(s, 0) for s in STATUSES},
            "attachments": self.attachments, "entities": self.entities, "facts_added": self.facts_added, "review_items": self.review_items,
            "decisions": dict(self.decisions), "items": self.items,
            "links_outside_import": {"count": self.outside_count, "links": self.outside_links},
        }
