"""A query as a person means it: "my sister" is Anjali, "Mom" is Jane Doe, "last May" is 2026-05.

Before searching, the words that refer to someone in memory are joined by that someone's name, so
the turns and notes that use the name match too:
  - "my <relation>" resolves through the user's relationship lines (`- sister: [[anjali.md]]`,
    `- **Phd_Student**: [[lena.md]]`): "my PhD student" adds "Lena Okafor";
  - a name or alias of an entity adds its title ("Mom" -> "Jane Doe" when Jane's file has the
    alias "Mom").
A time in the query ("last May", "in 2023", "May 2023", "yesterday") is taken out of the words
and returned as a period; the search then favours turns and facts from then.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from memd.extract.rules_dates import find_times
from memd.query.graph import MemoryGraph
from memd.query.vocabulary import STOP, stem, words


@dataclass
class Expanded:
    text: str  # the query to search with
    period: str | None = None  # "YYYY", "YYYY-MM" or "YYYY-MM-DD": favour units from then
    added: list[str] = field(default_factory=list)  # names added, for the caller to show


def expand(app: Any, query: str, *, today: date | None = None) -> Expanded:
    text, period = _take_period(query, today or date.today())
    added: list[str] = []
    try:
        graph = MemoryGraph.load(app)
    except Exception:  # noqa: BLE001 - an unreadable memory must not break search itself
        graph = None
    if graph is not None:
        qwords = words(text)
        qset = set(qwords)
        qstems = {stem(w) for w in qwords if w not in STOP}
        user = graph.user
        if user is not None and qset & {"my", "our", "mine"}:
            for rel in user.relations:
                key = [stem(w) for w in rel.norm_key.split("_") if w and w not in STOP]
                if key and all(k in qstems for k in key):
                    added += [graph.entities[t].title for t in rel.targets if t in graph.entities]
        for ent in graph.entities.values():
            if ent.is_user:
                continue
            for alias in ent.aliases:
                toks = [w for w in words(alias) if w not in STOP]
                if toks and all(t in qset for t in toks) and ent.title not in added:
                    added.append(ent.title)
    added = [a for a in dict.fromkeys(added) if a.lower() not in text.lower()]
    if added:
        text = f"{text} {' '.join(added)}"
    return Expanded(text, period, added)


def _take_period(query: str, today: date) -> tuple[str, str | None]:
    """The query without its time words, and the period they name (None when there is none or
    it cannot be resolved)."""
    times = [t for t in find_times(query, today) if t.value]
    if not times:
        return query, None
    t = times[0]
    rest = (query[:t.start] + " " + query[t.end:]).strip()
    return (rest or query), t.value[:10]
