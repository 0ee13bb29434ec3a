"""Cut a long chat log into one Conversation per calendar month.

A Slack channel or a WhatsApp group can run for years; one transcript note per chat would be
megabytes that Obsidian renders slowly and that a fact link can only point into by block id.
Splitting by month keeps notes readable. Turn ids are kept (they stay unique within each part),
so a turn's block id does not change when its chat is split. Undated turns stay with the month
before them.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import tzinfo

from .model import Conversation, Turn
from .times import UTC


def split_by_month(conv: Conversation, tz: tzinfo = UTC) -> list[Conversation]:
    """The conversation itself when it spans one month (or has no dates), else one part per month,
    with `source_id` "<id>@YYYY-MM" and title "<title> (YYYY-MM)"."""
    groups: dict[str, list[Turn]] = {}
    current: str | None = None
    for turn in conv.turns:
        if turn.time is not None:
            current = turn.time.astimezone(tz).strftime("%Y-%m")
        groups.setdefault(current or "", []).append(turn)
    if "" in groups and len(groups) > 1:
        # Turns before the first dated one join the first month.
        first = next(k for k in groups if k)
        groups[first] = groups.pop("") + groups[first]
    if len(groups) <= 1:
        return [conv]
    parts = []
    for month in sorted(groups):
        turns = groups[month]
        times = [t.time for t in turns if t.time is not None]
        # A month's note lists the people who speak in it, not everyone in the whole chat: its
        # participants link to entities, and a link from a month someone was silent is false.
        spoke = {t.author for t in turns if t.author and t.role != "system"}
        speakers = [p for p in conv.participants if p in spoke]
        speakers += sorted(spoke - set(speakers))
        parts.append(replace(
            conv,
            source_id=f"{conv.source_id}@{month}",
            title=f"{conv.title} ({month})",
            turns=turns,
            participants=speakers,
            created=min(times),
            updated=max(times),
            metadata={**conv.metadata, "part_of": conv.source_id, "month": month},
        ))
    return parts
