"""One sentence's facts: what the sentence changes (rules_updates) over what it states, plus
what it says between other people (rules_people).

"I'm no longer vegetarian and have switched to a Mediterranean diet" is read twice: as a
change (diet: Mediterranean, replacing vegetarian) and, by the general rules, as a negation
(diet: vegetarian no longer holds). Applied one after the other, the removal would leave nothing
for the change to replace, and its history would be lost. So where a sentence states a change,
the change wins: the general rules' facts about the same key (or a key that means the same)
and their negations of the replaced value are dropped; everything else they found is kept.
"""

from __future__ import annotations

from memd.extract.conventions import REPLACES_PREFIX
from memd.extract.rules_people import third_person_facts
from memd.extract.rules_patterns import Env, Fact
from memd.extract.rules_text import declarative_part
from memd.extract.rules_updates import update_facts
from memd.vault import memory_view as mv

_MAX_CHARS = 1200


def merge_updates(sentence: str, env: Env, facts: list[Fact], following: str = "") -> list[Fact]:
    decl = declarative_part(sentence[:_MAX_CHARS])
    if not decl:
        return facts
    changes = update_facts(decl, env, declarative_part(following[:_MAX_CHARS]) or "" if following else "")
    people = third_person_facts(decl, env)
    if people:
        have = {(f.subject.name, f.key) for f in changes + facts}
        changes += [f for f in people if (f.subject.name, f.key) not in have or "update" in f.tags]
    if not changes:
        return facts
    # A removed list item ("I don't speak German anymore") only fills a gap the general rules left.
    general_negations = {(f.subject, f.key) for f in facts if f.negated}
    changes = [f for f in changes if not (f.negated and (f.subject, f.key) in general_negations)]
    olds = [t[len(REPLACES_PREFIX):] for f in changes for t in f.tags if t.startswith(REPLACES_PREFIX)]
    keys = [(f.subject, f.key) for f in changes if not f.negated]
    kept = []
    for f in facts:
        if any(s == f.subject and mv.same_key(k, f.key) for s, k in keys):
            continue
        if f.negated and any(mv.value_matches(o, f.value) for o in olds):
            continue
        kept.append(f)
    return changes + kept
