"""Reported speech: "he said he'd send it tomorrow" is read as "he will send it tomorrow".

Registered first of all rules, so the inner clause is matched (by match_predicate again, with
`reported=True`, where "would" reads as "will") before any rule could take "said" for an event.
"""

from __future__ import annotations

import re

from memd.extract import rules_lexicon as lex
from memd.extract.patterns.core import Clause, Fact, match_predicate, rule


@rule(
    r"(?:said|says|told\s+(?:me|us|him|her|them)|mentioned|promised|announced|texted\s+(?:me|us)|"
    r"wrote|explained|confirmed|claimed|swore|admitted)\s*,?\s+(?:that\s+)?(?P<inner>.+)",
    subjects=frozenset({"relative", "person", "pronoun"}),
)
def reported(m: re.Match[str], cl: Clause) -> list[Fact] | None:
    inner = m.group("inner")
    sm = re.match(r"(?P<p>he|she|they)\s+", inner)
    if not sm:
        return None
    # "He said he would ..." - the inner pronoun is the outer subject, unless the genders clash.
    outer = cl.subject
    gender = {"he": "male", "she": "female"}.get(sm.group("p"))
    if outer.kind == "pronoun" and outer.pronoun != sm.group("p"):
        return None
    if outer.kind == "relative" and lex.relation_gender(outer.relation) not in (None, gender):
        return None
    inner_cl = Clause(outer, inner[sm.end():], cl.lead, cl.env, reported=True)
    return match_predicate(inner_cl)
