"""Turning matched text into stored values: names, places, organisations, phrases, dates.

Every rule handler ends in one of these: valid_name refuses common words that happen to be
capitalised, clean_place / clean_org drop a trailing weekday or pronoun, value_of cuts a phrase
at its clause boundary and takes resolved time words out (they go into the date instead),
vp_value and object_value refuse conversation moves ("I want to say", "I love that") that name
nothing worth remembering. `_f` builds the one-fact list a handler returns, or [] when the value
came out empty.
"""

from __future__ import annotations

import re

from memd.extract import rules_lexicon as lex
from memd.extract.patterns.core import Clause, Fact
from memd.extract.patterns.fragments import REL_ALL, REL_MODS
from memd.extract.patterns.words import word_set
from memd.extract.rules_dates import TimeRef, best_time, find_times
from memd.extract.rules_text import clean_value, gerund

# The verb that starts a value and says nothing the memory can use ("I will see", "I want to
# say"): these are conversation moves, not plans or wishes.
VAGUE_VERBS = word_set("vague_verbs")
_VAGUE_OBJECTS_AFTER = re.compile(
    r"^(?:go|come|get|make|do|have|be)(?:\s+(?:it|this|that|there|here|home|back|out|on|off|"
    r"through\s+it|by|along|well|better|anywhere|ahead))?$",
    re.I,
)


def valid_name(text: str | None) -> str | None:
    """A person's name from a capitalised match, or None when it is a common word."""
    if not text:
        return None
    toks = text.split()
    while toks and (toks[-1] in lex.NOT_NAMES or toks[-1] in lex.LANGUAGES or toks[-1] in lex.DEMONYMS):
        toks.pop()
    if not toks or toks[0] in lex.NOT_NAMES or toks[0] in lex.DEMONYMS or toks[0] in lex.LANGUAGES:
        return None
    if toks[0].lower() in lex.RELATIONS:
        return None
    return " ".join(toks)


def explicit_name(text: str | None) -> str | None:
    """A name given as one ("a parrot named Kiwi"): any capitalised word but the function words."""
    if not text:
        return None
    toks = text.split()
    while toks and toks[-1] in lex.NOT_NAMES:
        toks.pop()
    if not toks or toks[0] in lex.NOT_NAMES or toks[0].lower() in lex.RELATIONS:
        return None
    return " ".join(toks)


def clean_place(text: str | None) -> str | None:
    """'Berlin, Germany' from a capitalised run; drops a trailing weekday, month or pronoun."""
    if not text:
        return None
    t = text.strip().rstrip(".,")
    t = t.rstrip("-\u2013\u2014 ")  # "I moved to Lisbon- best decision ever": the dash is punctuation
    parts = [p.strip() for p in t.split(",")]
    out = []
    for part in parts:
        toks = part.split()
        # "I moved to Paris Tuesday": the weekday is not part of the place.
        while toks and (toks[-1] in lex.NOT_NAMES or toks[-1] in lex.MONTH_NAMES):
            toks.pop()
        if not toks:
            break
        head = toks[1] if toks[0].lower() == "the" and len(toks) > 1 else toks[0]
        if head in lex.NOT_NAMES:
            break
        out.append(" ".join(toks))
        if len(toks) != len(part.split()):
            break
    if not out:
        return None
    place = ", ".join(out)
    if re.search(r"(?:^|\s)[A-Z]$", place):
        return None  # "the U" of "the U.S.": an initial cut from its name
    return place


def clean_org(text: str | None) -> str | None:
    if not text:
        return None
    toks = text.strip().rstrip(".,").split()
    while toks and toks[-1] in lex.NOT_NAMES:
        toks.pop()
    if not toks:
        return None
    head = toks[1] if toks[0].lower() == "the" and len(toks) > 1 else toks[0]
    if head in lex.NOT_NAMES or head in lex.MONTH_NAMES:
        return None
    return " ".join(toks)


def when(cl: Clause, tense: str) -> TimeRef | None:
    """The date a clause speaks of: its own time words first, then the words before it."""
    t = best_time(find_times(cl.pred, cl.env.ref, tense))
    if t is None and cl.lead:
        t = best_time(find_times(cl.lead, cl.env.ref, tense))
    return t


def value_of(raw: str | None, cl: Clause, tense: str = "any", *, max_words: int = 10) -> str | None:
    """A clean value from raw predicate text, with resolved time words taken out."""
    if not raw:
        return None
    # Cut at the first clause boundary first, so a date further on is not stripped from here.
    v = clean_value(raw, max_words=40)
    if v is None:
        return None
    for t in sorted(find_times(v, cl.env.ref, tense), key=lambda t: -t.start):
        if t.value is not None:
            end = t.end + (2 if v[t.end:t.end + 2] in ("'s", "’s") else 0)  # "yesterday's class" -> "class"
            v = (v[: t.start] + " " + v[end:]).strip()
    return clean_value(v, max_words=max_words, cut=False)


def dated(value: str, t: TimeRef | None) -> str:
    """Dated values read 'YYYY-MM-DD: what happened' (see rules.py for the convention)."""
    return f"{t.value}: {value}" if t is not None and t.value else value


def split_list(text: str) -> list[str]:
    parts = re.split(r"\s*(?:,\s*(?:and\s+|or\s+)?|\s+and\s+|\s+or\s+|\s*&\s*|/)\s*", text)
    return [p for p in (p.strip() for p in parts) if p]


_VAGUE_VP = re.compile(
    r"^(?:looking\s+forward|make\s+sure|make\s+(?:my|our|their|his|her)\s+dreams?|give\s+.{1,30}?\s+a\s+(?:try|go|shot|look)\b|"
    r"\w+\s+(?:it|this|that|them|him|her)\b|get\s+back|keep\s+(?:going|it\s+up|pushing|at\s+it|trying|that\s+in\s+mind|"
    r"in\s+touch|an\s+eye)|give\s+(?:it|this|that)\s+a|help\s+(?:you|out)$|get\s+(?:it|this|that|there|going)|"
    r"stay\s+(?:positive|strong|motivated|safe|tuned|focused|calm|humble|healthy|connected|in\s+touch|"
    r"sane|put|true|grounded|hopeful|optimistic)|\w+\s+(?:it|this|that|them|him|her)(?:\s+(?:out|up|over|off|on|in|through|again|now))?$)",
    re.I,
)
INDEFINITE = re.compile(r"\b(?:something|anything|nothing|everything|stuff|things)\b", re.I)


def vp_value(raw: str | None, cl: Clause, tense: str, *, max_words: int = 10) -> str | None:
    """A verb phrase worth remembering ('send the contract'), or None for conversation moves.

    A promise someone else made ("he said he'd send it tomorrow") is kept even when its object
    is a pronoun: who promised what by when is the memory."""
    v = value_of(raw, cl, tense, max_words=max_words)
    if not v:
        return None
    v = re.sub(r"^(?:to\s+)", "", v)
    # "do some birdwatching", "do a bit of sailing": the pursuit is the -ing word, not the light "do"
    v = re.sub(r"^do\s+(?:some|a\s+(?:bit|lot)\s+of|more)\s+(?=[a-z]{3,}ing\b)", "", v)
    v = re.sub(r"\b(?:someday|some\s+day|one\s+day|eventually|in\s+the\s+future|soon)\b", "", v).strip()
    v = re.sub(r"\s{2,}", " ", v).strip(" ,")
    if not v:
        return None
    head = v.split()[0].lower()
    # "go to Bali" names a place; "go there" or "go for it" does not.
    somewhere = re.match(r"(?:go|come|move|travel|fly|get)\s+(?:back\s+)?to\s+(?:the\s+)?[A-Z]", v)
    if not somewhere and (head in VAGUE_VERBS or _VAGUE_OBJECTS_AFTER.match(v) or (_VAGUE_VP.match(v) and not cl.reported)):
        return None
    if INDEFINITE.search(" ".join(v.split()[1:3])):
        return None
    if len(v.split()) < 2 and not head.endswith("ing"):
        return None
    if re.search(r"\byou(?:r|rs)?\b", v, re.I):
        return None
    return v


# "I got into jazz in college", "reading in my free time": when one likes it is no part of what is liked.
_LIFE_PERIOD = re.compile(
    r"\s+(?:(?:in|during|through(?:out)?)\s+(?:my\s+|the\s+)?(?:college|high\s+school|grad(?:uate)?\s+school|"
    r"middle\s+school|uni|university|teens|twenties|thirties|forties|fifties|youth|childhood|pandemic|"
    r"lockdown|quarantine)|in\s+my\s+(?:free|spare|down)\s*time|on\s+(?:the\s+)?weekends|as\s+a\s+(?:kid|child|teen(?:ager)?|student)|growing\s+up|back\s+then|"
    r"when\s+I\s+was\s+(?:young|little|younger|a\s+(?:kid|child|teen(?:ager)?)))\s*[.!]?$",
)  # lower case only: "the show Growing Up", "the song In My Free Time" are titles


def object_value(raw: str | None, cl: Clause, tense: str = "any", *, max_words: int = 8) -> str | None:
    """The object of a liking or disliking, as a noun phrase or gerund ('to hike' -> 'hiking')."""
    if not raw:
        return None
    raw = raw.strip()
    if re.match(r"(?:this|that|these|those)\s+(?!in\s+need\b|who\b)[\w'-]|(?:their|his|its)\s", raw, re.I) \
            and not re.match(r"(?:this|that)\s+(?:[\w'-]+\s+){1,2}(?:called|named|titled)\s+\S", raw, re.I):
        return None  # "I love that first movie too", "I love their work": which one is in another message
    # "this book called Sapiens" names its thing: read as "the book called Sapiens"
    raw = re.sub(r"^(?:this|that)\s+(?=(?:[\w'-]+\s+){1,2}(?:called|named|titled)\s)", "the ", raw, flags=re.I)
    m = re.match(r"to\s+(?:(?:just|really|always|also|actually|sometimes|often|still|simply)\s+)?([a-z]+)\b(.*)", raw)
    if m:
        if m.group(1) in VAGUE_VERBS:
            return None
        raw = gerund(m.group(1)) + m.group(2)
    v = value_of(raw, cl, tense, max_words=max_words)
    if v and not re.search(r"\babout\b", v):  # "reading about life during the pandemic": the topic
        v = _LIFE_PERIOD.sub("", v) or None
    if not v:
        return None
    if re.search(r"\byou(?:r|rs)?\b", v, re.I):
        return None
    if re.match(rf"(?:my|our)\s+{REL_MODS}(?:{REL_ALL})$", v, re.I):
        return None  # "I love my kids" is affection, not a preference to store
    if re.match(r"(?:the\s+)?(?:way|fact|idea|thought|feeling|sound\s+of\s+that|support|energy)\b", v, re.I):
        return None
    if re.match(r"(?:this|that|these|those)\s", v, re.I):
        return None  # "I love those games": which ones is in the other person's message
    return v


def _f(cl: Clause, key: str, value: str | None, tags: tuple[str, ...], *, negated: bool = False) -> list[Fact]:
    if not value:
        return []
    return [Fact(cl.subject, key, value, tags, negated=negated)]
