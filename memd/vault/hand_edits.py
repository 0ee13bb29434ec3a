"""Memd lines that a hand edit took away, journalled as `removed_by_edit`.

Ownership (state.owned_lines) says which lines memd wrote. When a file holds fewer copies of
such a line than memd owns, an edit removed them: often a deliberate deletion, sometimes an
editor that saved a buffer loaded before memd's write landed (the reverse of the writer's race).
Either way the person's file is what stays; this module makes it visible: one journal entry
naming the lines (`memd log` shows it, with where each line was), then ownership is forgotten,
so a line typed again later is the person's. The entry records an edit, not a memd write, so
`memd undo` refuses it.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from memd.state import Source, StateDB, line_hash

OP = "removed_by_edit"


def journal_removed(state: StateDB, path: str, lines: list[str], hash_now: str | None = None) -> int | None:
    """Forget ownership of memd lines no longer in `path` (`lines`: what it holds now), after
    journalling them. Returns the entry's id, or None if nothing was removed. Call under the
    writer's lock, with the file's current content."""
    owned = state.owned_counts(path)
    if not owned:
        return None
    present = Counter(line_hash(l) for l in lines if l.strip())
    gone = Counter({h: n - present.get(h, 0) for h, n in owned.items() if present.get(h, 0) < n})
    if not gone:
        return None
    hunks, unknown = _where_memd_wrote(state, path, gone)
    entry = state.record(
        op=OP, args={"path": path, "lines": [h["old"][0] for h in hunks], "unknown": unknown}, path=path,
        source=Source("hand edit"), change={"hunks": hunks, OP: True}, hash_before=None, hash_after=hash_now,
        added=[], removed=[],
    )
    state.prune_owned(path, lines)
    return entry


def _where_memd_wrote(state: StateDB, path: str, gone: Counter) -> tuple[list[dict[str, Any]], int]:
    """The text and last known place of each vanished memd line, from the journal entries that
    wrote them (ownership keeps only hashes): one removal hunk per line, anchored on the line
    above it. Also how many could not be found (older than the entries searched)."""
    left = Counter(gone)
    hunks: list[dict[str, Any]] = []
    for entry in state.journal(path=path, limit=2000):
        if not +left:
            break
        if entry["status"] != "applied":
            continue
        change = entry["change"]
        blocks = [(h["start"], h.get("before"), h["new"]) for h in change.get("hunks", [])]
        if change.get("created") and isinstance(change.get("content"), str):
            blocks.append((0, None, change["content"].split("\n")))
        for start, before, new in blocks:
            for i, line in enumerate(new):
                h = line_hash(line)
                if line.strip() and left.get(h, 0) > 0:
                    left[h] -= 1
                    hunks.append({"start": start + i, "old": [line], "new": [],
                                  "before": new[i - 1] if i else before})
    return hunks, sum((+left).values())
