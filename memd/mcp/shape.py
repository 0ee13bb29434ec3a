"""What the MCP tools hand back: the API's answers cut to what a model needs, within fixed caps.

A memory tool that returns everything floods the client's context window (the reference
server's `read_graph` returned 50k tokens after weeks of use), so every list here is paged or
capped, every text is cut with a visible mark, and a whole answer stays under a character budget.
"""

from __future__ import annotations

from typing import Any

TEXT_CAP = 1200           # one search hit's text, one fact value
ANSWER_BUDGET = 16_000    # characters of hits in one search page
LIST_CAP = 20             # items of a list nobody paged (sources, backlinks, turns)
DOCUMENT_CAP = 32_000     # a memory file read as a resource
CUT = " …[cut]"


def cap_text(text: Any, limit: int = TEXT_CAP) -> Any:
    if not isinstance(text, str) or len(text) <= limit:
        return text
    return text[: max(0, limit - len(CUT))] + CUT


def cap_json(value: Any, *, text: int = TEXT_CAP, items: int = LIST_CAP, depth: int = 6) -> Any:
    """Any JSON answer, bounded: strings cut, lists cut (with a count of what was left off),
    nesting cut. For answers whose shape other parts of memd may grow (ask's, remember's)."""
    if isinstance(value, str):
        return cap_text(value, text)
    if depth <= 0 and isinstance(value, (dict, list)):
        return "…"
    if isinstance(value, dict):
        return {k: cap_json(v, text=text, items=items, depth=depth - 1) for k, v in list(value.items())[:60]}
    if isinstance(value, list):
        out = [cap_json(v, text=text, items=items, depth=depth - 1) for v in value[:items]]
        if len(value) > items:
            out.append(f"… {len(value) - items} more")
        return out
    return value


def _turn(t: dict[str, Any]) -> dict[str, Any]:
    return {k: t.get(k) for k in ("block", "source_id", "time", "speaker") if t.get(k) is not None}


def search_hit(hit: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {
        "text": cap_text(hit.get("text", "")),
        "link": hit.get("link"),
        "path": hit.get("path"),
        "lines": hit.get("lines"),
        "kind": hit.get("kind"),
        "title": hit.get("title"),
    }
    if hit.get("heading"):
        out["heading"] = hit["heading"]
    if isinstance(hit.get("score"), (int, float)):
        out["score"] = round(hit["score"], 3)
    turns = hit.get("turns") or []
    if turns:
        out["turns"] = [_turn(t) for t in turns[:LIST_CAP]]
    return {k: v for k, v in out.items() if v is not None}


def search_page(answer: dict[str, Any], offset: int, limit: int) -> dict[str, Any]:
    """Hits offset..offset+limit of an answer fetched with one extra hit (to know if more exist),
    cut short where the page would pass ANSWER_BUDGET characters."""
    results = answer.get("results", [])
    page: list[dict[str, Any]] = []
    used = 0
    for hit in results[offset: offset + limit]:
        shaped = search_hit(hit)
        size = sum(len(str(v)) for v in shaped.values())
        if page and used + size > ANSWER_BUDGET:
            break
        page.append(shaped)
        used += size
    out: dict[str, Any] = {"query": answer.get("query"), "offset": offset, "results": page}
    shown_to = offset + len(page)
    if len(results) > shown_to:
        out["next_offset"] = shown_to
    if answer.get("note"):
        out["note"] = answer["note"]
    if not page and not answer.get("note"):
        out["note"] = "no match in memory" if offset == 0 else "no more matches"
    return out


def entity_view(data: dict[str, Any], offset: int, limit: int) -> dict[str, Any]:
    facts = data.get("facts", [])
    out: dict[str, Any] = {
        "name": data.get("name"),
        "path": data.get("path"),
        "link": f"[[{data['path'][:-3] if str(data.get('path', '')).endswith('.md') else data.get('path')}]]",
        "is_user": data.get("is_user", False),
        "facts": [{**f, "value": cap_text(f.get("value"))} for f in facts[offset: offset + limit]],
        "facts_total": len(facts),
        "relations": [{**r, "value": cap_text(r.get("value"))} for r in data.get("relations", [])[:LIST_CAP * 5]],
    }
    if len(facts) > offset + limit:
        out["next_offset"] = offset + limit
    backlinks = data.get("backlinks", [])
    out["backlinks"] = [{"source": b.get("source"), "line": b.get("line")} for b in backlinks[:LIST_CAP]]
    if len(backlinks) > LIST_CAP:
        out["backlinks_total"] = len(backlinks)
    return out


def remember_view(answer: dict[str, Any]) -> dict[str, Any]:
    """What `remember` decided and wrote, and one line that says so plainly."""
    stored, review, notes, writes = [], [], [], []
    for d in answer.get("decisions", []):
        tool = d.get("tool")
        args = d.get("arguments") or {}
        if tool == "add_memory":
            for item in args.get("memory_list", []):
                stored.append({k: cap_text(item.get(k)) for k in ("entity", "key", "value") if item.get(k)})
        elif args.get("reason"):
            notes.append(f"{tool}: {args['reason']}")
        for w in d.get("writes", []):
            writes.append({k: w[k] for k in ("status", "path", "op", "reason", "journal_id", "review_id") if k in w})
            if w.get("status") == "review":
                review.append(w.get("review_id"))
        for dropped in d.get("dropped", []) or []:
            notes.append(f"dropped: {cap_text(str(dropped), 300)}")
    applied = sum(1 for w in writes if w["status"] == "applied")
    if applied:
        summary = f"stored {applied} change(s)"
    elif stored and all(w["status"] == "noop" for w in writes):
        summary = "already in memory; nothing changed"
    else:
        summary = "nothing stored"
    if review:
        summary += f"; {len(review)} change(s) wait for review (a line written by hand): memory_review list"
    if notes and not applied:
        summary += f" ({'; '.join(notes[:3])})"
    return {"summary": summary, "items": stored[:LIST_CAP], "writes": writes[:LIST_CAP], "notes": notes[:LIST_CAP]}


def review_item(item: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": item.get("id"), "path": item.get("path"), "entity": item.get("entity"), "key": item.get("key"),
        "now": cap_text(item.get("current")), "proposed": cap_text(item.get("proposed")),
        "reason": item.get("reason"), "ts": item.get("ts"),
    }
