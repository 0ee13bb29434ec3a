"""Persona basics and planned trips for the rules backend, kept apart from the general rules (memd/extract/patterns/).

What a person says about who they are, when they say it plainly:

    gender             "I'm a woman", "I am male", "I'm a 29-year-old man"  -> gender: female / male
    personality type   "I'm an ENTP", "my MBTI is INFJ-T", "my personality type is ISTJ"
                                                                              -> personality_type: ENTP
    name               "I am Maria Schmidt" (two or more name words, nothing after but "and"/",")
                                                                              -> user_name
    school and major   "I graduated from Ohio State University with a degree in biology"
                                                                              -> school, major
    planned trips      "I'm planning a trip to Lisbon on October 12th"     -> plans: 2025-10-12: trip to Lisbon

The persona rules register with patterns.core's `rule(..., first=True)`, so they are tried
before the general ones ("am a ..." would otherwise read an MBTI code as a job); planned trips
come after them (the general plan rules keep "with my wife" when they read the sentence);
`persona_statement` is asked by rules_clauses.statement_facts for "my X is Y" sentences.
Word lists are general English; nothing is tuned to a data set.
"""

from __future__ import annotations

import re

from memd.extract import rules_lexicon as lex
from memd.extract.patterns import (
    ADV,
    LOC,
    SELF,
    Clause,
    Env,
    Fact,
    _f,
    clean_org,
    clean_place,
    dated,
    rule,
    when,
)
from memd.extract.rules_text import clean_value
from memd.extract.value_gate import EVALUATIVE, is_adverb

_GENDER_WORDS = {"man": "male", "guy": "male", "male": "male", "dude": "male", "woman": "female",
                 "girl": "female", "lady": "female", "female": "female", "non-binary": "non-binary",
                 "nonbinary": "non-binary", "enby": "non-binary"}
_GENDER_ALT = "|".join(sorted(_GENDER_WORDS, key=len, reverse=True))
_MBTI = r"(?P<mbti>[IEie][NSns][TFtf][JPjp](?:-[ATat])?)"
_ONLY_SELF = frozenset({"self"})
# What may follow a gender word for it to be the speaker's gender: the end, an age, a place,
# "who ...". Not "a man of my word", "a woman's right", "a girl's night".
_GENDER_TAIL = r"(?=\s*(?:$|[,.;!]|\s(?:in\s+(?:my|his|her)\s+\w+|of\s+\d|from|who|and|with|living|based|aged?)\b))"


@rule(rf"(?:am|'m)\s+{ADV}(?:a\s+|an\s+)?(?:(?P<age>\d{{1,2}})[- ]year[- ]old\s+)?(?:(?:single|married|straight|gay|"
      rf"cis|trans|young|old|middle-aged|retired|working|proud)\s+)?(?P<g>{_GENDER_ALT}){_GENDER_TAIL}",
      subjects=_ONLY_SELF, first=True)
def gender(m: re.Match[str], cl: Clause) -> list[Fact] | None:
    out = _f(cl, "gender", _GENDER_WORDS[m.group("g").lower()], ("identity", "gender"))
    if m.group("age"):
        out += _f(cl, "age", m.group("age"), ("identity", "age"))
    return out


@rule(rf"(?:am|'m)\s+{ADV}(?:an?\s+)?{_MBTI}(?=\s*(?:$|[,.;!]|\s(?:personality|type|and|on)\b))",
      subjects=_ONLY_SELF, first=True)
def mbti_am(m: re.Match[str], cl: Clause) -> list[Fact] | None:
    return _f(cl, "personality_type", m.group("mbti").upper(), ("identity", "personality"))


_NAME_WORD = r"(?!(?:I|The|A|An|My|From|In|At|On|And|But|So|Not|Just|Also|Really|Here|There)\b)[A-Z][a-z]+(?:-[A-Z][a-z]+)?"


@rule(rf"(?:am)\s+(?P<name>{_NAME_WORD}(?:\s+(?:van|von|de|da|del|der|di|le|la)\s+)?(?:\s+{_NAME_WORD}){{1,2}})"
      rf"(?=\s*(?:$|[,.;!]|\s(?:and|from|but)\b))", subjects=_ONLY_SELF, first=True)
def full_name(m: re.Match[str], cl: Clause) -> list[Fact] | None:
    name = m.group("name")
    words = name.split()
    # "I am Canadian", "I am Spanish and French": nationality and language words are no names.
    if any(w in lex.DEMONYMS or w in lex.LANGUAGES or w in lex.MONTH_NAMES for w in words):
        return None
    # "I am Very Tired" in title case: adjectives and adverbs are no names.
    if any(w.lower() in EVALUATIVE or is_adverb(w) or (len(w) > 4 and w.lower().endswith(("ing", "ed")))
           for w in words):
        return None
    return _f(cl, "user_name", name, ("identity",))


_SCHOOL = r"(?P<school>(?:the\s+)?[A-Z][\w'&.-]*(?:\s+(?:of\s+|for\s+|at\s+)?[A-Z][\w'&.-]*){0,6})"
_FIELD = r"(?P<field>[A-Za-z][\w'-]*(?:\s+(?:and\s+)?[A-Za-z][\w'-]*){0,3}?)"


@rule(rf"(?:graduated|have\s+graduated|got\s+my\s+(?:degree|diploma))\s+from\s+{_SCHOOL}"
      rf"(?:\s+(?:with|in)\s+(?:a\s+|an\s+|my\s+)?(?:(?P<deg>bachelor'?s|master'?s|BA|BS|BSc|MA|MSc|MBA|PhD|doctorate|"
      rf"associate'?s)\s+)?(?:degree\s+)?in\s+{_FIELD}(?=\s*(?:$|[,.;!]|\s(?:and|in|from|at|last|this|back)\b)))?",
      subjects=_ONLY_SELF, first=True)
def graduated_from(m: re.Match[str], cl: Clause) -> list[Fact] | None:
    school = clean_org(m.group("school"))
    if not school or not re.search(r"\b(?:University|College|School|Institute|Academy|Polytechnic|Conservatory|"
                                   r"[A-Z]{2,5})\b", school):
        return None  # "graduated from Berlin": a place, said of a school the words do not name
    out = _f(cl, "school", school, ("education",))
    if m.group("field"):
        major = clean_value(m.group("field"), max_words=4, cut=False)
        out += _f(cl, "major", major.lower() if major and not major.isupper() else major, ("education",))
    if m.group("deg"):
        out += _f(cl, "degree", m.group("deg"), ("education",))
    t = when(cl, "past")
    if t and t.value:
        out += _f(cl, "graduation_date", t.value, ("education", "date"))
    return out


_MONTHS = "January|February|March|April|May|June|July|August|September|October|November|December|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept?|Oct|Nov|Dec"
_DAYS = "Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday"
_TRIP_NOUNS = r"(?:trip|vacation|holiday|getaway|journey|visit|road\s+trip|weekend\s+trip|honeymoon|tour)"


@rule(rf"(?:am|are|'m|'re)\s+{ADV}(?:planning|booking|organi[sz]ing|taking|going\s+on)\s+(?:a|an|our|my|the)\s+"
      rf"(?:(?:short|long|little|quick|big|family|solo|\w+-day|weekend|summer|winter|spring|fall|ski|beach|city|"
      rf"work|business)\s+)*(?P<what>{_TRIP_NOUNS})\s+(?:to|in|around|through)\s+(?P<loc>{LOC})",
      subjects=frozenset({"self", "person", "relative", "pronoun"}))
def planned_trip(m: re.Match[str], cl: Clause) -> list[Fact] | None:
    # A place name runs on into "on October 12th" (LOC allows "on" inside names): cut before a time.
    loc = re.split(rf"\s+(?:on|in|at|this|next|by|over|during)\s+(?=(?:the\s+)?(?:\d|{_MONTHS}|{_DAYS}|weekend|week|month|year|summer|winter|spring|fall|autumn))",
                   m.group("loc"))[0]
    place = clean_place(loc)
    if not place:
        return None
    what = re.sub(r"\s+", " ", m.group("what").lower())
    return _f(cl, "plans", dated(f"{what} to {place}", when(cl, "future")), ("plan", "travel"))


_MY_TYPE = re.compile(rf"[Mm]y\s+(?:MBTI(?:\s+type)?|Myers-Briggs(?:\s+type)?|personality\s+type)\s+is\s+(?:an?\s+)?{_MBTI}\b")
_MY_GENDER = re.compile(rf"[Mm]y\s+gender\s+is\s+(?P<g>{_GENDER_ALT})\b", re.I)


def persona_statement(text: str, pos: int, env: Env) -> list[Fact] | None:
    """'My MBTI is INFJ', 'my gender is female': facts, or None when the sentence is not one."""
    m = _MY_TYPE.match(text, pos)
    if m:
        return [Fact(SELF, "personality_type", m.group("mbti").upper(), ("identity", "personality"))]
    m = _MY_GENDER.match(text, pos)
    if m:
        return [Fact(SELF, "gender", _GENDER_WORDS[m.group("g").lower()], ("identity", "gender"))]
    return None
