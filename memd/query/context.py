"""A budgeted memory pack for a model's prompt: who the user is, what matches, and the evidence.

Three parts, in this order, each item once and each with its link so a model (or a person) can
check it:
  profile   the user's core facts (name, where they live, work, family...), from user.md;
  facts     memory fact lines that match the query, with the entity they belong to;
  evidence  the transcript turns that match, with speaker and date.
The budget is in words and is honoured exactly: an item that does not fit whole is cut at a word
boundary with an ellipsis, and nothing follows it. Words count as `str.split()` counts them.
"""

from __future__ import annotations

from typing import Any

from memd.query.ask import rank_facts
from memd.query.graph import MemoryGraph, note_link

DEFAULT_BUDGET = 350
PROFILE_MAX = 12  # user facts in the profile, at most
CORE_KEYS = ("user_name", "name", "full_name", "preferred_name", "age", "birth_date", "birthdate", "gender",
             "living_location", "location", "hometown", "job_title", "occupation", "profession", "employer",
             "marital_status", "partner", "spouse", "children", "languages", "native_language", "diet",
             "allergies")


def build(app: Any, query: str | None, budget: int = DEFAULT_BUDGET) -> dict[str, Any]:
    graph = MemoryGraph.load(app)
    items: list[dict[str, Any]] = []
    seen: set[tuple[str, int]] = set()
    user = graph.user
    if user is not None:
        core = sorted((f for f in user.facts if f.norm_key in CORE_KEYS or f.targets),
                      key=lambda f: (CORE_KEYS.index(f.norm_key) if f.norm_key in CORE_KEYS else len(CORE_KEYS), f.line))
        for f in core[:PROFILE_MAX]:
            value = f.value
            if f.targets:
                value = ", ".join(graph.entities[t].title for t in f.targets if t in graph.entities) or value
            items.append({"part": "profile", "text": f"{f.key}: {value}", "path": user.path, "line": f.line,
                          "link": note_link(user.path)})
            seen.add((user.path, f.line))
    if query and query.strip():
        for f in rank_facts(app, query, limit=8, graph=graph):
            if (f["path"], f["line"]) in seen:
                continue
            seen.add((f["path"], f["line"]))
            who = "" if f["entity"] == "user" else f"{f['entity']} — "
            items.append({"part": "facts", "text": f"{who}{f['key']}: {f['value']}", "path": f["path"],
                          "line": f["line"], "link": note_link(f["path"])})
        for h in app.search(query, limit=15, expand=True):
            key = (h["path"], h["lines"][0])
            if key in seen:
                continue
            seen.add(key)
            if h["kind"] == "memory":
                items.append({"part": "facts", "text": f"{h['title']} — {' '.join(h['text'].split())}",
                              "path": h["path"], "line": h["lines"][0], "link": h["link"]})
                continue
            turn = (h.get("turns") or [{}])[0]
            who = " · ".join(x for x in (turn.get("speaker"), (turn.get("time") or "")[:10]) if x)
            text = " ".join((h.get("text") or h.get("snippet") or "").split())
            items.append({"part": "evidence", "text": f"{who}: {text}" if who else text, "path": h["path"],
                          "line": h["lines"][0], "link": h["link"], "turns": h.get("turns")})
    return _fit(query, items, budget)


def _fit(query: str | None, items: list[dict[str, Any]], budget: int) -> dict[str, Any]:
    """Keep items in order until the budget is spent; the last one cut at a word boundary."""
    used = 0
    kept: list[dict[str, Any]] = []
    for item in items:
        words = item["text"].split()
        if used + len(words) <= budget:
            kept.append(item)
            used += len(words)
            continue
        room = budget - used
        if room >= 4:  # fewer words than this say nothing
            cut = words[:room - 1] + ["…"]
            kept.append({**item, "text": " ".join(cut), "cut": True})
            used += len(cut)
        break
    parts: dict[str, list[dict[str, Any]]] = {"profile": [], "facts": [], "evidence": []}
    for item in kept:
        parts[item["part"]].append({k: v for k, v in item.items() if k != "part"})
    return {"query": query, "budget": budget, "words": used, **parts, "text": render(parts)}


def render(parts: dict[str, list[dict[str, Any]]]) -> str:
    """The pack as prompt text: one line per item, the link after it (links are not counted
    against the word budget: they are addresses, not content)."""
    out: list[str] = []
    titles = {"profile": "About the user", "facts": "Matching memory", "evidence": "From conversations"}
    for name, items in parts.items():
        if items:
            out.append(f"## {titles[name]}")
            out += [f"- {i['text']} {i['link']}" for i in items]
    return "\n".join(out)
