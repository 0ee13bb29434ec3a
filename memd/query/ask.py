"""Answering questions from memory without a model: the fact that answers, with its source.

A question is read in three steps, over the memory graph (memd.query.graph):
  1. who it is about: the user ("my", "I"), an entity it names (by title, alias or file name),
     or someone reached through relations: "the person I share resources with" follows the
     user's `shares_resources_with` line, and "the place where Carlos organizes events" then
     follows Carlos's `organizes_events_at` line (relations are matched by their key's words,
     each question word used by one hop only, so a chain of two or three hops resolves);
  2. what it asks about that subject: the subject's facts ranked by their key's words and
     concepts against the question's remaining words ("occupation" finds `profession`, "full
     name" finds the `# Title`);
  3. the answer is that fact, from that subject only: a question about the user is never
     answered with someone else's fact, and the other way round.
When no fact answers, the best matching turn of a transcript is quoted with its speaker and
date; when nothing matches, the answer says memory does not hold it (None), never a guess.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from memd.extract.rules_dates import best_time, find_times
from memd.query.graph import Entity, GraphFact, MemoryGraph, note_link
from memd.query.vocabulary import FIRST_PERSON, STOP, concepts, stem, words

MIN_FACT_SCORE = 1.5  # below this no fact answers (a lone weak value-word match is a guess)
MAX_HOPS = 3
# A relation word the question uses ("my sister", "the person I mentor") is worth more than an
# attribute word: it says whose fact is asked for.
REL_WORD = 2.5


@dataclass
class Subject:
    entity: Entity | None  # None: nobody in particular (search every entity's facts)
    hops: list[tuple[Entity, GraphFact]]  # the relations followed to reach it
    consumed: set[str]  # question stems used to find the subject (names, relation words)


def _name_forms(ent: Entity) -> list[list[str]]:
    stem_name = ent.path.rsplit("/", 1)[-1].removesuffix(".md").replace("_", " ").replace("-", " ")
    forms = [ent.title, *ent.aliases, stem_name]
    if ent.is_user and ent.name != "user":
        forms.append(ent.name)
    out = []
    for form in forms:
        toks = [w for w in words(form) if w not in STOP and len(w) > 1]
        if toks and toks not in out:
            out.append(toks)
    return out


def _mentioned(graph: MemoryGraph, question: str, qwords: set[str]) -> list[tuple[int, Entity, set[str]]]:
    """Entities the question names: every word of a name form, two of its words, or a
    capitalised first name (`Anna` for `Anna Schmidt`)."""
    capitalised = {w for token in re.findall(r"(?<!^)(?<![.?!]\s)\b([A-Z][\w'’-]+)", question) for w in words(token)}
    forms = {ent.path: _name_forms(ent) for ent in graph.entities.values() if not ent.is_user}
    owners: dict[str, set[str]] = {}
    for path, fs in forms.items():
        for toks in fs:
            for t in toks:
                owners.setdefault(t, set()).add(path)
    out = []
    for ent in graph.entities.values():
        if ent.is_user:
            continue
        best: tuple[int, set[str]] = (0, set())
        for toks in forms[ent.path]:
            hit = {t for t in toks if t in qwords}
            # Every word of a name, two of them, a capitalised first name ("Anna" for Anna
            # Schmidt), or a capitalised word that few entities' names hold ("OrbitBank" for
            # "Client: OrbitBank Financial Services" and "Renewal Plan: OrbitBank ..."; which of
            # them the question means, what it asks decides: find_subject).
            ok = hit and (len(hit) == len(toks) or len(hit) >= 2
                          or (toks[0] in hit and toks[0] in capitalised and len(toks) <= 3)
                          or any(t in capitalised and len(t) >= 4 and len(owners[t]) <= 3 for t in hit))
            if ok and len(hit) > best[0]:
                best = (len(hit), hit)
        if best[0]:
            out.append((best[0], ent, best[1]))
    out.sort(key=lambda x: -x[0])
    return out


def _title_stems(ent: Entity) -> set[str]:
    return {stem(w) for w in words(ent.title) if w not in STOP and len(w) > 2}


def _relation_match(fact: GraphFact, qstems: set[str]) -> set[str]:
    """The question stems a relation's key accounts for ({} when it does not match): at least
    half of the key's content words, and at least one."""
    key = [stem(w) for w in fact.norm_key.split("_") if w and w not in STOP]
    if not key:
        return set()
    hit = {k for k in key if k in qstems}
    return hit if hit and len(hit) * 2 >= len(key) else set()


def _candidates(graph: MemoryGraph, question: str) -> tuple[list[tuple[Subject, int, int]], list]:
    """Every (subject, relation words used, named entities on the way) the question can reach:
    its starting points and each chain of relations whose words it uses."""
    all_words = words(question)
    qwords = set(all_words)
    qstems = {stem(w) for w in all_words if w not in STOP}
    named = _mentioned(graph, question, qwords)
    about_me = bool(FIRST_PERSON & qwords)
    starts: list[tuple[Entity, set[str]]] = []
    if graph.user is not None and about_me:
        starts.append((graph.user, set()))
    for _, ent, toks in named:
        starts.append((ent, {stem(t) for t in toks}))
    out: list[tuple[Subject, int, int]] = []
    for start, used in starts:
        # Depth-first over relations whose words are in the question and not used yet.
        stack: list[tuple[Entity, list[tuple[Entity, GraphFact]], set[str], int]] = [(start, [], used, 0)]
        while stack:
            ent, hops, consumed, score = stack.pop()
            on_way = sum(1 for _, e, _ in named if e is ent or any(h[0] is e for h in hops))
            out.append((Subject(ent, hops, consumed), score, on_way))
            if len(hops) >= MAX_HOPS:
                continue
            visited = {start.path} | {h[0].path for h in hops}
            for rel, target in ent.edges():
                nxt = graph.entities.get(target)
                if nxt is None or nxt.path in visited:
                    continue
                # The relation's own words, or else the related entity's kind in its title:
                # "the farm that I provide veterinary services for" is the related `... Farm`.
                matched = _relation_match(rel, qstems - consumed) or (_title_stems(nxt) & (qstems - consumed))
                if matched:
                    stack.append((nxt, hops + [(nxt, rel)], consumed | matched, score + len(matched)))
    return out, named


def find_subject(graph: MemoryGraph, question: str) -> Subject:
    """The one entity the question asks about. A chain of relations is worth its matched words,
    and the place it ends must also hold what is asked (an attribute that matches the words
    left), unless the question asks who or what the end of the chain is: "what shift do I
    work" is the user's `shift` even though the user `works_at` somewhere."""
    candidates, named = _candidates(graph, question)
    if not candidates:
        return _unambiguous_owner(graph, question)
    wants_entity = _asks_name(question)
    best: tuple[float, int, int, Subject] | None = None
    for subject, rel_words, on_way in candidates:
        ranked = rank_subject_facts(subject, question)
        attr = ranked[0][0] if ranked and ranked[0][0] >= MIN_FACT_SCORE else 0.0
        value = REL_WORD * rel_words + attr
        if subject.hops and not attr and not wants_entity:
            value -= 2.0  # a chain that ends where nothing answers
        rank = (value, on_way, -len(subject.hops))
        if best is None or rank > best[:3]:
            best = (*rank, subject)
    subject = best[3]
    about_me = bool(FIRST_PERSON & set(words(question)))
    if subject.entity is graph.user and not about_me and named:
        return Subject(named[0][1], [], {stem(t) for t in named[0][2]})
    return subject


GLOBAL_MIN = 2.0  # a fact found without a subject: a whole key word at least, and clearly ahead
GLOBAL_MARGIN = 1.0


def _unambiguous_owner(graph: MemoryGraph, question: str) -> Subject:
    """A question that names nobody ("what is the CSAT goal?"): the entity whose fact matches
    it clearly better than any other entity's, or nobody."""
    scores: list[tuple[float, Entity]] = []
    for ent in graph.entities.values():
        ranked = rank_subject_facts(Subject(ent, [], set()), question)
        if ranked:
            scores.append((ranked[0][0], ent))
    scores.sort(key=lambda x: -x[0])
    if scores and scores[0][0] >= GLOBAL_MIN and (len(scores) == 1 or scores[0][0] - scores[1][0] >= GLOBAL_MARGIN):
        return Subject(scores[0][1], [], set())
    return Subject(None, [], set())


def _asks_name(question: str) -> bool:
    qwords = set(words(question))
    return "name" in qwords or "called" in qwords or bool(re.match(r"\s*who\b", question, re.I))


_DOES_DO = re.compile(r"\bwhat\s+(?:do|does|did)\b.*\bdo\b", re.I)
_CLASS_MARKERS = {"entity", "person", "place", "organization", "organisation", "thing"}


def rank_subject_facts(subject: Subject, question: str) -> list[tuple[float, GraphFact]]:
    """The subject's facts scored against the question's words that are left once the subject
    is found: each key word the question uses +2, each key word sharing a concept with the
    question +1.5, each key word the question says nothing of -0.5, each value word +0.5."""
    all_words = words(question)
    rest = {stem(w) for w in all_words if w not in STOP} - subject.consumed
    q_concepts = concepts([w for w in all_words if stem(w) not in subject.consumed])
    if _DOES_DO.search(question):
        q_concepts.add("work")  # "what does Tomas do", "what do I do for a living"
    used = subject.consumed
    counting = bool(re.match(r"\s*how (many|much|old)\b", question, re.I))
    scored = []
    for f in subject.entity.attributes if subject.entity else []:
        score = 0.0
        matched = False
        seen_concepts: set[str] = set()
        for kw in (w for w in f.norm_key.split("_") if w and w not in STOP):
            shared = concepts([kw]) & q_concepts
            if stem(kw) in rest:
                score, matched = score + 2.0, True
            elif shared - seen_concepts:
                score, matched = score + 1.5, True
                seen_concepts |= shared
            elif shared:
                pass  # "employment title": one concept, counted once
            elif stem(kw) in used:
                score += 0.5  # a word the relation used ("experiments" in "conducts experiments")
            else:
                score -= 0.5
        if not matched:
            continue
        score += 0.5 * len({stem(w) for w in words(f.value) if w not in STOP} & rest)
        if f.norm_key == "type" and f.value.lower() in _CLASS_MARKERS:
            score -= 1.0  # mem-agent's `- **Type**: Entity` marks a file's class; it answers nothing
        if counting and any(ch.isdigit() for ch in f.value):
            score += 0.5
        scored.append((score, f))
    scored.sort(key=lambda x: (-x[0], x[1].line))
    return scored


def _fact_row(ent: Entity, f: GraphFact, score: float) -> dict[str, Any]:
    return {"entity": "user" if ent.is_user else ent.title, "key": f.key, "value": f.value,
            "section": f.section, "path": ent.path, "line": f.line, "score": round(score, 2)}


def rank_facts(app: Any, question: str, limit: int = 8, graph: MemoryGraph | None = None) -> list[dict[str, Any]]:
    """The facts that answer `question`, best first, all about the one subject it asks about."""
    graph = graph or MemoryGraph.load(app)
    return _facts_about(graph, find_subject(graph, question), question, limit)


def _facts_about(graph: MemoryGraph, subject: Subject, question: str, limit: int) -> list[dict[str, Any]]:
    if subject.entity is None:
        return []
    facts = [_fact_row(subject.entity, f, s) for s, f in rank_subject_facts(subject, question)[:limit]
             if s >= MIN_FACT_SCORE]
    # "What is the full name of ..." / "Who is ...": the entity itself answers, unless a fact
    # does ("Who is the founder of X" is X's `founder` line; a stated `user_name` is the name).
    qwords = set(words(question))
    asks_name = ("name" in qwords or "called" in qwords or _asks_name(question) and not facts) and not (
        facts and "name" in facts[0]["key"].lower())
    rest = {stem(w) for w in words(question) if w not in STOP} - subject.consumed
    if subject.hops and (asks_name or not facts and not rest):
        # "Who is the person I share resources with?" / "What is the full name of ...": the
        # subject itself is the answer; the relation line that led to it is the source.
        rel_entity, via = _relation_source(graph, subject)
        row = _fact_row(rel_entity, via, 3.0)
        row["value"] = subject.entity.name
        facts = [row] + facts
    elif asks_name:
        name = subject.entity.name
        if name and name != "user":
            facts = [{"entity": "user" if subject.entity.is_user else subject.entity.title, "key": "name",
                      "value": name, "section": None, "path": subject.entity.path, "line": 1,
                      "score": 3.0}] + facts
    return facts[:limit]


def _relation_source(graph: MemoryGraph, subject: Subject) -> tuple[Entity, GraphFact]:
    """The entity whose file holds the last relation followed, and that relation line."""
    _, via = subject.hops[-1]
    for ent in graph.entities.values():
        if any(f is via for f in ent.facts):
            return ent, via
    return subject.entity, via


def ask(app: Any, question: str, *, limit: int = 5) -> dict[str, Any]:
    graph = MemoryGraph.load(app)
    subject = find_subject(graph, question)  # the costly step (every candidate's facts ranked): once
    facts = _facts_about(graph, subject, question, limit)
    about = None
    if subject.entity is not None:
        about = {"entity": "user" if subject.entity.is_user else subject.entity.title, "path": subject.entity.path,
                 "via": [{"relation": f.key, "to": e.title, "path": e.path} for e, f in subject.hops]}
    if facts:
        best = facts[0]
        answer = best["value"]
        sources = [{"path": f["path"], "line": f["line"], "link": note_link(f["path"]), "fact": f"{f['key']}: {f['value']}"}
                   for f in facts[:1]]
        return {"question": question, "answer": answer, "about": about, "facts": facts, "sources": sources,
                "mode": "extractive"}
    turns = [h for h in app.search(question, limit=5, expand=True) if h["kind"] != "memory" and _supports(h, question)]
    if turns:
        top = turns[0]
        answer = _quote(top, question)
        return {"question": question, "answer": answer, "about": about, "facts": [], "evidence": turns[:3],
                "sources": [{"path": h["path"], "line": h["lines"][0], "link": h["link"]} for h in turns[:1]],
                "mode": "evidence", "note": "no fact in memory answers this; quoting the turn that matches best"}
    return {"question": question, "answer": None, "about": about, "facts": [], "sources": [], "mode": "extractive",
            "note": "memory does not hold this"}


def _supports(hit: dict[str, Any], question: str) -> bool:
    """A turn is quoted only when it shares at least two of the question's content words (or
    its only one): one common word in a long chat says nothing about the question."""
    q = {stem(w) for w in words(question) if w not in STOP}
    have = {stem(w) for w in words(hit.get("text") or "")} | {stem(w) for w in words(hit.get("title") or "")}
    return bool(q) and len(q & have) >= min(2, len(q))


def _human_day(value: str) -> str:
    """2023-05-07 -> 7 May 2023; 2023-05 -> May 2023; 2023 -> 2023."""
    try:
        if len(value) >= 10:
            d = datetime.strptime(value[:10], "%Y-%m-%d")
            return f"{d.day} {d.strftime('%B %Y')}"
        if len(value) == 7:
            return datetime.strptime(value, "%Y-%m").strftime("%B %Y")
    except ValueError:
        pass
    return value


def _quote(hit: dict[str, Any], question: str) -> str:
    """The turn quoted with its speaker and day; for a question asking when, the day the turn's
    own time words point at ("yesterday", "last Friday"), resolved against when it was said."""
    text = " ".join((hit.get("text") or hit.get("snippet") or "").split())
    turn = (hit.get("turns") or [{}])[0]
    day = (turn.get("time") or "")[:10]
    who = ", ".join(x for x in (turn.get("speaker"), _human_day(day) if day else "") if x)
    quote = f"“{text}”" + (f" — {who}" if who else "")
    if re.match(r"\s*(when|what (day|date|year|month|time))\b", question, re.I):
        ref = _parse_day(day)
        best = best_time(find_times(text, ref)) if ref else None
        if best is not None and best.value:
            return f"{_human_day(best.value)} ({best.text}): {quote}"
        if day:
            return f"{_human_day(day)}: {quote}"
    return quote


def _parse_day(day: str) -> date | None:
    try:
        return datetime.strptime(day, "%Y-%m-%d").date()
    except ValueError:
        return None


