"""One sentence's facts: what the sentence changes (rules_updates) over what it states, plus
what it says between other people (rules_people).

A sentence that states no change may still imply one of a key memory holds ("Marine Biology
has become my true calling"): update_implied.py reads those, and they are applied only where
memory holds such a line.

"I'm no longer vegetarian and have switched to a Mediterranean diet" is read twice: as a
change (diet: Mediterranean, replacing vegetarian) and, by the general rules, as a negation
(diet: vegetarian no longer holds). Applied one after the other, the removal would leave nothing
for the change to replace, and its history would be lost. So where a sentence states a change,
the change wins: the general rules' facts about the same key (or a key that means the same)
and their negations of the replaced value are dropped; everything else they found is kept.
"""

from __future__ import annotations

import re

from memd.extract.conventions import LINK_VALUE, MULTI_VALUED_KEYS, REPLACES_PREFIX
from memd.extract.rules_people import third_person_facts
from memd.extract.patterns import Env, Fact
from memd.extract.rules_text import declarative_part
from memd.extract.rules_updates import update_facts
from memd.extract.update_implied import implied_facts
from memd.extract.update_others import other_changes
from memd.extract.update_match import same_stem
from memd.vault import memory_view as mv

_MAX_CHARS = 1200
_IN_ADDITION = re.compile(r"\balso\b[^.;!?]*\bnot\s+(?:just|only)\b|\bnot\s+(?:just|only)\b[^.;!?]*\b(?:but\s+)?also\b",
                          re.I)
_HYPOTHETICAL = re.compile(
    r"\b(?:if|unless|whether|suppose|supposing|imagine|pretend|hypothetically|assuming|what\s+if|in\s+case|"
    r"wish|dream|story|novel|game)\b", re.I)


def merge_updates(sentence: str, env: Env, facts: list[Fact], following: str = "") -> list[Fact]:
    decl = declarative_part(sentence[:_MAX_CHARS])
    if not decl or _HYPOTHETICAL.search(decl):
        return facts  # "Suppose I moved to Tokyo": no change to anything
    if _IN_ADDITION.search(decl):
        # "I also work at Stripe, not just Google": a second value of a key that holds one would
        # replace the first, which is still true; rather write neither.
        facts = [f for f in facts if f.key in MULTI_VALUED_KEYS or f.negated]
    changes = update_facts(decl, env, following[:_MAX_CHARS])  # the next sentence is read only if needed
    if not changes:
        changes = other_changes(decl, env, following[:_MAX_CHARS])  # "Outback Choppers is no longer ..."
    if not changes:
        # Nothing said outright: what the sentence implies of keys memory may hold, applied only
        # where memory holds one (update_implied.py), unless the general rules read that key.
        facts = facts + [f for f in implied_facts(decl, env)
                         if not any(g.subject == f.subject and (mv.same_key(g.key, f.key) or g.key.startswith(f.key)
                                                                or g.value.casefold() == f.value.casefold()) for g in facts)]
    people = third_person_facts(decl, env)
    if people:
        have = {(f.subject.name, f.key) for f in changes + facts}
        linked = {f.subject.name for f in changes if LINK_VALUE in f.tags}  # update_others read it whole
        changes += [f for f in people if f.subject.name not in linked
                    and ((f.subject.name, f.key) not in have or "update" in f.tags)]
    if not changes:
        return facts
    # A removed list item ("I don't speak German anymore") and a value said in passing ("fluent in
    # English and Mandarin", no old value named) only fill a gap the general rules left.
    # Where they did read it, their reading stands, marked as an update when the key holds one value
    # ("I now work at Stripe": employer: Stripe replaces the employer memory holds, kept in History).
    general_negations = {(f.subject, f.key) for f in facts if f.negated}
    general_keys = {(f.subject, f.key) for f in facts if not f.negated}
    passing = {(f.subject, f.key): f for f in changes if not f.negated and (f.subject, f.key) in general_keys
               and not any(t.startswith(REPLACES_PREFIX) for t in f.tags)}
    changes = [f for f in changes if not (f.negated and (f.subject, f.key) in general_negations)
               and (f.subject, f.key) not in passing]
    facts = [Fact(f.subject, f.key, f.value, tuple(dict.fromkeys(f.tags + passing[(f.subject, f.key)].tags)), f.negated)
             if (f.subject, f.key) in passing and not f.negated and f.key not in MULTI_VALUED_KEYS else f
             for f in facts]
    olds = [t[len(REPLACES_PREFIX):] for f in changes for t in f.tags if t.startswith(REPLACES_PREFIX)]
    keys = [(f.subject, f.key) for f in changes if not f.negated]
    kept = []
    for f in facts:
        if any(s == f.subject and (mv.same_key(k, f.key) or _related(k, f.key)) for s, k in keys):
            continue
        if f.negated and any(mv.value_matches(o, f.value) for o in olds):
            continue
        kept.append(f)
    return changes + kept


def _related(change_key: str, key: str) -> bool:
    """"educational_credentials" (the user's words for what changed) and "education" (what the
    general rules read in the same sentence) are one fact: written once, as the change."""
    a, b = change_key.split("_"), key.split("_")
    if any(same_stem(x, y) for x in a for y in b if len(x) > 3 and len(y) > 3):
        return True
    # "I graduated from X, not Y" changes the education line; the school read beside it is the same fact.
    return bool(set(a) & _STUDY and set(b) & _STUDY)


_STUDY = frozenset("education educational school university college degree alma_mater studies".split())
