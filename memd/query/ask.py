"""Answering questions from memory without a model: the facts that best match, with sources.

A question is matched against every fact in the memory folder (the index's facts table): the
words of the question against the fact's key, value and the entity it belongs to, with a small
vocabulary that maps question words to the keys facts are stored under ("where ... live" ->
living_location, "allergic" -> allergies). The best facts are the answer, each with its file and
line, so a user or a calling model can check it. `context` gives a model the memory to read.
"""

from __future__ import annotations

import re
from typing import Any

from memd.app import Memd

_WORD = re.compile(r"[^\W_]+", re.UNICODE)
STOP = set("""a an the is are was were be been do does did of to in on at for with about what who whom whose which
when where why how i me my mine you your it its this that these those there here and or but not any some
tell know please can could would should will shall have has had am""".split())
# Question words -> the keys facts about them are stored under.
KEY_HINTS: dict[str, tuple[str, ...]] = {
    "live": ("living_location", "moved_from", "hometown", "address"),
    "lives": ("living_location",), "living": ("living_location",), "home": ("living_location", "hometown"),
    "from": ("moved_from", "hometown", "birth_location", "nationality"),
    "born": ("birth_date", "birth_location"), "birthday": ("birth_date",), "old": ("age", "birth_date"),
    "age": ("age", "birth_date"),
    "work": ("employer", "job_title", "workplace", "work_location"), "works": ("employer", "job_title"),
    "job": ("job_title", "employer"), "employer": ("employer",), "company": ("employer", "company"),
    "name": ("user_name", "preferred_name"), "called": ("user_name", "preferred_name"),
    "allergic": ("allergies", "intolerances"), "allergy": ("allergies",), "allergies": ("allergies",),
    "eat": ("diet", "allergies", "likes"), "diet": ("diet",), "vegetarian": ("diet",), "vegan": ("diet",),
    "like": ("likes", "favorites", "hobbies", "preferences"), "likes": ("likes",), "love": ("likes",),
    "enjoy": ("likes", "hobbies"), "hobby": ("hobbies", "activities"), "hobbies": ("hobbies", "activities"),
    "favorite": ("favorites",), "favourite": ("favorites",), "hate": ("dislikes",), "dislike": ("dislikes",),
    "pet": ("pets", "pet", "species"), "pets": ("pets", "pet"), "dog": ("pets", "pet", "species"),
    "cat": ("pets", "pet", "species"),
    "married": ("marital_status", "spouse", "partner"), "partner": ("partner", "spouse"),
    "wife": ("spouse", "partner"), "husband": ("spouse", "partner"),
    "kids": ("children", "child", "son", "daughter"), "children": ("children",),
    "study": ("education", "school"), "studied": ("education", "school"), "school": ("school", "education"),
    "speak": ("languages", "native_language"), "languages": ("languages",),
    "plan": ("plans",), "plans": ("plans",), "planning": ("plans",),
}


def _stem(word: str) -> str:
    w = word.lower()
    for suffix in ("ing", "ed", "es", "s"):
        if len(w) > len(suffix) + 2 and w.endswith(suffix):
            return w[: -len(suffix)]
    return w


def _words(text: str) -> list[str]:
    return [w.lower() for w in _WORD.findall(text)]


def _relations(facts: list[dict[str, Any]], user_path: str) -> dict[str, str]:
    """relation word -> entity file, from the user's relationship lines ("partner" -> joao.md)."""
    out: dict[str, str] = {}
    for f in facts:
        if f["path"] == user_path and "[[" in f["value"]:
            target = re.search(r"\[\[([^\]|#]+)", f["value"])
            if target:
                out[f["norm_key"]] = target.group(1)
    return out


def rank_facts(app: Memd, question: str, limit: int = 8) -> list[dict[str, Any]]:
    all_words = _words(question)
    words = [w for w in all_words if w not in STOP]
    if not words:
        return []
    stems = {_stem(w) for w in words}
    hinted = {k for w in all_words for k in KEY_HINTS.get(w, ())}
    app.ensure_memory_indexed()
    facts = app.index.facts(limit=100_000)
    # "my partner's job": the question is about whoever the user's partner is.
    relations = _relations(facts, app.user_path)
    via_relation = {app.index.resolve(target, app.user_path) for rel, target in relations.items()
                    if set(rel.split("_")) & {w.lower() for w in words} or _stem(rel) in stems}
    via_relation.discard(None)
    about_me = bool({"i", "my", "me", "mine"} & set(all_words))
    scored = []
    for f in facts:
        entity = "user" if f["path"] == app.user_path else f["title"]
        key_words = {_stem(w) for w in f["norm_key"].split("_") if w}
        value_words = {_stem(w) for w in _words(f["value"])}
        entity_words = {_stem(w) for w in _words(entity)}
        named = bool(stems & entity_words) or f["path"] in via_relation
        score = 0.0
        score += 3.0 if named else 0.0  # "what does Anna do" -> Anna's facts
        score += 2.0 * len(stems & key_words)
        score += 1.5 * len(stems & value_words)
        if f["norm_key"] in hinted:
            score += 3.0
        if via_relation and f["path"] == app.user_path and f["norm_key"] in relations:
            score -= 1.0  # the relation line itself is not the answer to "my partner's job"
        if entity != "user" and not named:
            score *= 0.4 if about_me or via_relation else 0.8  # someone else's fact, nobody asked about them
        elif entity == "user" and via_relation:
            score *= 0.5
        if score > 0:
            scored.append((score, f, entity))
    scored.sort(key=lambda x: (-x[0], x[1]["path"], x[1]["line"]))
    return [{"entity": entity, "key": f["key"], "value": f["value"], "section": f["section"], "path": f["path"],
             "line": f["line"], "score": round(score, 2)} for score, f, entity in scored[:limit]]


def ask(app: Memd, question: str, *, limit: int = 5) -> dict[str, Any]:
    facts = rank_facts(app, question, limit=limit)
    if not facts:
        notes = app.search(question, limit=3)
        return {"question": question, "answer": None, "facts": [], "notes": notes,
                "mode": "extractive", "note": "no fact in memory matches; the notes shown mention the question's words"}
    best = facts[0]["score"]
    strong = [f for f in facts if f["score"] >= best * 0.6]
    answer = "; ".join(f"{'' if f['entity'] == 'user' else f['entity'] + ' — '}{f['key']}: {f['value']}" for f in strong)
    return {"question": question, "answer": answer, "facts": facts, "mode": "extractive"}


def context(app: Memd, query: str | None = None, *, max_chars: int = 6000) -> dict[str, Any]:
    """Memory for a model to read: user.md first, then the entity files that matter to `query`."""
    parts: list[dict[str, str]] = []
    used = 0
    user = app._read_text(app.user_path) or ""
    if user:
        parts.append({"path": app.user_path, "text": user[:max_chars]})
        used += min(len(user), max_chars)
    paths: list[str] = []
    if query:
        paths += [f["path"] for f in rank_facts(app, query, limit=20) if f["path"] != app.user_path]
        paths += [h["path"] for h in app.search(query, limit=10, kind="memory") if h["path"] != app.user_path]
    seen: set[str] = set()
    for path in paths:
        if path in seen or used >= max_chars:
            continue
        seen.add(path)
        text = app._read_text(path) or ""
        take = text[: max_chars - used]
        parts.append({"path": path, "text": take})
        used += len(take)
    return {"query": query, "files": parts, "chars": used}
