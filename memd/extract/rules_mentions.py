"""Mentions: the people and pets the speaker refers to as theirs ("my sister Anna", "Max, my dog",
"my girlfriend is Anna"). They give the relationship lines, and the people "he" and "she" can
refer to (rules.py resolves pronouns with them).
"""

from __future__ import annotations

import re
from functools import lru_cache

from memd.extract import rules_lexicon as lex
from memd.extract.patterns import (
    NAME,
    REL_ALL,
    REL_MODS,
    SPECIES_ALL,
    Fact,
    Mention,
    Subject,
    explicit_name,
    valid_name,
)


_REL_MENTION = re.compile(
    rf"\b[Mm]y\s+{REL_MODS}(?P<rel>{REL_ALL})\b(?!')(?:\s*(?P<comma>,)?\s+(?P<name>{NAME})\b(?!'s\s+(?:{REL_ALL}))"
    # "My girlfriend, Toby and I": a list of three (Toby is the dog), not the girlfriend's name
    # ("my sister Anna and I", without the comma, is Anna).
    r"(?(comma)(?!\s+and\s+(?:I|me|my|we)\b)))?"
)
_NAME_IS_REL = re.compile(rf"\b(?P<name>{NAME})(?:,|\s+is)\s+my\s+{REL_MODS}(?P<rel>{REL_ALL})\b(?!['’]s)")  # not "my mother's cat"
_REL_NAMED = re.compile(
    rf"\b(?:a|an|one|my|our)\s+{REL_MODS}(?P<rel>{REL_ALL})\s+(?:named|called)\s+(?P<name>{NAME})"
)
_NOT_A_GIVEN_NAME = "|".join(sorted(lex.DEMONYMS | lex.NOT_GIVEN_NAMES))
_REL_NAME_IS = re.compile(
    rf"\b[Mm]y\s+{REL_MODS}(?P<rel>{REL_ALL})(?:'s\s+name\s+is|\s+is\s+(?:named|called))\s+(?P<name>{NAME})")
# "My girlfriend is Anna." (a name and nothing after it: not "My sister is Canadian")
_REL_IS_NAME = re.compile(rf"\b[Mm]y\s+{REL_MODS}(?P<rel>{REL_ALL})\s+is\s+(?!(?:{_NOT_A_GIVEN_NAME})\b)(?P<name>{NAME})"
                          r"(?=\s*[.!]?\s*$|\s*[.!]\s)")
_PET_MENTION = re.compile(
    rf"\b(?:[Mm]y|[Oo]ur)\s+(?:(?:{lex.PET_MODIFIERS})\s+)*(?P<sp>{SPECIES_ALL})\b(?:\s*,?\s+(?:named\s+|called\s+)?(?P<name>{NAME})\b)?"
)
_PET_NAME_IS = re.compile(
    rf"\b(?:[Mm]y|[Oo]ur)\s+(?:(?:{lex.PET_MODIFIERS})\s+)*(?P<sp>{SPECIES_ALL})(?:'s\s+name\s+is|\s+is\s+(?:named|called)|"
    rf"\s+is\s+(?:a|an)\s+(?:[\w-]+\s+){{0,3}}?(?:named|called))\s+(?P<name>{NAME})"
)
_NAME_IS_PET = re.compile(rf"\b(?P<name>{NAME})(?:,|\s+is)\s+(?:my|our)\s+(?:(?:{lex.PET_MODIFIERS})\s+)*(?P<sp>{SPECIES_ALL})\b")


def _canon_rel(word: str) -> str | None:
    w = word.lower()
    return lex.RELATIONS.get(w) or lex.RELATION_PLURALS.get(w)


@lru_cache(maxsize=8192)
def mentions_in(sentence: str, offset: int = 0) -> tuple[Mention, ...]:
    """People and pets the speaker refers to as theirs: 'my sister Anna', 'Max, my dog'."""
    out: list[Mention] = []
    for rx in (_REL_NAME_IS, _REL_IS_NAME, _REL_NAMED, _NAME_IS_REL, _REL_MENTION):
        for m in rx.finditer(sentence):
            rel = _canon_rel(m.group("rel"))
            if rel is None:
                continue
            plural = m.group("rel").lower() in lex.RELATION_PLURALS
            name = None if plural else valid_name(m.group("name"))
            if any(x.position == offset + m.start() for x in out):
                continue
            if name and any(x.name == name for x in out):
                continue
            if not name and any(x.relation == rel and x.name for x in out):
                continue
            gender = "plural" if plural else lex.relation_gender(rel)
            out.append(Mention(name, rel, gender, None, offset + m.start()))
    named = "name" in sentence or "called" in sentence
    for rx in (_PET_NAME_IS, _NAME_IS_PET, _PET_MENTION):
        if rx is _PET_NAME_IS and not named:
            continue
        for m in rx.finditer(sentence):
            sp = re.sub(r"\s+", " ", m.group("sp").lower())
            species = lex.SPECIES.get(sp) or lex.SPECIES_PLURALS.get(sp)
            name = (explicit_name if rx is _PET_NAME_IS else valid_name)(m.group("name"))
            if name and any(x.name == name for x in out):
                continue
            if not name and any(x.species == species for x in out):
                continue
            out.append(Mention(name, "pet", None, species, offset + m.start()))
    out.sort(key=lambda x: x.position)
    return tuple(out)


def mention_facts(mentions: list[Mention]) -> list[Fact]:
    """The relationship lines a named mention implies ('my sister Anna' -> Anna is a sister)."""
    out: list[Fact] = []
    seen: set[tuple[str, str]] = set()
    for mt in mentions:
        if not mt.name or not mt.relation or (mt.name, mt.relation) in seen:
            continue
        seen.add((mt.name, mt.relation))
        subj = Subject("person", mt.name, mt.relation)
        if mt.relation == "pet":
            out.append(Fact(subj, "relationship", "pet", ("pet",)))
            if mt.species:
                out.append(Fact(subj, "species", mt.species, ("pet",)))
            continue
        if mt.relation in lex.FAMILY:
            tag = "family"
        elif mt.relation in lex.WORK_RELATIONS:
            tag = "work"
        else:
            tag = "social"
        out.append(Fact(subj, "relationship", lex.relation_label(mt.relation), ("relationship", tag)))
    return out


