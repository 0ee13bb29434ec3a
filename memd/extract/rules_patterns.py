"""The predicate rules: which facts a clause states, given who it is about.

rules_clauses cuts a sentence into clauses with a Subject (the speaker, a relative, a pet, a
pronoun, a known name). Here each rule is anchored at the predicate's verb, so "I would live in
Paris" or "If I lived in Paris" never reads as a location, and one set of rules serves every
subject: verb alternations list first- and third-person forms side by side ("live|lives",
"am|is"), which is why "My sister Anna lives in Paris" and "I live in Paris" share a rule.

The output is a list of Facts with an unresolved Subject; rules.py decides whom each is about
(the user, a speaker in a group chat, a named relative) and turns them into MemoryItems.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from memd.extract import rules_lexicon as lex
from memd.extract.rules_dates import (
    TimeRef,
    best_time,
    birth_date_from_age,
    find_times,
    parse_number,
)
from memd.extract.rules_text import clean_value, gerund

# --------------------------------------------------------------------------- data


@dataclass(frozen=True)
class Subject:
    """Who a clause is about, before the backend knows who is speaking."""

    kind: str  # "self" | "relative" (unnamed) | "person" (named) | "pronoun"
    name: str | None = None
    relation: str | None = None  # canonical relation to the speaker; "pet" for animals
    pronoun: str | None = None  # "he" | "she" for kind == "pronoun"
    plural: bool = False  # "we", "my husband and I"


SELF = Subject("self")


@dataclass
class Fact:
    subject: Subject
    key: str
    value: str
    tags: tuple[str, ...]
    negated: bool = False
    # The value is a bare pronoun ("she loved it") that only the context can fill in.
    needs_object: bool = False


@dataclass(frozen=True)
class Mention:
    """A person or pet a sentence refers to, for relationships and for resolving 'he'/'she'."""

    name: str | None
    relation: str | None
    gender: str | None
    species: str | None = None
    position: int = 0


@dataclass(frozen=True)
class Env:
    ref: date | None = None
    strong: bool = False  # the user's own "about me" text
    intro: bool = False  # the turn opens with a greeting: "Hi, I'm Sam" names the speaker
    known_names: frozenset[str] = frozenset()


@dataclass
class Clause:
    subject: Subject
    pred: str  # the predicate, starting at its verb
    lead: str  # text before the subject within the sentence ("Last week I ...")
    env: Env
    reported: bool = False  # inside "he said (that) ...": "would" reads as "will"


@dataclass
class SentenceResult:
    facts: list[Fact] = field(default_factory=list)
    mentions: list[Mention] = field(default_factory=list)


# --------------------------------------------------------------------------- fragments

_ADV_WORDS = (
    r"just|really|also|still|now|currently|actually|finally|recently|already|even|totally|"
    r"officially|basically|only|always|usually|often|sometimes|definitely|seriously|literally|"
    r"absolutely|truly|honestly|mostly|happily|newly|kind\s+of|sort\s+of|pretty\s+much|both|all|"
    r"first|then|originally|proudly|lucky\s+enough\s+to|so|super|very|gonna|generally|"
    r"occasionally|regularly|sometimes|normally|once|ever\s+since"
)
ADV = rf"(?:(?:{_ADV_WORDS})\s+)*"
_ADV_RX = re.compile(ADV)
_CW = r"[A-Z][A-Za-z'&-]*(?:\.(?=\s[A-Z]))?"
_CONNECT = r"(?:of|de|del|da|do|dos|das|di|du|la|le|el|upon|on|am|sur|en)"
LOC = rf"(?:the\s+)?{_CW}(?:\s+(?:{_CONNECT}\s+)?{_CW}){{0,4}}(?:,\s*{_CW}(?:\s+{_CW}){{0,2}})?"
_LOC_DESC = (
    rf"(?:a|the)\s+(?:(?:small|big|little|tiny|quiet|beautiful|nice|cute|coastal|rural|"
    rf"college)\s+)?(?:town|city|village|suburb|neighborhood|neighbourhood)\s+"
    rf"(?:near|outside(?:\s+of)?|in|north\s+of|south\s+of|east\s+of|west\s+of)\s+{LOC}"
)
_LOC_DESC2 = rf"the\s+(?:suburbs|outskirts|center|centre|heart|north|south|east|west)\s+of\s+{LOC}"
LOC_ANY = rf"(?:{_LOC_DESC}|{_LOC_DESC2}|{LOC})"
_DWELLINGS = (
    r"apartment|flat|house|condo|condominium|studio|place|home|townhouse|cabin|loft|bungalow|cottage|dorm|"
    r"bedsit|duplex|trailer|houseboat|basement|room|farmhouse|villa|farm|ranch|boat|homestead|island"
)
_OW = r"(?:[A-Z][A-Za-z'&.-]*[A-Za-z](?:\.(?=\s[A-Z]))?|[A-Z]|[a-z]+[A-Z][A-Za-z]*)"
ORG = rf"(?:the\s+)?{_OW}(?:\s+(?:(?:of|for|de|&)\s+)?{_OW}){{0,4}}"
_WORKPLACE_HEADS = (
    r"company|startup|start-up|firm|agency|bank|hospital|clinic|school|university|college|"
    r"restaurant|cafe|coffee\s+shop|bakery|shop|store|lab|nonprofit|non-profit|charity|hotel|bar|"
    r"gym|library|museum|factory|warehouse|studio|newspaper|magazine|law\s+firm|daycare|"
    r"pharmacy|supermarket|salon|garage|farm|church|shelter|center|centre|organization|"
    r"organisation|consultancy|brewery|winery|theater|theatre|bookstore|boutique|kindergarten|"
    r"nursing\s+home|call\s+center|department\s+store"
)
WORKPLACE = rf"(?:a|an|the)\s+(?:[a-z][\w-]*\s+){{0,3}}?(?:{_WORKPLACE_HEADS})\b"
_NAME_TOKEN = r"[A-Z][a-z]+(?:-[A-Z]?[a-z]+|'[A-Z][a-z]+)?"
NAME = rf"{_NAME_TOKEN}(?:\s+{_NAME_TOKEN})?"
REL_ALL = lex.alternation(set(lex.RELATIONS) | set(lex.RELATION_PLURALS))
REL_MODS = rf"(?:(?:{lex.RELATION_MODIFIERS})\s+)*"
_JOB_HEADS = lex.alternation(lex.JOB_HEADS)
# Up to three modifiers, greedy so "assistant manager" is not cut to "assistant"; function
# words cannot be modifiers, so "a teacher and a writer" stays two jobs.
_JOB_MOD = r"(?!(?:and|or|a|an|the|at|in|for|of|with|to|from|by|on|but)\b)(?:\d{1,3}-year-old|[A-Za-z][\w'-]*)"
JOB = rf"(?:{_JOB_MOD}\s+){{0,3}}(?i:{_JOB_HEADS})(?:s)?\b"
# Some breeds are proper nouns ("German shepherd", "Maine coon"): those are listed capitalised too.
SPECIES_ALL = lex.alternation(
    set(lex.SPECIES) | set(lex.SPECIES_PLURALS) | {w[:1].upper() + w[1:] for w in lex.PROPER_BREEDS}
)
LANG_ALT = lex.alternation(lex.LANGUAGES)
_DIETS = lex.alternation(lex.DIETS)
_HEALTH = lex.alternation(lex.HEALTH)
FOODS = lex.alternation(lex.TRIGGER_FOODS | set(lex.DIET_FOODS.split("|")))
_NUM = (
    r"(?:\d{1,3}|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|"
    r"fourteen|fifteen|sixteen|seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|sixty|"
    r"seventy|eighty|ninety)(?:[-\s](?:one|two|three|four|five|six|seven|eight|nine))?"
)
_MONTH_ALT = "January|February|March|April|May|June|July|August|September|October|November|December"
_DEGREE = (
    r"(?:bachelor'?s|master'?s|BA|BS|BSc|MA|MS|MSc|MBA|PhD|Ph\.D\.?|doctorate|degree|diploma|"
    r"certificate|associate'?s|law\s+degree|medical\s+degree)(?:\s+degree)?"
)
HAVE = r"(?:have|has)"
_REST = r"(?P<rest>.*)"

# The verb that starts a value and says nothing the memory can use ("I will see", "I want to
# say"): these are conversation moves, not plans or wishes.
_VAGUE_VERBS = frozenset(
    """be do try see let check think miss love like need talk tell say ask remember share show keep
    take look hang catch text call update go head reach bring support cheer root pray wait hear
    know thank hug congratulate encourage remind apologize apologise mention wish find figure
    sort mean guess bet admit agree come feel enjoy appreciate hope imagine believe understand
    care pass listen read watch post explain answer reply definitely ever never not have need""".split()
)
_VAGUE_OBJECTS_AFTER = re.compile(
    r"^(?:go|come|get|make|do|have|be)(?:\s+(?:it|this|that|there|here|home|back|out|on|off|"
    r"through\s+it|by|along|well|better|anywhere|ahead))?$",
    re.I,
)


# --------------------------------------------------------------------------- helpers


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
    return ", ".join(out)


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
            v = (v[: t.start] + " " + v[t.end:]).strip()
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
_INDEFINITE = re.compile(r"\b(?:something|anything|nothing|everything|stuff|things)\b", re.I)


def vp_value(raw: str | None, cl: Clause, tense: str, *, max_words: int = 10) -> str | None:
    """A verb phrase worth remembering ('send the contract'), or None for conversation moves.

    A promise someone else made ("he said he'd send it tomorrow") is kept even when its object
    is a pronoun: who promised what by when is the memory."""
    v = value_of(raw, cl, tense, max_words=max_words)
    if not v:
        return None
    v = re.sub(r"^(?:to\s+)", "", v)
    v = re.sub(r"\b(?:someday|some\s+day|one\s+day|eventually|in\s+the\s+future|soon)\b", "", v).strip()
    v = re.sub(r"\s{2,}", " ", v).strip(" ,")
    if not v:
        return None
    head = v.split()[0].lower()
    # "go to Bali" names a place; "go there" or "go for it" does not.
    somewhere = re.match(r"(?:go|come|move|travel|fly|get)\s+(?:back\s+)?to\s+(?:the\s+)?[A-Z]", v)
    if not somewhere and (head in _VAGUE_VERBS or _VAGUE_OBJECTS_AFTER.match(v) or (_VAGUE_VP.match(v) and not cl.reported)):
        return None
    if _INDEFINITE.search(" ".join(v.split()[1:3])):
        return None
    if len(v.split()) < 2 and not head.endswith("ing"):
        return None
    if re.search(r"\byou(?:r|rs)?\b", v, re.I):
        return None
    return v


def object_value(raw: str | None, cl: Clause, tense: str = "any", *, max_words: int = 8) -> str | None:
    """The object of a liking or disliking, as a noun phrase or gerund ('to hike' -> 'hiking')."""
    if not raw:
        return None
    raw = raw.strip()
    m = re.match(r"to\s+([a-z]+)\b(.*)", raw)
    if m:
        if m.group(1) in _VAGUE_VERBS:
            return None
        raw = gerund(m.group(1)) + m.group(2)
    v = value_of(raw, cl, tense, max_words=max_words)
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


# --------------------------------------------------------------------------- rules

Handler = Callable[[re.Match[str], Clause], "list[Fact] | None"]


@dataclass
class Rule:
    name: str
    rx: re.Pattern[str]
    handler: Handler
    subjects: frozenset[str]
    singular_only: bool  # "we" cannot have one age or one job
    starts: frozenset[str] | None = None  # first characters a match can have; None: any
    tail: str | None = None  # the open-ended group ("val", "rest") a handler reads with judgement


_RULES: list[Rule] = []
_FIRST_RULES: set[str] = set()  # names of the rules registered with first=True, in front, in their order
_BY_FIRST: dict[str, list[Rule]] = {}


def rules_for(ch: str) -> list[Rule]:
    """The rules, in order, that can match a predicate starting with `ch`."""
    got = _BY_FIRST.get(ch)
    if got is None:
        got = [r for r in _RULES if r.starts is None or ch in r.starts]
        _BY_FIRST[ch] = got
    return got
_ANY = frozenset({"self", "relative", "person", "pronoun"})


def first_chars(pattern: str) -> frozenset[str] | None:
    """The characters a match of `pattern` can start with; None when it could start with any.

    Used to try only the rules whose first letter fits the predicate's first letter. Reads the
    pattern with the standard library's own parser; anything it does not recognise counts as
    "any character", so a rule is never skipped wrongly, only tried needlessly.
    """
    try:
        from re import _constants as C
        from re import _parser

        parsed = _parser.parse(pattern)
    except (ImportError, re.error):
        return None

    def chars_of(items, fold: bool):
        acc: set[str] = set()
        for op, av in items:
            if op is C.LITERAL:
                acc.add(chr(av))
                return acc, False
            if op is C.IN:
                for iop, iav in av:
                    if iop is C.LITERAL:
                        acc.add(chr(iav))
                    elif iop is C.RANGE and iav[1] - iav[0] < 64:
                        acc.update(chr(x) for x in range(iav[0], iav[1] + 1))
                    else:
                        raise ValueError("open class")
                return acc, False
            if op is C.SUBPATTERN:
                sub_fold = fold or bool(av[1] & C.SRE_FLAG_IGNORECASE)
                got, nullable = chars_of(av[3], sub_fold)
                acc |= {x for ch in got for x in (ch.lower(), ch.upper())} if sub_fold else got
                if not nullable:
                    return acc, False
                continue
            if op is C.BRANCH:
                nullable = False
                for branch in av[1]:
                    got, n = chars_of(branch, fold)
                    acc |= got
                    nullable = nullable or n
                if not nullable:
                    return acc, False
                continue
            if op in (C.MAX_REPEAT, C.MIN_REPEAT):
                got, n = chars_of(av[2], fold)
                acc |= got
                if av[0] > 0 and not n:
                    return acc, False
                continue
            if op in (C.AT, C.ASSERT, C.ASSERT_NOT):
                continue
            raise ValueError(f"unhandled {op}")
        return acc, True

    try:
        got, nullable = chars_of(parsed, False)
    except (ValueError, AttributeError, TypeError, IndexError):
        return None
    return None if nullable else frozenset(got)


def rule(pattern: str, *, subjects: frozenset[str] = _ANY, singular_only: bool = False,
         first: bool = False) -> Callable[[Handler], Handler]:
    """Register a predicate rule; `first`: tried before the rules registered so far (rules of
    another module that must win over the general ones here, e.g. rules_persona)."""
    def deco(fn: Handler) -> Handler:
        # Adverbs before the verb ("I just moved") are skipped once per predicate by
        # match_predicate, not by every rule: trying them in seventy patterns was the hot spot.
        rx = re.compile(pattern)
        tail = next((g for g in ("val", "rest", "inner") if g in rx.groupindex), None)
        r = Rule(fn.__name__, rx, fn, subjects, singular_only, first_chars(pattern), tail)
        if first:
            _RULES.insert(sum(1 for x in _RULES if x.name in _FIRST_RULES), r)
            _FIRST_RULES.add(fn.__name__)
        else:
            _RULES.append(r)
        _BY_FIRST.clear()
        return fn

    return deco


# ---- reported speech ("he said he'd send it tomorrow") --------------------------------------


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


# ---- location -------------------------------------------------------------------------------


@rule(
    rf"(?:(?:do|does)\s+not|no\s+longer)\s+(?:{ADV})?(?:live|lives)\s+in\s+(?P<loc>{LOC})"
    rf"|(?:am|is|are)\s+no\s+longer\s+(?:living|based)\s+in\s+(?P<loc2>{LOC})"
)
def live_negated(m: re.Match[str], cl: Clause) -> list[Fact]:
    return _f(cl, "living_location", clean_place(m.group("loc") or m.group("loc2")), ("location",), negated=True)


@rule(rf"(?:{HAVE}\s+{ADV})?(?:moved|relocated)\s+(?:out\s+of|away\s+from)\s+(?P<loc>{LOC})")
def moved_out(m: re.Match[str], cl: Clause) -> list[Fact]:
    place = clean_place(m.group("loc"))
    t = when(cl, "past")
    out = _f(cl, "living_location", place, ("location",), negated=True)
    out += _f(cl, "moved_from", place, ("location",))
    if t and out:
        out += _f(cl, "moved_date", t.value, ("location", "date"))
    return out


@rule(
    rf"(?:{HAVE}\s+{ADV})?(?:moved|relocated)\s+(?:back\s+)?(?:here\s+)?"
    rf"(?:from\s+(?P<from1>{LOC})\s+)?(?:to|into)\s+(?:(?:a|an|the|our|my)\s+(?:(?!and\b|but\b|in\b)[\w'-]+\s+){{0,3}}?(?:{_DWELLINGS})\s+in\s+)?"
    rf"(?P<loc>{LOC_ANY})(?:\s+from\s+(?P<from2>{LOC}))?"
)
def moved_to(m: re.Match[str], cl: Clause) -> list[Fact] | None:
    place = clean_place(m.group("loc"))
    if not place:
        return None
    t = when(cl, "past")
    out = _f(cl, "living_location", place, ("location",))
    out += _f(cl, "moved_from", clean_place(m.group("from1") or m.group("from2")), ("location",))
    if t:
        out += _f(cl, "moved_date", t.value, ("location", "date"))
    return out


@rule(rf"(?:{HAVE}\s+{ADV})?moved\s+(?:here|back)\s+from\s+(?P<loc>{LOC})")
def moved_here(m: re.Match[str], cl: Clause) -> list[Fact]:
    out = _f(cl, "moved_from", clean_place(m.group("loc")), ("location",))
    t = when(cl, "past")
    if t and out:
        out += _f(cl, "moved_date", t.value, ("location", "date"))
    return out


@rule(
    rf"(?:(?:am|is|are)\s+{ADV}(?:moving|relocating)|(?:will|plan\s+to|plans\s+to|(?:am|is|are)\s+"
    rf"(?:going|planning|hoping)\s+to)\s+{ADV}move)\s+(?:back\s+)?to\s+(?P<loc>{LOC_ANY})"
)
def moving_to(m: re.Match[str], cl: Clause) -> list[Fact] | None:
    place = clean_place(m.group("loc"))
    if not place:
        return None
    return _f(cl, "plans", dated(f"move to {place}", when(cl, "future")), ("plan", "location"))


# "with my boyfriend", "in a small apartment": said between "live" and the place.
_LIVE_WITH = r"(?:with\s+(?:my|our|his|her|their)\s+(?:(?!and\b|but\b|in\b)[\w'-]+\s+){0,2}?(?!and\b|but\b|in\b)[\w'-]+\s+)?"
_LIVE_IN_HOME = rf"(?:(?:in|on)\s+(?:a|an|the|my|our|this)\s+(?:(?!and\b|but\b|in\b)[\w'-]+\s+){{0,3}}?(?:{_DWELLINGS})\s+)?"


@rule(
    rf"(?:live|lives|(?:am|is|are)\s+{ADV}living|{HAVE}\s+{ADV}(?:lived|been\s+living)|reside|resides|"
    rf"(?:am|is|are)\s+{ADV}(?:based|located|settled))\s+{ADV}{_LIVE_WITH}{_LIVE_IN_HOME}(?:in|near|outside(?:\s+of)?)\s+(?P<loc>{LOC_ANY})"
)
def lives_in(m: re.Match[str], cl: Clause) -> list[Fact] | None:
    place = clean_place(m.group("loc"))
    if not place:
        return None
    return _f(cl, "living_location", place, ("location",))


@rule(
    rf"(?:rent|rents|(?:am|is|are)\s+{ADV}renting|share|shares|(?:am|is|are)\s+{ADV}sharing)\s+(?:a|an)\s+"
    rf"(?:(?!and\b|but\b|in\b)[\w'-]+\s+){{0,3}}?(?:{_DWELLINGS})\s+(?:in|near)\s+(?P<loc>{LOC})"
)
def rents_in(m: re.Match[str], cl: Clause) -> list[Fact] | None:
    # "I rent a flat in Manchester": a home, so where they live.
    return _f(cl, "living_location", clean_place(m.group("loc")), ("location",)) or None


@rule(rf"(?:lived|(?:was|were)\s+living|used\s+to\s+live)\s+in\s+(?P<loc>{LOC})")
def lived_in(m: re.Match[str], cl: Clause) -> list[Fact] | None:
    return _f(cl, "previous_location", clean_place(m.group("loc")), ("location",)) or None


@rule(rf"(?:am|is|are)\s+(?:originally\s+)?from\s+(?P<loc>{LOC})")
def comes_from(m: re.Match[str], cl: Clause) -> list[Fact] | None:
    return _f(cl, "hometown", clean_place(m.group("loc")), ("location", "origin")) or None


@rule(rf"(?:grew\s+up|(?:was|were)\s+(?:born\s+and\s+)?raised)\s+in\s+(?P<loc>{LOC_ANY})")
def grew_up(m: re.Match[str], cl: Clause) -> list[Fact] | None:
    return _f(cl, "hometown", clean_place(m.group("loc")), ("location", "origin")) or None


@rule(r"(?:was|were)\s+born\s+" + _REST)
def born(m: re.Match[str], cl: Clause) -> list[Fact]:
    rest = m.group("rest")
    out: list[Fact] = []
    t = best_time(find_times(rest, cl.env.ref, "past"))
    if t is not None:
        out += _f(cl, "birth_date", t.value, ("birthday",))
    lm = re.search(rf"\bin\s+(?P<loc>{LOC})", rest)
    if lm:
        place = clean_place(lm.group("loc"))
        if place and not re.fullmatch(r"\d{4}", place) and place not in lex.MONTH_NAMES:
            out += _f(cl, "birth_location", place, ("location", "origin"))
    return out


# ---- age, name --------------------------------------------------------------------------------


@rule(
    rf"(?:am|is)\s+(?P<n>{_NUM})(?:\s+years?\s+old|\s+y/?o)?(?=\s*(?:$|[,.;!)]|and\b|but\b|now\b|today\b|this\b|next\b|so\b))",
    subjects=frozenset({"self", "relative", "person", "pronoun"}),
    singular_only=True,
)
def age_is(m: re.Match[str], cl: Clause) -> list[Fact] | None:
    n = parse_number(m.group("n"))
    if n is None or not 0 < n < 120:
        return None
    return _f(cl, "age", str(n), ("age",))


@rule(
    rf"(?:{HAVE}\s+)?{ADV}turned\s+(?P<n>{_NUM})\b(?!\s*(?:%|percent|degrees|pages|minutes|hours|miles|km|times))",
    singular_only=True,
)
def turned(m: re.Match[str], cl: Clause) -> list[Fact] | None:
    n = parse_number(m.group("n"))
    if n is None or not 0 < n < 120:
        return None
    out = _f(cl, "age", str(n), ("age",))
    t = when(cl, "past")
    if t is not None and t.precision == "day" and t.value:
        born_on = birth_date_from_age(t.value, n)
        out += _f(cl, "birth_date", born_on, ("birthday",))
    return out


@rule(rf"(?:am|is)\s+(?:called\s+)?(?P<name>{NAME})\s*(?=$|[,.!;]|\s+and\b|\s+by\b|\s+from\b)", subjects=frozenset({"self"}), singular_only=True)
def self_named(m: re.Match[str], cl: Clause) -> list[Fact] | None:
    # "I'm Sam" names the speaker only in an introduction or in the user's own profile text;
    # elsewhere "I'm Canadian" or "I'm Good" would read as names.
    if not (cl.env.intro or cl.env.strong or m.group(0).startswith(("am called", "is called"))):
        return None
    name = valid_name(m.group("name"))
    return _f(cl, "user_name", name, ("identity",)) or None


@rule(rf"go\s+by\s+(?P<name>{NAME})", subjects=frozenset({"self"}), singular_only=True)
def goes_by(m: re.Match[str], cl: Clause) -> list[Fact] | None:
    return _f(cl, "preferred_name", valid_name(m.group("name")), ("identity",)) or None


# ---- work ------------------------------------------------------------------------------------

_STUDENT_HEADS = re.compile(r"\b(?:student|freshman|sophomore|undergrad|undergraduate|postdoc)s?$", re.I)


def _job_facts(cl: Clause, job_raw: str | None, org_raw: str | None, *, previous: bool) -> list[Fact]:
    if not job_raw:
        return []
    words = job_raw.split()
    out: list[Fact] = []
    kept = []
    aspiring = False
    former = previous
    for w in words:
        lw = w.lower()
        am = re.fullmatch(r"(\d{1,3})-year-old", lw)
        if am:
            out += _f(cl, "age", am.group(1), ("age",))
            continue
        if lw in ("former", "ex", "retired"):
            former = True
            continue
        if lw in ("aspiring", "wannabe", "would-be", "future"):
            aspiring = True
            continue
        if lw in lex.JOB_NOISE_MODIFIERS and not kept:
            continue
        kept.append(w)
    job = " ".join(kept)
    if not job:
        return out
    if aspiring:
        return out + _f(cl, "wishes", f"become a {job}", ("wish", "work"))
    org_is_named = bool(org_raw and not re.match(r"(?:a|an|the)\s+[a-z]", org_raw))
    org = clean_org(org_raw) if org_is_named else (clean_value(org_raw or "", max_words=6) if org_raw else None)
    if _STUDENT_HEADS.search(job):
        out += _f(cl, "job_title", job, ("work", "education"))
        out += _f(cl, "school", org, ("education",))
        return out
    out += _f(cl, "previous_job_title" if former else "job_title", job, ("work",))
    if org:
        key = ("previous_employer" if former else "employer") if org_is_named else ("previous_workplace" if former else "workplace")
        out += _f(cl, key, org, ("work",))
    return out


_NO_MORE = r"(?:any\s*more|any\s+longer)"


@rule(
    rf"(?:(?:do|does)\s+not|no\s+longer)\s+(?:{ADV})?works?\s+(?:at|for)\s+(?P<org>{WORKPLACE}|{ORG})"
    rf"|(?:am|is)\s+no\s+longer\s+(?:(?:working|employed)\s+(?:at|for|with|by)|at)\s+(?P<org2>{WORKPLACE}|{ORG})"
    rf"|(?:am|is)\s+not\s+(?:(?:working|employed)\s+(?:at|for|with|by)|at)\s+(?P<org3>{WORKPLACE}|{ORG})\s+{_NO_MORE}"
    rf"|(?P<stop>stopped|quit)\s+working\s+(?:at|for)\s+(?P<org4>{WORKPLACE}|{ORG})",
    singular_only=True,
)
def work_negated(m: re.Match[str], cl: Clause) -> list[Fact] | None:
    raw = m.group("org") or m.group("org2") or m.group("org3") or m.group("org4")
    if re.match(r"(?:a|an|the)\s+[a-z]", raw):
        key, org = "workplace", clean_value(raw, max_words=6)
    else:
        key, org = "employer", clean_org(raw)
    out = _f(cl, key, org, ("work",), negated=True)
    t = when(cl, "past") if m.group("stop") else None
    if out and t:
        out += _f(cl, "event", dated(f"{m.group('stop')} working at {org}", t), ("event", "work"))
    return out or None


@rule(
    rf"(?:am|is)\s+(?:no\s+longer\s+(?:a|an)\s+(?P<job>{JOB})|not\s+(?:a|an)\s+(?P<job2>{JOB})\s+(?:any\s*more|any\s+longer))",
    singular_only=True,
)
def job_negated(m: re.Match[str], cl: Clause) -> list[Fact]:
    return _f(cl, "job_title", m.group("job") or m.group("job2"), ("work",), negated=True)


def _article(word: str) -> str:
    return "an" if word[:1].lower() in "aeio" or re.match(r"(?:MBA|MA|MS|MSc|MD|RN|LPN|HR|SEO)\b", word) else "a"


def _job_end(cl: Clause, rest: str, verb: str) -> list[Fact]:
    """Losing a job: the employer and title go, and the loss itself is an event."""
    jm = re.search(rf"\bas\s+(?:a|an)\s+(?P<job>{JOB})", rest)
    om = re.search(rf"\b(?:at|with|from)\s+(?P<org>{WORKPLACE}|{ORG})", rest)
    named = bool(om) and not re.match(r"(?:a|an|the)\s+[a-z]", om.group("org"))
    org = (clean_org(om.group("org")) if named else clean_value(om.group("org"), max_words=6)) if om else None
    out = _f(cl, "employer" if named or not org else "workplace", org or "*", ("work",), negated=True)
    if jm:
        out += _f(cl, "job_title", jm.group("job"), ("work",), negated=True)
    prep = om.group(0).split()[0] if om else "at"
    what = verb + (f" as a {jm.group('job')}" if jm else "") + (f" {prep} {org}" if org else "")
    out += _f(cl, "event", dated(what, when(cl, "past")), ("event", "work"))
    return out


@rule(
    r"(?P<verb>lost|quit|left|resigned\s+from)\s+(?:my|his|her|their)\s+(?:(?:old|previous|day|full-time|part-time|"
    r"corporate|teaching|office)\s+)?job" + _REST,
    singular_only=True,
)
def job_lost(m: re.Match[str], cl: Clause) -> list[Fact]:
    return _job_end(cl, m.group("rest"), f"{m.group('verb')} job")


@rule(rf"(?:got|was|were|{HAVE}\s+been)\s+{ADV}(?P<how>laid\s+off|fired|let\s+go|made\s+redundant)" + _REST, singular_only=True)
def laid_off(m: re.Match[str], cl: Clause) -> list[Fact]:
    return _job_end(cl, m.group("rest"), "was " + re.sub(r"\s+", " ", m.group("how")))


@rule(rf"quit\s+(?P<org>{_OW}(?:\s+{_OW}){{0,3}})(?=$|[\s,.!;])", singular_only=True)
def quit_org(m: re.Match[str], cl: Clause) -> list[Fact] | None:
    org = clean_org(m.group("org"))
    if not org:
        return None
    out = _f(cl, "employer", org, ("work",), negated=True)
    return out + _f(cl, "event", dated(f"quit {org}", when(cl, "past")), ("event", "work"))


@rule(rf"(?:(?:am|is)\s+(?:now\s+)?retired|retired(?:\s+from\s+(?P<org>{ORG}))?)", singular_only=True)
def retired(m: re.Match[str], cl: Clause) -> list[Fact]:
    out = _f(cl, "employment_status", "retired", ("work",))
    org = clean_org(m.group("org"))
    if org:
        out += _f(cl, "employer", org, ("work",), negated=True)
    t = when(cl, "past")
    if m.group(0).startswith("retired") and t is not None:
        out += _f(cl, "event", dated("retired" + (f" from {org}" if org else ""), t), ("event", "work"))
    return out


@rule(
    r"(?:am|is|(?:have|has)\s+been)\s+(?:currently\s+|now\s+)?(?P<st>unemployed|jobless|out\s+of\s+work|between\s+jobs|"
    r"self-employed|freelancing|job\s+hunting|on\s+(?:maternity|paternity|parental|sick)\s+leave)\b",
    singular_only=True,
)
def employment_status(m: re.Match[str], cl: Clause) -> list[Fact]:
    return _f(cl, "employment_status", re.sub(r"\s+", " ", m.group("st")), ("work",))


@rule(
    rf"(?:got|landed|accepted|started|took|found|began|{HAVE}\s+{ADV}(?:got|gotten|landed|accepted|started|found))\s+"
    rf"(?:a\s+|an\s+|my\s+|the\s+)?(?:(?:new|first|dream|part-time|full-time|summer|teaching|great|"
    rf"amazing|good|second)\s+)*(?:job|position|role|gig|internship)(?P<offer>\s+offer)?" + _REST,
    singular_only=True,
)
def job_started(m: re.Match[str], cl: Clause) -> list[Fact]:
    rest = m.group("rest")
    jm = re.match(rf"\s+as\s+(?:a|an|the)\s+(?P<job>{JOB}|[a-z][\w-]*(?:\s+[a-z][\w-]*)?)", rest)
    om = re.search(rf"^(?:\s+as\s+[^,.;]*?)?\s+(?:at|with|for)\s+(?P<org>{ORG}|{WORKPLACE})", rest)
    org_raw = om.group("org") if om else None
    if om and not jm:
        # "a new job at Spotify as a product manager"
        jm = re.match(rf"\s+as\s+(?:a|an|the)\s+(?P<job>{JOB})", rest[om.end():])
    out: list[Fact] = []
    if not m.group("offer"):
        if jm:
            out += _job_facts(cl, jm.group("job"), org_raw, previous=False)
        elif org_raw:
            named = not re.match(r"(?:a|an|the)\s+[a-z]", org_raw)
            out += _f(cl, "employer" if named else "workplace", clean_org(org_raw) if named else clean_value(org_raw, max_words=6), ("work",))
    what = "got a job offer" if m.group("offer") else "started a new job"
    if jm:
        what += f" as {_article(jm.group('job'))} {jm.group('job')}"
    if org_raw:
        what += f" at {clean_org(org_raw) or clean_value(org_raw, max_words=6)}"
    out += _f(cl, "event", dated(what, when(cl, "past")), ("event", "work"))
    return out


@rule(
    rf"(?:started|began|{HAVE}\s+{ADV}(?:started|begun))\s+(?:working|work|a\s+job)\s+"
    rf"(?:as\s+(?:a|an)\s+(?P<job>{JOB})\s+)?(?:at|for|with)\s+(?P<org>{WORKPLACE}|{ORG})"
    rf"(?:\s+as\s+(?:a|an)\s+(?P<job2>{JOB}))?",
    singular_only=True,
)
def started_working(m: re.Match[str], cl: Clause) -> list[Fact] | None:
    raw = m.group("org")
    named = not re.match(r"(?:a|an|the)\s+[a-z]", raw)
    org = clean_org(raw) if named else clean_value(raw, max_words=6)
    if not org:
        return None
    job = m.group("job") or m.group("job2")
    out = _job_facts(cl, job, raw, previous=False) if job else _f(cl, "employer" if named else "workplace", org, ("work",))
    return out + _f(cl, "event", dated(f"started working at {org}", when(cl, "past")), ("event", "work"))


@rule(rf"(?:got|was|were|{HAVE}\s+been)\s+(?:just\s+)?(?P<how>hired|promoted)" + _REST, singular_only=True)
def hired(m: re.Match[str], cl: Clause) -> list[Fact]:
    rest = m.group("rest")
    jm = re.match(rf"\s+(?:as|to)\s+(?:a\s+|an\s+)?(?P<job>{JOB}|[A-Za-z][\w-]*(?:\s+[A-Za-z][\w-]*)?)", rest)
    om = re.search(rf"\s+(?:at|by|with)\s+(?P<org>{ORG}|{WORKPLACE})", rest)
    job = jm.group("job") if jm else None
    out = _job_facts(cl, job, om.group("org") if om else None, previous=False) if job else []
    if not job and om:
        out += _f(cl, "employer", clean_org(om.group("org")), ("work",))
    what = f"got {m.group('how')}" + (f" as {job}" if job and m.group("how") == "hired" else f" to {job}" if job else "")
    if om and m.group("how") == "hired":
        what += f" at {clean_org(om.group('org')) or clean_value(om.group('org'), max_words=6)}"
    out += _f(cl, "event", dated(what, when(cl, "past")), ("event", "work"))
    return out


@rule(
    r"joined\s+(?P<org>(?:a|an)\s+(?:[a-z][\w-]*\s+){0,2}?(?:startup|start-up|company|firm|agency|"
    r"consultancy|law\s+firm|bank|hospital|clinic|school|nonprofit|non-profit))\b",
    singular_only=True,
)
def joined_employer(m: re.Match[str], cl: Clause) -> list[Fact] | None:
    org = clean_value(m.group("org"), max_words=5)
    if not org:
        return None
    out = _f(cl, "workplace", org, ("work",))
    return out + _f(cl, "event", dated(f"joined {org}", when(cl, "past")), ("event", "work"))


@rule(rf"joined\s+(?P<org>{ORG})\s+as\s+(?:a|an|the)\s+(?P<job>{JOB})", singular_only=True)
def joined_as(m: re.Match[str], cl: Clause) -> list[Fact]:
    out = _job_facts(cl, m.group("job"), m.group("org"), previous=False)
    return out + _f(cl, "event", dated(f"joined {clean_org(m.group('org'))}", when(cl, "past")), ("event", "work"))


@rule(
    rf"(?:work|works|(?:am|is)\s+{ADV}working|{HAVE}\s+{ADV}(?:worked|been\s+working))\s+{ADV}as\s+(?:a|an|the)\s+"
    rf"(?P<job>{JOB}|[a-z][\w-]*(?:\s+[a-z][\w-]*){{0,2}})(?:\s+(?:at|for|with|in)\s+(?P<org>{ORG}|{WORKPLACE}))?",
    singular_only=True,
)
def works_as(m: re.Match[str], cl: Clause) -> list[Fact]:
    return _job_facts(cl, clean_value(m.group("job"), max_words=4), m.group("org"), previous=False)


@rule(rf"worked\s+as\s+(?:a|an|the)\s+(?P<job>{JOB}|[a-z][\w-]*(?:\s+[a-z][\w-]*)?)(?:\s+(?:at|for|with)\s+(?P<org>{ORG}|{WORKPLACE}))?", singular_only=True)
def worked_as(m: re.Match[str], cl: Clause) -> list[Fact]:
    return _job_facts(cl, clean_value(m.group("job"), max_words=4), m.group("org"), previous=True)


@rule(
    rf"(?:became|become|becomes|{HAVE}\s+{ADV}become|(?:got|was|were)\s+made)\s+(?:a|an|the)\s+(?P<job>{JOB})"
    rf"(?:\s+(?:at|for|with|of)\s+(?P<org>{WORKPLACE}|{ORG}))?(?!\s+(?:fan|lover|person)\b)",
    singular_only=True,
)
def became_job(m: re.Match[str], cl: Clause) -> list[Fact] | None:
    # "I just became a manager at work": a new title, and the change is an event.
    out = _job_facts(cl, m.group("job"), m.group("org"), previous=False)
    if not out or cl.subject.kind == "pronoun" and m.group(0).startswith("become"):
        return out or None
    job = next((f.value for f in out if f.key == "job_title"), None)
    if job:
        out += _f(cl, "event", dated(f"became {_article(job)} {job}", when(cl, "past")), ("event", "work"))
    return out


@rule(
    rf"(?:am|is)\s+{ADV}(?:a|an)\s+(?:(?:big|huge|avid|keen|passionate|serious|enthusiastic|casual|amateur|hobby|"
    rf"weekend|lifelong|obsessive|voracious|dedicated|committed|bit\s+of\s+a|total|self-taught)\s+)+"
    rf"(?P<who>{lex.alternation(lex.HOBBYISTS)})(?![\w-])",
    singular_only=True,
)
def hobbyist(m: re.Match[str], cl: Clause) -> list[Fact]:
    # "I'm an avid reader", "I'm an amateur photographer": a hobby, not a job.
    return _f(cl, "hobbies", lex.HOBBYISTS[re.sub(r"\s+", " ", m.group("who").lower())], ("hobby",))


@rule(
    rf"(?:am|is|are)\s+{ADV}(?:in|part\s+of|a\s+member\s+of|on)\s+(?P<det>a|an|the|my|our|this|his|her)\s+"
    rf"(?P<grp>(?:[\w'-]+\s+){{1,3}}?(?:club|group|team|league|choir|band|society|orchestra|crew|guild|circle|troupe|collective))\b"
    rf"(?!\s+(?:chat|text|call|project|photo|session|message|thread|assignment|dinner|trip))"
)
def member_of(m: re.Match[str], cl: Clause) -> list[Fact] | None:
    # "I'm in a book club", "I'm on the soccer team": a club with a kind, not "in a group".
    grp = re.sub(r"\s+", " ", m.group("grp"))
    if grp.split()[0] in ("same", "other", "wrong", "right", "whole", "big", "small", "large", "new"):
        return None
    art = "the" if m.group("det") == "the" else _article(grp)
    return _f(cl, "activities", f"member of {art} {grp}", ("activity",))


@rule(
    rf"(?:am|is|are|was|were|{HAVE}\s+been)\s+{ADV}(?:a|an|the)\s+(?P<job>{JOB})"
    rf"(?:\s+(?P<prep>at|for|with|of|in|based\s+in)\s+(?P<org>{WORKPLACE}|{ORG}))?",
    singular_only=True,
)
def is_a_job(m: re.Match[str], cl: Clause) -> list[Fact] | None:
    previous = m.group(0).lstrip().startswith(("was", "were"))
    org = m.group("org")
    place = None
    if org and m.group("prep").startswith(("in", "based")) and not re.match(r"(?:a|an|the)\s+[a-z]", org):
        # "a teacher in Lisbon": where the speaker lives only when the user says it of themselves
        # in their profile text; in chat it may be a trip.
        place, org = (clean_place(org) if cl.env.strong and not previous else None), None
    out = _job_facts(cl, m.group("job"), org, previous=previous)
    if not out:
        return None
    if place:
        out += _f(cl, "living_location", place, ("location",))
    return out


@rule(
    rf"(?:work|works|(?:am|is|are)\s+{ADV}working|{HAVE}\s+{ADV}(?:worked|been\s+working))\s+{ADV}"
    rf"(?:(?:(?:night|day|late|early|weekend|evening|morning|double|long)\s+shifts?|nights|weekends|shifts|part-time|full-time|"
    rf"part\s+time|full\s+time)\s+)?(?:at|for)\s+(?P<org>{WORKPLACE}|{ORG})"
    rf"(?:\s+as\s+(?:a|an|the)\s+(?P<job>{JOB}))?",
    singular_only=True,
)
def works_at(m: re.Match[str], cl: Clause) -> list[Fact] | None:
    if m.group("job"):
        return _job_facts(cl, m.group("job"), m.group("org"), previous=False) or None
    raw = m.group("org")
    if re.match(r"(?:a|an|the)\s+[a-z]", raw):
        return _f(cl, "workplace", clean_value(raw, max_words=6), ("work",)) or None
    org = clean_org(raw)
    if not org:
        return None
    return _f(cl, "employer", org, ("work",))


@rule(
    rf"(?:work|works|(?:am|is)\s+{ADV}working)\s+{ADV}(?:at|for|with)\s+(?P<org>(?:the|a|an)\s+[a-z][\w-]*(?:\s+[a-z][\w-]*){{0,2}}?)\s+"
    rf"as\s+(?:a|an)\s+(?P<job>{JOB})",
    singular_only=True,
)
def works_for_as(m: re.Match[str], cl: Clause) -> list[Fact] | None:
    # "I work for the city as a bus driver": with a job named, the employer may be any phrase.
    return _job_facts(cl, m.group("job"), m.group("org"), previous=False) or None


@rule(rf"worked\s+(?:at|for)\s+(?P<org>{ORG})", singular_only=True)
def worked_at(m: re.Match[str], cl: Clause) -> list[Fact] | None:
    return _f(cl, "previous_employer", clean_org(m.group("org")), ("work",)) or None


@rule(
    rf"(?:work|works|(?:am|is)\s+{ADV}working)\s+{ADV}in\s+(?:(?P<workplace>{WORKPLACE})|(?P<loc>{LOC})|"
    rf"(?P<field>(?!a\b|an\b|the\b|my\b)[a-z][a-z-]+(?:\s+(?!and\b|but\b|because\b)[a-z][a-z-]+)?))",
    singular_only=True,
)
def works_in(m: re.Match[str], cl: Clause) -> list[Fact] | None:
    if m.group("workplace"):
        return _f(cl, "workplace", clean_value(m.group("workplace"), max_words=6), ("work",)) or None
    if m.group("loc"):
        return _f(cl, "work_location", clean_place(m.group("loc")), ("work", "location")) or None
    fieldv = clean_value(m.group("field"), max_words=3)
    if not fieldv or fieldv in ("progress", "general", "bed", "peace", "silence", "person", "private"):
        return None
    return _f(cl, "industry", fieldv, ("work",))


@rule(r"(?:work|works|(?:am|is)\s+working)\s+(?:from\s+home|remotely)\b", singular_only=True)
def works_remote(m: re.Match[str], cl: Clause) -> list[Fact]:
    return _f(cl, "work_arrangement", "remote", ("work",))


@rule(rf"(?:am|is)\s+(?:a\s+)?(?P<nat>{lex.alternation(lex.DEMONYMS)})(?:\s+citizen)?(?=\s*(?:$|[,.;!]|and\b|but\b|by\b))", singular_only=True)
def nationality(m: re.Match[str], cl: Clause) -> list[Fact]:
    return _f(cl, "nationality", m.group("nat"), ("identity",))


@rule(
    r"(?P<verb>run|runs|own|owns|(?:am|is)\s+running|started|opened|founded|launched)\s+(?P<biz>(?:a|an|my|our|his|her|their)\s+(?:[\w'-]+\s+){0,3}?"
    r"(?:shop|store|business|company|restaurant|cafe|café|coffee\s+shop|bakery|blog|channel|podcast|studio|farm|"
    r"salon|bar|startup|start-up|practice|clinic|gym|bookstore|boutique|brand|agency|firm|nonprofit|charity|"
    r"food\s+truck|newsletter|YouTube\s+channel|Etsy\s+shop))\b(?P<rest>[^;!?]*)"
)
def business(m: re.Match[str], cl: Clause) -> list[Fact] | None:
    v = value_of(m.group("biz") + m.group("rest"), cl, "past", max_words=8)
    if not v:
        return None
    v = re.sub(r"^(?:my|our|his|her|their)\s+(?:own\s+)?", "a ", v)
    v = re.sub(r"^a (?=[aeiouAEIOU])", "an ", v)
    verb = m.group("verb")
    out = _f(cl, "business", v, ("work",))
    if verb in ("started", "opened", "founded", "launched"):
        out += _f(cl, "event", dated(f"{verb} {v}", when(cl, "past")), ("event", "work"))
    return out


@rule(r"(?:volunteer|volunteers|(?:am|is)\s+volunteering)\s+(?P<prep>at|with|for|in)\s+(?P<val>[^;!?]+)")
def volunteers(m: re.Match[str], cl: Clause) -> list[Fact] | None:
    v = value_of(m.group("val"), cl, max_words=6)
    return _f(cl, "activities", f"volunteering {m.group('prep')} {v}", ("activity",)) if v else None


@rule(r"(?:teach|teaches|coach|coaches|tutor|tutors)\s+(?P<val>[^;!?]+)")
def teaches(m: re.Match[str], cl: Clause) -> list[Fact] | None:
    v = value_of(m.group("val"), cl, max_words=6)
    if not v or re.match(r"(?:me|you|him|her|them|us|myself|it)\b", v):
        return None
    verb = {"teach": "teaching", "teaches": "teaching", "coach": "coaching", "coaches": "coaching"}.get(m.group(0).split()[0], "tutoring")
    return _f(cl, "activities", f"{verb} {v}", ("activity", "work"))


@rule(
    rf"(?:am|is)\s+in\s+(?:my|his|her|their)\s+(?P<year>first|second|third|fourth|final|last|senior|junior)\s+year\s+"
    rf"(?:of|at)\s+(?P<school>(?:[a-z][\w-]*\s+){{0,2}}(?:school|college|university|uni|law\s+school|med\s+school)|{ORG})"
)
def school_year(m: re.Match[str], cl: Clause) -> list[Fact] | None:
    school = m.group("school")
    school = school if school[0].islower() else clean_org(school)
    if not school:
        return None
    return _f(cl, "education", f"{school} ({m.group('year')} year)", ("education",))


@rule(
    rf"(?:start|starts|begin|begins)\s+(?:(?:my|a|the|his|her)\s+(?:new\s+)?job\s+|work\s+)?(?:at|with)\s+"
    rf"(?P<org>{WORKPLACE}|{ORG})"
)
def starts_at(m: re.Match[str], cl: Clause) -> list[Fact] | None:
    raw = m.group("org")
    org = clean_value(raw, max_words=6) if re.match(r"(?:a|an|the)\s+[a-z]", raw) else clean_org(raw)
    t = when(cl, "future")
    if not org or t is None:
        return None
    return _f(cl, "plans", dated(f"start at {org}", t), ("plan", "work"))


@rule(
    r"(?:am|is)\s+(?!not\b|no\b)(?:a\s+)?(?:big\s+|huge\s+|massive\s+|die-hard\s+|longtime\s+|lifelong\s+|total\s+)?"
    r"(?P<what>[A-Z][\w'&-]*(?:\s+[A-Z][\w'&-]*){0,2}|[a-z][\w-]*(?:\s+[a-z][\w-]*)?)\s+(?:fan|enthusiast|lover|buff|nerd|geek|addict)\b"
)
def fan_of(m: re.Match[str], cl: Clause) -> list[Fact] | None:
    what = m.group("what")
    if what.lower() in ("a", "an", "the", "big", "huge", "such", "so", "real", "true", "total"):
        return None
    return _f(cl, "likes", what, ("preference",))


# ---- diet, allergies, health --------------------------------------------------------------------


@rule(
    rf"(?:(?:am|is)\s+(?:no\s+longer|not)\s+(?:a\s+|on\s+(?:a\s+|the\s+)?)?(?P<d1>{_DIETS})(?:\s+diet)?(?:\s+(?:any\s*more|any\s+longer))?"
    rf"|(?:stopped|quit)\s+being\s+(?:a\s+)?(?P<d2>{_DIETS}))\b",
    singular_only=True,
)
def diet_negated(m: re.Match[str], cl: Clause) -> list[Fact]:
    d = (m.group("d1") or m.group("d2")).lower()
    return _f(cl, "diet", lex.DIETS.get(d, d), ("diet",), negated=True)


@rule(
    rf"(?:(?:am|is|are|{HAVE}\s+been)\s+{ADV}(?:a\s+|an\s+|mostly\s+|strictly\s+|fully\s+)?(?P<d1>{_DIETS})\b"
    rf"(?!\s+(?:food|restaurant|recipe|option|meal|dish|place|cafe|bakery|cookbook|version))"
    rf"|(?:went|gone|turned|became|become|switched\s+to\s+being)\s+(?P<d2>{_DIETS})\b"
    rf"|(?:follow|follows|(?:am|is|are)\s+on|eat|eats|started|switched\s+to)\s+(?:a\s+)?(?P<d3>{_DIETS})\s+diet)",
)
def diet(m: re.Match[str], cl: Clause) -> list[Fact]:
    d = (m.group("d1") or m.group("d2") or m.group("d3")).lower()
    out = _f(cl, "diet", lex.DIETS.get(d, d), ("diet",))
    if m.group("d2") or (m.group("d3") and m.group(0).startswith(("started", "switched"))):
        t = when(cl, "past")
        if t:
            out += _f(cl, "event", dated(f"went {lex.DIETS.get(d, d)}", t), ("event", "diet"))
    return out


_MORE_FOOD = re.compile(rf"\s*(?:,\s*(?:and\s+|or\s+)?|\s+and\s+|\s+or\s+|\s+nor\s+|\s*&\s*)(?:(?:any|all|most)\s+)?(?P<food>{FOODS})(?![\w-])")


def foods_from(m: re.Match[str], group: str) -> list[str]:
    """The food a match names and any that follow it in a list: 'gluten and dairy', 'pork or beef'."""
    out = [m.group(group)]
    more = _MORE_FOOD.match(m.string, m.end(group))
    while more:
        out.append(more.group("food"))
        more = _MORE_FOOD.match(m.string, more.end())
    return [f if f.isupper() or f == "FODMAPs" else f.lower() for f in out]


@rule(
    rf"(?:(?:do|does)\s+not|no\s+longer|never|stopped|quit|gave\s+up)\s+(?:eat|eats|eating|drink|drinks|drinking|do|does)\s+"
    rf"(?:(?:any|much)\s+)?(?P<food>{FOODS})(?![\w-])"
    rf"|(?:(?:do|does)\s+not|no\s+longer|never)\s+(?P<drink>drink|drinks)(?=\s*$|\s*[,.;!]|\s+(?:at\s+all|any\s*more|any\s+longer|alcohol|but|so)\b)"
    rf"|(?:quit|stopped|gave\s+up)\s+(?P<drinking>drinking)(?=\s*$|\s*[,.;!]|\s+(?:alcohol|and|but|last|this|a|two|three|in|for|since|after|when|because)\b)"
)
def no_eat(m: re.Match[str], cl: Clause) -> list[Fact]:
    if m.group("drink") or m.group("drinking"):
        return _f(cl, "diet", "no alcohol", ("diet",))  # "I don't drink", "I quit drinking"
    out: list[Fact] = []
    for food in foods_from(m, "food"):
        out += _f(cl, "diet", f"no {food}", ("diet",))
    return out


@rule(
    rf"(?:avoid|avoids|(?:am|is|are)\s+{ADV}avoiding|stay\s+away\s+from|stays\s+away\s+from|steer\s+clear\s+of|"
    rf"(?P<change>cut\s+out|gave\s+up|{HAVE}\s+{ADV}(?:cut\s+out|given\s+up)|eliminated|ditched))\s+"
    rf"(?:(?:all|any|most)\s+)?(?P<food>{FOODS})(?![\w-])"
)
def avoids_food(m: re.Match[str], cl: Clause) -> list[Fact]:
    # "I avoid dairy", "I cut out sugar last month": a diet, and the change itself is an event.
    foods = foods_from(m, "food")
    out: list[Fact] = []
    for food in foods:
        out += _f(cl, "diet", f"no {food}", ("diet",))
    food = " and ".join(foods)
    if m.group("change"):
        t = when(cl, "past")
        verb = "cut out" if "cut" in m.group("change") else "gave up"
        if t:
            out += _f(cl, "event", dated(f"{verb} {food}", t), ("event", "diet"))
    return out


@rule(
    rf"(?:(?:can|could)\s*not|am\s+not\s+able\s+to|(?:am|is|are)\s+unable\s+to)\s+(?:eat|have|drink|tolerate|digest|handle|"
    rf"stomach|process)\s+(?:(?:any|anything\s+with|much|most)\s+)?(?P<food>{FOODS})(?![\w-])"
    rf"(?!\s+(?:right\s+now|now|today|tonight|this\s+(?:week|month|late)|until|till|before|after|while|at\s+the\s+moment|"
    rf"because\s+of\s+(?:the|my)\s+(?:meds|medication|surgery|procedure|test)|for\s+(?:a|the|another|two|three|\d+)\s))"
    rf"|(?:am|is|are)\s+{ADV}(?:very\s+|really\s+|super\s+|a\s+bit\s+|extremely\s+)?(?:sensitive|intolerant)\s+to\s+(?P<food2>{FOODS})(?![\w-])"
)
def cannot_eat(m: re.Match[str], cl: Clause) -> list[Fact]:
    out: list[Fact] = []
    for food in foods_from(m, "food" if m.group("food") else "food2"):
        if food in _CHOSEN_NOT_TOLERATED and m.group("food"):
            # "I can't eat pork": a rule someone keeps, not what their body does.
            out += _f(cl, "diet", f"no {food}", ("diet",))
        else:
            out += _f(cl, "intolerances", food, ("health", "diet"))
    return out


_CHOSEN_NOT_TOLERATED = frozenset({"meat", "red meat", "pork", "beef", "chicken", "animal products"})


@rule(rf"(?:keep|keeps|eat|eats|(?:am|is|are)\s+eating)\s+(?:mostly\s+|strictly\s+|only\s+)?(?P<d>kosher|halal|vegan|vegetarian|plant-based|gluten-free|paleo|keto)(?=\s*$|\s*[,.;!]|\s+(?:now|these\s+days|and|but|most)\b)")
def keeps_diet(m: re.Match[str], cl: Clause) -> list[Fact]:
    return _f(cl, "diet", lex.DIETS.get(m.group("d"), m.group("d")), ("diet",))


@rule(r"(?:am|is|are)\s+(?:not|no\s+longer)\s+allergic\s+to\s+(?P<val>[^,.;!?]+)")
def allergy_negated(m: re.Match[str], cl: Clause) -> list[Fact]:
    out: list[Fact] = []
    for part in split_list(re.sub(r"\s+(?:any\s*more|after\s+all|any\s+longer)\b.*", "", m.group("val"))):
        out += _f(cl, "allergies", clean_value(part, max_words=4), ("health", "allergy"), negated=True)
    return out


@rule(r"(?:am|is|are)\s+" + ADV + r"(?:severely\s+|very\s+|deathly\s+|mildly\s+|super\s+|highly\s+)?allergic\s+to\s+(?P<val>[^;!?]+)")
def allergic(m: re.Match[str], cl: Clause) -> list[Fact]:
    raw = clean_value(m.group("val"), max_words=12, as_list=True)
    out: list[Fact] = []
    for part in split_list(raw or ""):
        out += _f(cl, "allergies", clean_value(part, max_words=4), ("health", "allergy"))
    return out


@rule(rf"{HAVE}\s+(?:a\s+|an\s+)?(?:severe\s+|mild\s+|bad\s+|serious\s+|terrible\s+)?(?P<val>[a-z]+(?:\s+[a-z]+)?)\s+allerg(?:y|ies)\b")
def has_allergy(m: re.Match[str], cl: Clause) -> list[Fact]:
    return _f(cl, "allergies", clean_value(m.group("val"), max_words=3), ("health", "allergy"))


@rule(r"(?:am|is)\s+" + ADV + r"(?P<val>lactose|gluten|fructose|histamine|caffeine)\s+intolerant")
def intolerant(m: re.Match[str], cl: Clause) -> list[Fact]:
    return _f(cl, "intolerances", m.group("val").lower(), ("health", "diet"))


@rule(r"(?:was|were|got|{HAVE}\s+been)\s+{ADV}diagnosed\s+with\s+(?P<val>[^;!?]+)".replace("{HAVE}", HAVE).replace("{ADV}", ADV))
def diagnosed(m: re.Match[str], cl: Clause) -> list[Fact] | None:
    # A diagnosis names its condition, whatever it is: no word list needed after "diagnosed with".
    v = value_of(m.group("val"), cl, "past", max_words=5)
    if not v:
        return None
    v = re.sub(r"^(?:a|an)\s+(?=\w+\s+\w)", "", v)
    out = _f(cl, "health_conditions", v, ("health",))
    t = when(cl, "past")
    if t:
        out += _f(cl, "event", dated(f"diagnosed with {v}", t), ("event", "health"))
    return out


@rule(
    rf"(?:{HAVE}(?:\s+(?:always|also|just))?(?:\s+(?:had|been\s+having|been\s+dealing\s+with|been\s+living\s+with))?|"
    rf"live\s+with|lives\s+with|(?:am|is|are)\s+living\s+with|suffer\s+from|suffers\s+from)\s+"
    rf"(?P<cond>{_HEALTH})(?![\w'-])(?!\s+(?:about|over|when|before)\b)"
)
def health(m: re.Match[str], cl: Clause) -> list[Fact]:
    return _f(cl, "health_conditions", m.group("cond"), ("health",))


@rule(rf"(?:am|is|are)\s+{ADV}(?:a\s+)?(?P<adj>{lex.alternation(lex.HEALTH_ADJECTIVES)})(?![\w-])(?!\s+(?:about|with|for|to)\b)")
def health_adjective(m: re.Match[str], cl: Clause) -> list[Fact]:
    # "I'm diabetic", "I'm hard of hearing": the condition by its adjective.
    adj = re.sub(r"\s+", " ", m.group("adj").lower())
    return _f(cl, "health_conditions", lex.HEALTH_ADJECTIVES[adj], ("health",))


# ---- relationships ---------------------------------------------------------------------------


_COUNT_KEYS = {
    "kids": "number_of_children", "children": "number_of_children", "boys": "number_of_children",
    "girls": "number_of_children", "sons": "number_of_sons", "daughters": "number_of_daughters",
    "brothers": "number_of_brothers", "sisters": "number_of_sisters", "siblings": "number_of_siblings",
    "grandkids": "number_of_grandchildren", "grandchildren": "number_of_grandchildren",
}
_WITH_KIDS = re.compile(
    r"\s+with\s+(?P<n>\d{1,2}|one|two|three|four|five|six|seven|eight|nine|ten)\s+(?:(?:young|little|grown|adult)\s+)?"
    r"(?P<what>kids|children|sons|daughters|boys|girls)\b"
)


@rule(
    rf"(?:(?:am|is|are|{HAVE}\s+been)\s+{ADV}(?:happily\s+)?(?P<st>married|engaged)(?:\s+to\s+(?P<name>{NAME}))?)",
)
def married_state(m: re.Match[str], cl: Clause) -> list[Fact]:
    st = m.group("st")
    out = _f(cl, "marital_status", st, ("relationship",))
    km = _WITH_KIDS.match(m.string, m.end())
    if km:
        # "I'm married with two kids"
        out += _f(cl, _COUNT_KEYS[km.group("what").lower()], str(parse_number(km.group("n"))), ("family",))
    name = valid_name(m.group("name"))
    if name and cl.subject.kind == "self":
        rel = "spouse" if st == "married" else "fiance"
        out.append(Fact(Subject("person", name, rel), "relationship", lex.relation_label(rel), ("relationship", "family")))
    return out


@rule(
    rf"(?:(?P<past>got)|(?P<fut>(?:am|is|are)\s+{ADV}getting|will\s+get|(?:am|is|are)\s+(?:going|planning)\s+to\s+get))\s+"
    rf"(?P<st>married|engaged|divorced)(?:\s+to\s+(?P<name>{NAME}))?"
)
def got_married(m: re.Match[str], cl: Clause) -> list[Fact]:
    st = m.group("st")
    name = valid_name(m.group("name"))
    verb = {"married": "get married", "engaged": "get engaged", "divorced": "get divorced"}[st]
    out: list[Fact] = []
    if name and cl.subject.kind == "self":
        rel = "spouse" if st == "married" else "fiance" if st == "engaged" else None
        if rel:
            out.append(Fact(Subject("person", name, rel), "relationship", lex.relation_label(rel), ("relationship", "family")))
    if m.group("past"):
        out += _f(cl, "marital_status", st, ("relationship",))
        out += _f(cl, "event", dated("got " + st + (f" to {name}" if name else ""), when(cl, "past")), ("event", "relationship"))
    else:
        out += _f(cl, "plans", dated(verb + (f" to {name}" if name else ""), when(cl, "future")), ("plan", "relationship"))
    return out


@rule(rf"(?:married|(?:am|is)\s+marrying)\s+(?P<name>{NAME})", subjects=frozenset({"self"}))
def married_name(m: re.Match[str], cl: Clause) -> list[Fact] | None:
    name = valid_name(m.group("name"))
    if not name:
        return None
    out = [Fact(Subject("person", name, "spouse"), "relationship", "spouse", ("relationship", "family"))]
    if m.group(0).startswith("married"):
        out += _f(cl, "marital_status", "married", ("relationship",))
    return out


@rule(
    rf"(?:am|is|are|{HAVE}\s+been)\s+{ADV}(?:dating|seeing|going\s+out\s+with|in\s+a\s+relationship\s+with|together\s+with)\s+(?P<name>{NAME})",
    subjects=frozenset({"self"}),
)
def dating(m: re.Match[str], cl: Clause) -> list[Fact] | None:
    name = valid_name(m.group("name"))
    if not name:
        return None
    return [Fact(Subject("person", name, "partner"), "relationship", "partner", ("relationship", "family"))]


@rule(
    rf"(?:am|is|are)\s+(?:not\s+(?P<st>married|engaged|single)\s+{_NO_MORE}|no\s+longer\s+(?P<st2>married|engaged|single))\b"
)
def married_negated(m: re.Match[str], cl: Clause) -> list[Fact]:
    return _f(cl, "marital_status", m.group("st") or m.group("st2"), ("relationship",), negated=True)


@rule(
    rf"(?:am|is)\s+(?:no\s+longer\s+(?:(?P<with>with|together\s+with)|dating|seeing)\s+(?P<n1>{NAME})"
    rf"|not\s+(?:(?P<with2>with|together\s+with)|dating|seeing)\s+(?P<n2>{NAME})\s+{_NO_MORE})",
    subjects=frozenset({"self"}),
)
def partner_negated(m: re.Match[str], cl: Clause) -> list[Fact] | None:
    name = valid_name(m.group("n1") or m.group("n2"))
    if not name:
        return None
    if (m.group("with") or m.group("with2")) and name not in cl.env.known_names:
        return None  # "no longer with Deloitte": with a person only when that person is known
    return [Fact(Subject("person", name, "partner"), "relationship", "partner", ("relationship",), negated=True)]


@rule(
    r"(?:am|is|are)\s+" + ADV + r"in\s+a\s+(?P<kind>(?:(?:serious|committed|happy|new|long-term|long-distance|open|"
    r"loving|stable|great|good)\s+)*)relationship\b(?!\s+with)"
)
def in_relationship(m: re.Match[str], cl: Clause) -> list[Fact]:
    kind = re.sub(r"\s+", " ", m.group("kind")).strip()
    kind = " ".join(w for w in kind.split() if w not in ("happy", "great", "good", "new", "loving"))
    return _f(cl, "relationship_status", f"in a {kind + ' ' if kind else ''}relationship", ("relationship",))


@rule(r"(?:am|is)\s+(?:an\s+|the\s+)?only\s+child\b", singular_only=True)
def only_child(m: re.Match[str], cl: Clause) -> list[Fact]:
    return _f(cl, "number_of_siblings", "0", ("family",))


@rule(r"(?:am|is|are)\s+" + ADV + r"(?:dating|seeing)\s+(?:someone|somebody)\b")
def dating_someone(m: re.Match[str], cl: Clause) -> list[Fact]:
    return _f(cl, "relationship_status", "dating", ("relationship",))


@rule(r"(?:am|is|are)\s+" + ADV + r"(?P<st>single|divorced|widowed|separated)\b(?!\s+(?:by|from|into|out)\b)")
def marital(m: re.Match[str], cl: Clause) -> list[Fact]:
    return _f(cl, "marital_status", m.group("st"), ("relationship",))


@rule(
    rf"(?:broke\s+up|split\s+up|{HAVE}\s+broken\s+up)(?:\s+with\s+(?:my\s+{REL_MODS}(?P<rel>{REL_ALL})\s*,?\s*)?(?P<name>{NAME})?)?"
)
def broke_up(m: re.Match[str], cl: Clause) -> list[Fact]:
    name = valid_name(m.group("name"))
    rel = lex.RELATIONS.get((m.group("rel") or "").lower(), "partner")
    out: list[Fact] = []
    if name and cl.subject.kind == "self":
        out.append(Fact(Subject("person", name, rel), "relationship", lex.relation_label(rel), ("relationship",), negated=True))
    elif cl.subject.kind == "self":
        out += _f(cl, "partner", "*", ("relationship",), negated=True)
    out += _f(cl, "event", dated("broke up" + (f" with {name}" if name else ""), when(cl, "past")), ("event", "relationship"))
    return out


_NAMED_RELATION = {
    "kids": "child", "children": "child", "sons": "son", "daughters": "daughter", "boys": "son", "girls": "daughter",
    "brothers": "brother", "sisters": "sister", "siblings": "sibling", "grandkids": "grandchild", "grandchildren": "grandchild",
}


@rule(
    rf"{HAVE}\s+(?P<n>{_NUM}|a\s+couple\s+of)\s+(?:(?:young|little|grown|adult|beautiful|amazing|wonderful|great|"
    rf"older|younger|twin)\s+)?(?P<what>kids|children|sons|daughters|boys|girls|brothers|sisters|siblings|grandkids|grandchildren)\b"
)
def family_count(m: re.Match[str], cl: Clause) -> list[Fact] | None:
    n = parse_number(m.group("n"))
    if n is None:
        return None
    out = _f(cl, _COUNT_KEYS[m.group("what").lower()], str(n), ("family",))
    # "I have two kids, Emma and Jack": the children by name.
    nm = re.match(rf"\s*,?\s*(?:named\s+|called\s+)?(?P<names>{NAME}(?:\s*(?:,|and|&)\s*{NAME})+)(?=\s*$|\s*[,.;!])", m.string[m.end():])
    rel = _NAMED_RELATION.get(m.group("what").lower())
    if nm and rel and cl.subject.kind == "self":
        names = [x for x in (explicit_name(t) for t in re.split(r"\s*(?:,|\band\b|&)\s*", nm.group("names"))) if x]
        if len(names) == n:
            for name in names:
                out.append(Fact(Subject("person", name, rel), "relationship", lex.relation_label(rel), ("relationship", "family")))
    return out


@rule(
    rf"{HAVE}\s+(?:a|an|one)\s+(?:(?:little|big|older|younger|baby|twin|step|half|\d{{1,2}}-(?:year|month|week)-old|newborn|teenage)\s+)?"
    rf"(?P<rel>son|daughter|brother|sister|kid|child|baby|stepson|stepdaughter|stepbrother|stepsister|half-brother|half-sister|"
    rf"stepkid|stepchild|teenager|toddler)\b(?!\s+(?:named|called))(?!-)",
)
def has_relative(m: re.Match[str], cl: Clause) -> list[Fact]:
    rel = m.group("rel").lower()
    key = "children" if rel in ("son", "daughter", "kid", "child", "baby", "stepson", "stepdaughter", "stepkid", "stepchild", "teenager", "toddler") else "siblings"
    return _f(cl, key, re.sub(r"^(?:a|an|one)\s+", "", m.group(0).split(None, 1)[1]), ("family",))


# ---- pets ------------------------------------------------------------------------------------


@rule(
    rf"(?P<verb>{HAVE}|own|owns|adopted|got|rescued|bought|brought\s+home|welcomed|took\s+in|"
    rf"(?:am|is|are)\s+{ADV}getting|{HAVE}\s+{ADV}(?:got|adopted|gotten|rescued))\s+"
    rf"(?P<det>a|an|two|three|four|another|our|my)?\s*(?:(?:{lex.PET_MODIFIERS})\s+)*"
    rf"(?P<sp>{SPECIES_ALL})\b(?:\s*,?\s*(?P<named>named|called)?\s*(?P<names>{NAME}(?:\s*(?:,|and|&)\s*{NAME})*))?"
)
def has_pet(m: re.Match[str], cl: Clause) -> list[Fact] | None:
    sp_word = m.group("sp").lower()
    species = lex.SPECIES.get(sp_word) or lex.SPECIES_PLURALS.get(sp_word)
    if not species:
        return None
    pick = explicit_name if m.group("named") else valid_name
    names = [n for n in (pick(x) for x in re.split(r"\s*(?:,|\band\b|&)\s*", m.group("names") or "")) if n]
    verb = m.group("verb").split()[-1]
    future = m.group("verb").startswith(("am", "is", "are"))
    out: list[Fact] = []
    if cl.subject.kind == "self":
        for name in names:
            out.append(Fact(Subject("person", name, "pet"), "relationship", "pet", ("pet",)))
            out.append(Fact(Subject("person", name, "pet"), "species", species, ("pet",)))
        if not names:
            det = (m.group("det") or "a").lower()
            count = parse_number(det) if det not in ("a", "an", "another", "our", "my") else None
            if future:
                out += _f(cl, "plans", dated(f"get a {sp_word}", when(cl, "future")), ("plan", "pet"))
                return out
            out += _f(cl, "pets", f"{count} {sp_word}" if count and count > 1 else species, ("pet",))
            # "a dog and two cats"
            am = _MORE_PETS.match(m.string, m.end())
            while am:
                sp2 = am.group("sp").lower()
                n2 = parse_number(am.group("det")) if am.group("det") not in ("a", "an") else None
                one = lex.SPECIES.get(sp2) or lex.SPECIES_PLURALS.get(sp2, sp2)
                out += _f(cl, "pets", f"{n2} {sp2}" if n2 and n2 > 1 else one, ("pet",))
                am = _MORE_PETS.match(m.string, am.end())
    else:
        label = ", ".join(names)
        out += _f(cl, "pets", f"{label} ({species})" if names else species, ("pet",))
    if verb in ("adopted", "got", "rescued", "bought", "home", "welcomed", "in") and not future:
        t = when(cl, "past")
        if t:
            what = f"{verb if verb not in ('home', 'in') else 'got'} a {sp_word}" + (f" named {', '.join(names)}" if names else "")
            out += _f(cl, "event", dated(what, t), ("event", "pet"))
    return out


_MORE_PETS = re.compile(
    rf"\s*(?:,|,?\s+and|&)\s+(?P<det>a|an|two|three|four|five|\d)\s+(?:(?:{lex.PET_MODIFIERS})\s+)*(?P<sp>{SPECIES_ALL})\b(?!\s+(?:named|called))"
)


@rule(
    rf"(?:(?:do|does)\s+not\s+(?:have|own)\s+(?:a|an|any)\s+(?P<sp>{SPECIES_ALL})\s+{_NO_MORE}"
    rf"|no\s+longer\s+(?:have|has|own|owns)\s+(?:a|an|any)\s+(?P<sp2>{SPECIES_ALL}))\b"
)
def pet_negated(m: re.Match[str], cl: Clause) -> list[Fact]:
    sp = (m.group("sp") or m.group("sp2")).lower()
    return _f(cl, "pets", lex.SPECIES.get(sp) or lex.SPECIES_PLURALS.get(sp, sp), ("pet",), negated=True)


@rule(
    rf"(?:am|is)\s+{ADV}(?:a\s+)?(?:(?:proud|crazy|new|first-time|tired|busy|happy)\s+)?(?P<sp>dog|cat|bunny|rabbit|horse|bird|chicken|fish|puppy|kitten)\s+"
    rf"(?:mom|mum|mama|dad|papa|parent|owner|mother|father)\b",
    singular_only=True,
)
def pet_parent(m: re.Match[str], cl: Clause) -> list[Fact]:
    sp = m.group("sp").lower()
    return _f(cl, "pets", lex.SPECIES.get(sp, sp), ("pet",))


@rule(r"(?:passed\s+away|died|passed|was\s+put\s+down)\b", subjects=frozenset({"relative", "person", "pronoun"}))
def died(m: re.Match[str], cl: Clause) -> list[Fact]:
    return _f(cl, "event", dated("passed away", when(cl, "past")), ("event",))


# ---- languages, education --------------------------------------------------------------------


@rule(
    rf"(?:speaks|speak|can\s+speak|(?:am|is)\s+{ADV}fluent\s+in|(?:am|is)\s+a\s+native\s+(?P<native>{LANG_ALT})\s+speaker|"
    rf"(?:am|is)\s+{ADV}(?:bilingual|trilingual|multilingual)\s+in|grew\s+up\s+speaking)\b"
    rf"(?:\s+(?:a\s+little|a\s+bit\s+of|some|basic|fluent|conversational|decent|good|perfect)\s+)?"
    rf"(?:\s*(?P<langs>(?:{LANG_ALT})(?:(?:\s*,\s*(?:and\s+)?|\s+and\s+|\s+&\s+)(?:(?:a\s+little|a\s+bit\s+of|some|basic|fluent|conversational|decent)\s+)?(?:{LANG_ALT}))*))?"
)
def speaks(m: re.Match[str], cl: Clause) -> list[Fact] | None:
    out: list[Fact] = []
    if m.group("native"):
        out += _f(cl, "native_language", m.group("native"), ("language",))
    for lang in re.findall(LANG_ALT, m.group("langs") or ""):
        out += _f(cl, "languages", lang, ("language",))
    return out or None


@rule(rf"(?:am|is|are)\s+{ADV}(?:learning|studying)\s+(?P<lang>{LANG_ALT})\b")
def learning_language(m: re.Match[str], cl: Clause) -> list[Fact]:
    return _f(cl, "learning", m.group("lang"), ("language", "learning"))


@rule(
    rf"(?:(?P<cur>study|studies|(?:am|is)\s+{ADV}(?:studying|majoring\s+in)|major\s+in)"
    rf"|(?P<past>studied|majored\s+in)"
    rf"|(?:{HAVE}|got|earned|completed|finished)\s+(?:a|an|my|his|her)\s+(?P<deg>{_DEGREE})\s+in"
    rf"|graduated\s+with\s+(?:a|an)\s+(?P<deg2>{_DEGREE})\s+in)"
    rf"\s+(?P<field>(?!(?:at|from|for|with|in|on|to|the|a|an|my|hard|{_MONTH_ALT}|19\d\d|20\d\d)\b)[A-Za-z][\w-]*"
    rf"(?:\s+(?!at\b|from\b|in\b|and\b|but\b|because\b|last\b|next\b|this\b|for\b|since\b)[A-Za-z][\w-]*){{0,3}})"
    rf"(?:\s+(?:at|from)\s+(?P<org>{ORG}))?"
)
def studies(m: re.Match[str], cl: Clause) -> list[Fact] | None:
    fieldv = clean_value(m.group("field"), max_words=4)
    if not fieldv or fieldv.lower() in ("hard", "a lot", "abroad", "together", "late", "lot"):
        return None
    if fieldv in lex.LANGUAGES and m.group("cur"):
        return _f(cl, "learning", fieldv, ("language", "learning"))
    deg = m.group("deg") or m.group("deg2")
    org = clean_org(m.group("org"))
    value = (f"{deg} in {fieldv}" if deg and deg.lower() != "degree" else fieldv) + (f", {org}" if org else "")
    if m.group("cur"):
        value = f"studying {value}"
    out = _f(cl, "education", value, ("education",))
    if deg and m.group(0).startswith(("got", "earned", "completed", "finished", "graduated")):
        t = when(cl, "past")
        if t:
            out += _f(cl, "graduation_date", t.value, ("education", "date"))
    return out


@rule(
    rf"(?:study|studies|(?:am|is|are)\s+{ADV}(?:studying|enrolled)|(?:go|goes)\s+to\s+(?:school|college|university|uni))\s+"
    rf"(?:at|in)\s+(?P<org>{ORG})"
)
def studies_at(m: re.Match[str], cl: Clause) -> list[Fact] | None:
    # "I study at the University of Toronto": the school; "studying in Paris" is a place, not one.
    org = clean_org(m.group("org"))
    if not org or (m.group(0).split()[-2] == "in" and not re.search(r"\b(?:University|College|School|Institute|Academy)\b", org)):
        return None
    return _f(cl, "school", re.sub(r"^the\s+(?=[A-Z])", "", org), ("education",))


@rule(
    rf"(?:(?P<verb>got|earned|received|completed|finished)|{HAVE}\s+{ADV}(?P<verb2>got|gotten|earned|received|completed|finished))\s+"
    rf"(?P<det>my|a|an|his|her|their)\s+(?P<deg>(?!degree\b|diploma\b|certificate\b){_DEGREE})(?!\s+in\s+(?!{_MONTH_ALT}\b|19\d\d|20\d\d)[A-Za-z])(?![\w'-])"
)
def got_degree(m: re.Match[str], cl: Clause) -> list[Fact] | None:
    # "I got my PhD last year": the degree, and when it was finished.
    deg = re.sub(r"\s+", " ", m.group("deg"))
    out = _f(cl, "education", deg, ("education",))
    t = when(cl, "past")
    if t:
        verb = m.group("verb") or {"gotten": "got"}.get(m.group("verb2"), m.group("verb2"))
        out += _f(cl, "graduation_date", t.value, ("education", "date"))
        out += _f(cl, "event", dated(f"{verb} {m.group('det')} {deg}", t), ("event", "education"))
    return out


@rule(
    rf"(?:am|is|are)\s+{ADV}(?:doing|pursuing|getting|working\s+(?:on|towards|toward)|studying\s+for|enrolled\s+in)\s+(?:a|an|my|his|her|their)\s+"
    rf"(?P<deg>(?!degree\b|diploma\b|certificate\b){_DEGREE})(?:\s+(?:in|on)\s+(?P<field>(?!{_MONTH_ALT}\b)[A-Za-z][\w-]*(?:\s+(?!at\b|from\b|in\b|and\b|but\b|because\b)[A-Za-z][\w-]*){{0,2}}))?"
    rf"(?:\s+at\s+(?P<org>{ORG}))?"
)
def pursuing_degree(m: re.Match[str], cl: Clause) -> list[Fact] | None:
    deg = re.sub(r"\s+", " ", m.group("deg"))
    fieldv = clean_value(m.group("field") or "", max_words=3) if m.group("field") else None
    org = clean_org(m.group("org"))
    art = "an" if re.match(r"(?:[AEIOaeio]|MBA|MA\b|MS\b|MSc)", deg) else "a"
    value = f"studying for {art} {deg}" + (f" in {fieldv}" if fieldv else "") + (f", {org}" if org else "")
    return _f(cl, "education", value, ("education",))


@rule(rf"(?:am|is|are)\s+{ADV}(?:studying|training|in\s+school)\s+to\s+(?:become|be)\s+(?:a|an)\s+(?P<job>{JOB})")
def studying_to_become(m: re.Match[str], cl: Clause) -> list[Fact]:
    job = m.group("job")
    return _f(cl, "education", f"studying to become {_article(job)} {job}", ("education",))


@rule(
    rf"graduated(?:\s+from\s+(?P<org>(?:high\s+school|college|university|grad\s+school|law\s+school|med\s+school|"
    rf"nursing\s+school|art\s+school)|{ORG}))?" + _REST
)
def graduated(m: re.Match[str], cl: Clause) -> list[Fact]:
    org = m.group("org")
    org = org if org and org[0].islower() else clean_org(org)
    out: list[Fact] = []
    if org:
        out += _f(cl, "education", f"graduated from {org}", ("education",))
    t = when(cl, "past")
    if t:
        out += _f(cl, "graduation_date", t.value, ("education", "date"))
        out += _f(cl, "event", dated("graduated" + (f" from {org}" if org else ""), t), ("event", "education"))
    return out


# ---- likes, dislikes, hobbies ----------------------------------------------------------------


@rule(
    r"(?:(?:(?:do|does)\s+not\s+(?:like|enjoy|love)|stopped\s+(?:liking|enjoying|loving))\s+(?P<v1>[^,.;!?]+?)\s+(?:any\s*more|any\s+longer)"
    r"|no\s+longer\s+(?:like|likes|enjoy|enjoys|love|loves)\s+(?P<v2>[^,.;!?]+)"
    r"|(?:am|is)\s+(?:not\s+into\s+(?P<v3>[^,.;!?]+?)\s+any\s*more|no\s+longer\s+into\s+(?P<v4>[^,.;!?]+)|over\s+(?P<v5>[^,.;!?]+)))"
)
def likes_negated(m: re.Match[str], cl: Clause) -> list[Fact]:
    raw = next(g for g in (m.group(k) for k in ("v1", "v2", "v3", "v4", "v5")) if g)
    return _f(cl, "likes", object_value(raw, cl), ("preference",), negated=True)


@rule(
    r"(?:hate|hates|dislike|dislikes|detest|detests|loathe|loathes|(?:can|could)\s*not\s+stand|"
    r"(?:do|does)\s+not\s+(?:really\s+)?(?:like|enjoy|care\s+for)|(?:have|has)\s+(?:just\s+)?never\s+(?:liked|enjoyed|been\s+(?:a\s+fan\s+of|into))|"
    r"never\s+(?:liked|enjoyed)|(?:am|is|are)\s+(?:not\s+(?:really\s+|exactly\s+|that\s+|too\s+|very\s+)?(?:a\s+(?:big\s+|huge\s+)?fan\s+of|"
    r"into|keen\s+on|fond\s+of)|(?:so\s+)?(?:sick|tired)\s+of))\s+(?P<val>[^;!?]+)"
)
def dislikes(m: re.Match[str], cl: Clause) -> list[Fact]:
    out: list[Fact] = []
    for part in liked_items(object_value(m.group("val"), cl)):
        out += _f(cl, "dislikes", part, ("preference",))
    return out


@rule(
    r"(?:(?:am|is|are)\s+" + ADV + r"(?:afraid|scared|terrified|frightened)\s+of|(?:have|has)\s+(?:a\s+)?(?:fear|phobia)\s+of)\s+(?P<val>[^;!?]+)"
)
def fears(m: re.Match[str], cl: Clause) -> list[Fact]:
    return _f(cl, "fears", object_value(m.group("val"), cl, max_words=6), ("preference",))


@rule(
    r"(?:am|is)\s+" + ADV + r"(?P<neg>not\s+(?:really\s+)?)?(?:more\s+of\s+)?(?:a|an)\s+(?:(?:total|big|huge|real|true|complete|early|late)\s+)?"
    r"(?:(?P<what>morning|night|evening|cat|dog|beach|mountain|coffee|tea|people|summer|winter|city|country|outdoors|"
    r"indoor|outdoor|book|movie|dessert|breakfast|sweet|savory|savoury|salty|pizza|homebody)\s+person|"
    r"(?P<owl>night\s+owl|early\s+bird|early\s+riser|homebody|foodie|introvert|extrovert|ambivert|bookworm|"
    r"gym\s+rat|couch\s+potato|coffee\s+addict|coffee\s+snob|neat\s+freak|workaholic|morning\s+lark))\b",
    singular_only=True,
)
def kind_of_person(m: re.Match[str], cl: Clause) -> list[Fact]:
    what = f"{m.group('what')} person" if m.group("what") else re.sub(r"\s+", " ", m.group("owl"))
    return _f(cl, "preferences", ("not a " if m.group("neg") else "") + what, ("preference",))


@rule(
    rf"(?:listen|listens|(?:am|is|are)\s+{ADV}listening)\s+to\s+(?:(?:a\s+lot\s+of|lots\s+of|tons\s+of|mostly|mainly|plenty\s+of|"
    rf"a\s+ton\s+of|so\s+much|loads\s+of)\s+)?(?P<val>[^;!?]+)"
)
def listens_to(m: re.Match[str], cl: Clause) -> list[Fact] | None:
    # "I listen to a lot of jazz": what someone listens to by habit is a taste.
    v = object_value(m.group("val"), cl, max_words=5)
    if not v or re.match(
        r"(?:my|the|his|her|their|our|your|what|people|everyone|anyone|someone|music\s+while|advice|reason|others|him|me|us|"
        r"them|this|that|it|a\s|an\s|ourselves|myself|yourself|yourselves|themselves|himself|herself|each\s+other|"
        r"one\s+another|nature|the\s+body|body|heart|gut|instincts?|intuition)\b", v, re.I
    ):
        return None
    return _f(cl, "likes", v, ("preference",))


@rule(r"(?:prefer|prefers)\s+(?P<a>[^,;!?]+?)\s+(?:over|to|rather\s+than|instead\s+of)\s+(?P<b>[^,;!?]+)")
def prefers(m: re.Match[str], cl: Clause) -> list[Fact] | None:
    a = object_value(m.group("a"), cl, max_words=5)
    b = object_value(m.group("b"), cl, max_words=5)
    if not a or not b:
        return None
    return _f(cl, "preferences", f"{a} over {b}", ("preference",))


@rule(
    rf"(?:love|loves|loved|like|likes|enjoy|enjoys|enjoyed|adore|adores|adored|prefer|prefers|"
    rf"{HAVE}\s+{ADV}(?:loved|liked|enjoyed|been\s+(?:into|obsessed\s+with|passionate\s+about))|"
    rf"(?:am|is|are)\s+{ADV}(?:into|obsessed\s+with|passionate\s+about|crazy\s+about|addicted\s+to|"
    rf"(?:a\s+)?(?:big\s+|huge\s+|massive\s+|longtime\s+|die-hard\s+)?fans?\s+of|fond\s+of|keen\s+on|enjoying|loving)|"
    rf"{HAVE}\s+(?:a\s+|always\s+had\s+a\s+)?(?:passion|soft\s+spot|love|thing)\s+for|fell\s+in\s+love\s+with|"
    rf"(?:go|goes)\s+(?:crazy|nuts|wild)\s+(?:for|over)|"
    rf"got\s+{ADV}into)\s+(?P<val>[^;!?]+)"
)
def likes(m: re.Match[str], cl: Clause) -> list[Fact] | None:
    raw = m.group("val")
    if cl.subject.kind == "pronoun" and re.match(r"(?:it|that|this|them)\b\s*(?:$|[,.!]|so\s+much|a\s+lot)", raw.strip()):
        # "She loved it": worth keeping only once both "she" and "it" are known.
        return [Fact(cl.subject, "likes", raw.split()[0], ("preference",), needs_object=True)]
    if re.match(r"(?:the\s+)?(?:most|best)\b|(?:is|are|was|were|has|have)\b", raw.strip()):
        # "those we love is important": the verb belongs to another subject
        return []
    v = object_value(raw, cl)
    out: list[Fact] = []
    for part in liked_items(v):
        out += _f(cl, "likes", part, ("preference",))
    return out


# Pairs that name one thing; everything else joined by "and" is a list of things.
_COMPOUNDS = re.compile(
    r"\b(?:mac\s+and\s+cheese|fish\s+and\s+chips|rock\s+and\s+roll|rock\s+n\s+roll|salt\s+and\s+pepper|"
    r"bread\s+and\s+butter|peanut\s+butter\s+and\s+jelly|rhythm\s+and\s+blues|drum\s+and\s+bass|"
    r"arts\s+and\s+crafts|black\s+and\s+white|dungeons\s+and\s+dragons|cheese\s+and\s+wine|"
    r"pros\s+and\s+cons|ups\s+and\s+downs|hide\s+and\s+seek|trial\s+and\s+error)\b",
    re.I,
)


def liked_items(v: str | None) -> list[str]:
    """'hiking and rock climbing' -> two likes; 'mac and cheese' stays one dish."""
    if not v:
        return []
    if _COMPOUNDS.search(v):
        return [v]
    parts = split_list(v)
    if len(parts) > 1 and all(len(p.split()) <= 4 for p in parts):
        return parts
    return [v]


_HOBBY_VERBS = lex.alternation(lex.HOBBY_VERBS)
_HOBBY_GERUNDS = lex.alternation(lex.HOBBY_GERUNDS)
_HABIT = (
    r"in\s+my\s+(?:free|spare|down)\s+time|for\s+fun|as\s+a\s+hobby|on\s+(?:the\s+)?weekends|"
    r"every\s+(?:single\s+)?(?:day|morning|evening|night|weekend|week|other\s+day|monday|tuesday|wednesday|"
    r"thursday|friday|saturday|sunday)|most\s+(?:days|mornings|evenings|nights|weekends)|"
    r"(?:once|twice|three\s+times|four\s+times|five\s+times|a\s+few\s+times|several\s+times)\s+a\s+(?:week|month|day)|"
    r"daily|regularly|whenever\s+I\s+(?:can|get\s+the\s+chance)|in\s+the\s+(?:mornings|evenings)|"
    r"on\s+(?:mondays|tuesdays|wednesdays|thursdays|fridays|saturdays|sundays)"
)


@rule(
    rf"(?:go|goes)\s+to\s+(?P<place>the\s+gym|yoga|pilates|spin\s+class|dance\s+class(?:es)?|the\s+pool|boxing|"
    rf"the\s+climbing\s+gym|bootcamp|CrossFit|crossfit|zumba|swim\s+practice|the\s+driving\s+range)(?:\s+class(?:es)?)?\s+"
    rf"(?:(?:with|at|in|near|around)\s+(?:[\w'-]+\s+){{0,3}}?)?(?i:{_HABIT})\b"
)
def goes_to_habit(m: re.Match[str], cl: Clause) -> list[Fact]:
    # "I go to the gym every morning", "I go to yoga twice a week".
    return _f(cl, "hobbies", "going to " + re.sub(r"\s+", " ", m.group("place")), ("hobby",))


@rule(
    rf"(?P<verb>{_HOBBY_VERBS})(?:s|es)?(?P<obj>(?:\s+(?!(?:in|for|as|on|every|most|once|twice|daily|regularly|whenever|"
    rf"and|but|with|at|to)\b)[\w'-]+){{0,3}}?)(?:\s+(?:with|at|in|near|around)\s+(?:[\w'-]+\s+){{0,3}}?)?\s+(?i:{_HABIT})\b"
)
def habit(m: re.Match[str], cl: Clause) -> list[Fact] | None:
    # "I run every morning", "I write poetry in my spare time": a habit of a hobby verb.
    obj = m.group("obj").strip()
    if re.match(r"(?:it|that|this|them|you|me|him|her|a\s+lot|too)\b", obj):
        return None
    v = gerund(m.group("verb")) + (f" {obj}" if obj else "")
    return _f(cl, "hobbies", v, ("hobby",))


@rule(
    rf"(?P<verb>sing|sings|play|plays|dance|dances|perform|performs)\s+(?:in|with)\s+"
    rf"(?:a|an|the|my|our|his|her|their)\s+(?P<grp>(?:[\w'-]+\s+){{0,2}}?(?:choir|band|chorus|orchestra|quartet|ensemble|"
    rf"troupe|dance\s+company|league|team|club))\b"
)
def sings_in(m: re.Match[str], cl: Clause) -> list[Fact]:
    verb = m.group("verb")
    base = verb[:-1] if verb.endswith("s") else verb
    grp = re.sub(r"\s+", " ", m.group("grp"))
    art = "an" if grp[0] in "aeiou" else "a"
    return _f(cl, "hobbies", f"{gerund(base)} in {art} {grp}", ("hobby",))


@rule(rf"(?:collect|collects|(?:am|is|are)\s+{ADV}collecting|{HAVE}\s+{ADV}been\s+collecting)\s+(?P<val>[^;!?]+)")
def collects(m: re.Match[str], cl: Clause) -> list[Fact] | None:
    v = value_of(m.group("val"), cl, max_words=4)
    if not v or re.match(
        r"(?:my|the|his|her|our|their|your|it|them|this|that|these|those|some|data|money|info|information|feedback|"
        r"evidence|payments?|unemployment|benefits|points|dust|myself|thoughts)\b", v, re.I
    ):
        return None
    return _f(cl, "hobbies", f"collecting {v}", ("hobby",))


_MOMENT_AFTER = re.compile(
    r"\s+(?:to|for\s+(?:a|the)|when|because|after|at|in\s+the\s+middle|halfway|mid|so|right|and\s+(?:started|looked|turned|waited))\b"
)


@rule(
    rf"(?:(?P<stop>stopped|quit|gave\s+up|{HAVE}\s+{ADV}(?:stopped|quit|given\s+up))\s+(?:(?P<p1>playing)\s+(?:the\s+)?(?P<o1>[a-z]+)|(?P<g1>{_HOBBY_GERUNDS}))"
    rf"|(?:(?:do|does)\s+not\s+(?=.*\b{_NO_MORE})|no\s+longer\s+)(?:(?P<p2>play|plays)\s+(?:the\s+)?(?P<o2>[a-z]+)|(?:do|does)\s+(?P<g2>{_HOBBY_GERUNDS})|"
    rf"(?:go|goes)\s+(?P<g3>{_HOBBY_GERUNDS})|(?P<v2>{_HOBBY_VERBS})(?:s|es)?))(?![\w-])"
)
def hobby_negated(m: re.Match[str], cl: Clause) -> list[Fact] | None:
    # "I stopped playing tennis", "I don't play soccer anymore", "I gave up running".
    if _MOMENT_AFTER.match(m.string, m.end()):
        return []  # "I stopped running to catch my breath" is a moment, not a hobby given up
    obj = m.group("o1") or m.group("o2")
    if obj:
        if obj in ("with", "around", "games", "game", "it", "that", "this", "along", "for", "in", "a", "an", "any", "anymore", "much", "nice", "dumb", "dead", "pretend"):
            return None
        v = f"playing {obj}"
    elif m.group("v2"):
        v = gerund(m.group("v2"))
    else:
        v = m.group("g1") or m.group("g2") or m.group("g3")
    out = _f(cl, "hobbies", v, ("hobby",), negated=True)
    t = when(cl, "past") if m.group("stop") else None
    if t:
        verb = "gave up" if "give" in m.group("stop") or "gave" in m.group("stop") else "stopped" if "stop" in m.group("stop") else "quit"
        out += _f(cl, "event", dated(f"{verb} {v}", t), ("event", "hobby"))
    return out


_PLAYED_TOO = re.compile(
    r"\s*(?:,\s*(?:and\s+)?|\s+and\s+)(?:the\s+)?(?P<v2>[a-z][a-z-]+)"
    r"(?=\s*$|\s*[,.;!]|\s+(?:on|every|with|at|in|for|when|since|too|as\s+well)\b)"
)


@rule(
    r"(?P<verb>play|plays|(?:am|is|are)\s+playing|" + HAVE + r"\s+been\s+playing)\s+(?:the\s+)?"
    r"(?P<val>(?!with\b|around\b|it\b|that\b|this\b|a\s+role\b|along\b|games?\s+with\b)[a-z][a-z-]+(?:\s+[a-z][a-z-]+)?)(?=$|[\s,.!;])"
)
def plays(m: re.Match[str], cl: Clause) -> list[Fact] | None:
    v = clean_value(m.group("val"), max_words=3)
    if not v or v in ("a", "an", "some", "my", "games", "for", "in", "on", "at", "music for", "outside"):
        return None
    v = re.sub(r"\s+(?:every|on|at|with|for|in)$", "", v)
    out = _f(cl, "hobbies", f"playing {v}", ("hobby",))
    # "I play the piano and the violin", "tennis and golf": a second thing played, when the
    # clause ends with it (not "tennis and run marathons"). The value pattern may have taken
    # the "and" as a second word, so look again right after a one-word value.
    if len(v.split()) == 1:
        after = m.string[m.start("val") + len(v):]
        am = _PLAYED_TOO.match(after)
        if am and am.group("v2") not in ("more", "stuff", "things", "so", "such", "other", "others", "everything", "it", "them"):
            out += _f(cl, "hobbies", f"playing {am.group('v2')}", ("hobby",))
    return out


@rule(r"(?:go|goes)\s+(?P<val>[a-z]+ing)\b(?!\s+to\b)")
def goes_doing(m: re.Match[str], cl: Clause) -> list[Fact] | None:
    v = m.group("val").lower()
    if v in ("going", "nothing", "something", "everything", "thing", "bring", "sing", "king", "ring", "spring", "wing"):
        return None
    return _f(cl, "hobbies", v, ("hobby",))


@rule(
    r"(?:do|does|practice|practise|practices|practises|(?:am|is)\s+(?:doing|practicing|practising)|(?:have|has)\s+been\s+(?:doing|practicing|practising))\s+"
    r"(?i:(?P<val>yoga|pilates|karate|judo|taekwondo|crossfit|ballet|meditation|tai\s+chi|kickboxing|boxing|"
    r"jiu-jitsu|archery|photography|pottery|gymnastics|parkour|aikido|kung\s+fu|zumba|calligraphy|"
    r"origami|woodworking|martial\s+arts|improv|stand-up|triathlons|marathons))\b"
)
def does_activity(m: re.Match[str], cl: Clause) -> list[Fact]:
    return _f(cl, "hobbies", m.group("val").lower(), ("hobby",))


_TAKING_LESSONS = re.compile(
    r"taking\s+(?:(?:a|an|some|private|online|weekly)\s+)*(?P<what>(?!a\b|an\b|the\b)[A-Za-z][\w-]*(?:\s+(?!lessons?\b|class(?:es)?\b|courses?\b)[A-Za-z][\w-]*)?)\s+"
    r"(?:lessons?|class(?:es)?|courses?)\b"
)
_TOOK_UP_STOP = (
    r"and|but|because|with|last|this|in|since|during|when|while|after|before|again|over|at|on|for|"
    r"every|as|to|from|of|recently|lately|today|yesterday|back|now"
)


@rule(
    rf"(?P<verb>took\s+up|picked\s+up|started|began|{HAVE}\s+{ADV}(?:taken\s+up|picked\s+up|started|begun))\s+"
    rf"(?P<val>(?:[a-z]+ing)(?:\s+(?!(?:{_TOOK_UP_STOP})\b)[a-z]+){{0,3}}|yoga|pilates|karate|judo|"
    rf"crossfit|ballet|meditation|photography|pottery|gymnastics|knitting|the\s+[a-z]+)(?=$|[\s,.!;])"
)
def took_up(m: re.Match[str], cl: Clause) -> list[Fact] | None:
    verb = re.sub(rf"^(?:have|has)\s+(?:(?:{_ADV_WORDS})\s+)*", "", m.group("verb"))
    verb = {"taken up": "took up", "picked up": "picked up", "begun": "began"}.get(verb, verb)
    if m.group("val").startswith("learning") and verb in ("started", "began"):
        # "I started learning to play the guitar": what is being learned is the memory.
        what = learning_value(m.string[m.start("val") + len("learning"):], cl)
        if not what:
            return []  # "just started learning": learning what, it does not say
        out = _f(cl, "learning", what, _learning_tags(what))
        t = when(cl, "past")
        return out + _f(cl, "event", dated(f"{verb} learning {what}", t), ("event", "learning")) if t else out
    lm = _TAKING_LESSONS.match(m.group("val"))
    if lm and verb in ("started", "began"):
        # "I started taking guitar lessons last week": learning the guitar.
        what = lm.group("what")
        out = _f(cl, "learning", what, _learning_tags(what))
        t = when(cl, "past")
        return out + _f(cl, "event", dated(f"{verb} {clean_value(m.group('val'), max_words=6)}", t), ("event", "learning")) if t else out
    v = clean_value(m.group("val"), max_words=5)
    if not v or v.split()[0] in ("thinking", "feeling", "getting", "going", "doing", "trying", "wondering", "working"):
        return None
    out = _f(cl, "hobbies", v, ("hobby",))
    t = when(cl, "past")
    if t:
        out += _f(cl, "event", dated(f"{verb} {v}", t), ("event", "hobby"))
    return out


# "learning to play the guitar" is learning the guitar; "learning to speak Greek" is Greek.
_LEARN_STRIP = re.compile(r"^\s*(?:how\s+)?(?:to\s+)?(?:(?:play|speak)\s+(?:the\s+)?)?")
_LEARN_VERB = re.compile(r"^to\s+(?:how\s+)?(?P<verb>[a-z]+)\b")


def learning_value(raw: str, cl: Clause) -> str | None:
    """What someone is learning, from the words after 'learning': a language, an instrument,
    a skill as a gerund ('to drive' -> 'driving') or a subject."""
    text = raw.strip()
    if re.match(r"(?:a\s+(?:ton|lot|bunch|bit|little)|tons|lots|loads|heaps|so\s+much|so\s+many|more|a\s+great\s+deal|every\s+day|as\s+I)\b", text, re.I):
        return None  # "I'm learning a ton": how much, not what
    text = re.sub(r"^how\s+", "", text)
    vm = _LEARN_VERB.match(text)
    if vm and vm.group("verb") not in ("play", "speak"):
        verb = vm.group("verb")
        if verb in _VAGUE_VERBS or verb in ("be", "do", "live", "love", "accept", "let", "deal", "cope", "trust"):
            return None
        text = gerund(verb) + text[vm.end():]
    else:
        text = _LEARN_STRIP.sub("", text)
    v = value_of(text, cl, max_words=6)
    if not v:
        return None
    v = re.sub(r"^(?:the|a|an|some|more|new)\s+", "", v)
    v = re.sub(r"\s+(?:for|with|from|at|on|in)\s+.*$", "", v)
    if not v or v.split()[0].lower() in ("a", "so", "that", "more", "lots", "from", "about", "it", "things", "stuff"):
        return None
    return v


def _learning_tags(what: str) -> tuple[str, ...]:
    return ("language", "learning") if what in lex.LANGUAGES else ("learning",)


@rule(
    rf"(?:(?:am|is|are)\s+{ADV}(?:learning|trying\s+to\s+learn|teaching\s+(?:myself|himself|herself|themselves))"
    rf"|(?:am|is|are)\s+{ADV}(?:starting|beginning)\s+to\s+learn"
    rf"|{HAVE}\s+{ADV}been\s+{ADV}learning(?=\s+(?:{LANG_ALT})\b))\s+(?P<val>[^;!?]+)"
)
def learning(m: re.Match[str], cl: Clause) -> list[Fact] | None:
    v = learning_value(m.group("val"), cl)
    if not v:
        return None
    return _f(cl, "learning", v, _learning_tags(v))


@rule(
    rf"(?:(?:am|is|are)\s+(?:not\s+learning\s+(?P<v1>[^,.;!?]+?)\s+{_NO_MORE}|no\s+longer\s+learning\s+(?P<v2>[^,.;!?]+))"
    rf"|(?:stopped|quit|gave\s+up(?:\s+on)?)\s+learning\s+(?P<v3>[^,.;!?]+))"
)
def learning_negated(m: re.Match[str], cl: Clause) -> list[Fact] | None:
    v = learning_value(m.group("v1") or m.group("v2") or m.group("v3"), cl)
    return _f(cl, "learning", v, _learning_tags(v), negated=True) if v else None


@rule(
    rf"(?:am|is|are)\s+{ADV}taking\s+(?:(?:a|an|some|my|weekly|private|online|evening|night)\s+)*"
    rf"(?P<what>(?!a\b|an\b|the\b|care\b)[A-Za-z][\w-]*(?:\s+(?!lessons?\b|class(?:es)?\b|courses?\b)[A-Za-z][\w-]*)?)\s+"
    rf"(?:lessons?|class(?:es)?|courses?)\b"
)
def taking_lessons(m: re.Match[str], cl: Clause) -> list[Fact] | None:
    # "I'm taking Spanish lessons", "I'm taking a pottery class": learning Spanish, pottery.
    sub = re.match(r"\s+(?:in|on)\s+(?P<sub>(?!the\b|a\b|an\b|my\b)[A-Za-z][\w-]*(?:\s+(?!and\b|but\b|at\b|for\b|with\b|to\b)[A-Za-z][\w-]*){0,2})", m.string[m.end():])
    if sub and m.group("what").lower() in ("online", "night", "evening", "weekly", "free", "intro", "introductory", "short", "new", "university", "college", "crash"):
        # "an online course in data science"
        what = value_of(sub.group("sub"), cl, max_words=3)
        return _f(cl, "learning", what, _learning_tags(what)) if what else None
    what = clean_value(m.group("what"), max_words=3)
    if not what or what.lower() in ("online", "night", "evening", "weekly", "more", "extra", "few", "couple", "my", "new"):
        return None
    return _f(cl, "learning", what, _learning_tags(what))


# ---- plans, wishes, events, activities -------------------------------------------------------

_FUTURE_CUE = re.compile(
    r"\b(?:tomorrow|tonight|next|this\s+coming|upcoming|later\s+(?:today|this)|this\s+(?:weekend|evening|"
    r"afternoon|monday|tuesday|wednesday|thursday|friday|saturday|sunday|summer|winter|spring|fall)|"
    r"in\s+(?:a|an|\d+|one|two|three|four|five|six|a\s+couple\s+of|a\s+few)\s+(?:days?|weeks?|months?|years?)|"
    r"on\s+(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday))\b|"
    r"\b(?:in|this|next|by|early|late|mid|until)[\s-]+(?:January|February|March|April|May|June|July|August|September|"
    r"October|November|December)\b",
    re.I,
)


@rule(
    rf"(?:(?:am|is|are)\s+{ADV}(?:going\s+to|planning\s+(?:to|on)|about\s+to|set\s+to|scheduled\s+to|aiming\s+to|"
    rf"intending\s+to|due\s+to|looking\s+forward\s+to)|(?:plan|plans|intend|intends|aim|aims)\s+to|(?P<will>will|shall)|"
    rf"(?P<would>would))\s+{ADV}(?P<val>[^;!?]+)"
)
def plans(m: re.Match[str], cl: Clause) -> list[Fact] | None:
    if m.group("would") and not cl.reported:
        return None  # "I would move to Paris" is a hypothetical, not a plan
    raw = m.group("val")
    if m.group("will") and re.match(r"(?:be|have|never|not|always|probably|maybe)\b", raw):
        # "I will be there", "I will never forget": not plans; "I will be moving to X" is, and so
        # is "I'll be in New York next week".
        bm = re.match(r"be\s+(?P<ing>[a-z]+ing\b.*)", raw)
        im = re.match(rf"be\s+(?:in|visiting|at)\s+(?P<loc>{LOC})", raw)
        if im and _FUTURE_CUE.search(cl.pred) and clean_place(im.group("loc")):
            return _f(cl, "plans", dated(f"be in {clean_place(im.group('loc'))}", when(cl, "future")), ("plan", "travel"))
        if not bm:
            return None
        raw = bm.group("ing")
    if "going to" in m.group(0) and re.match(r"(?:[A-Z]|the\s|a\s|an\s|my\s|visit\b)", raw):
        # "I'm going to Lisbon next week": a destination, not an infinitive.
        dest = value_of(raw, cl, "future", max_words=6)
        if not dest or re.match(r"(?:the|a|an|my)\s+(?:gym|store|bed|office|shop|toilet|bathroom|doctor)\b", dest):
            return None
        return _f(cl, "plans", dated(f"go to {dest}", when(cl, "future")), ("plan",))
    v = vp_value(raw, cl, "future")
    if not v:
        return None
    if re.match(r"(?:on\s+)?[a-z]+ing\b", v) and "planning" in m.group(0):
        v = re.sub(r"^on\s+", "", v)
    return _f(cl, "plans", dated(v, when(cl, "future")), ("plan",))


@rule(
    rf"(?:am|is|are)\s+{ADV}(?:going|heading|off|leaving)\s+on\s+(?:a|an|our|my|their|his|her)\s+"
    rf"(?P<what>(?:[\w'-]+\s+){{0,2}}?(?:cruise|trip|vacation|holiday|honeymoon|safari|retreat|tour|getaway|journey|"
    rf"pilgrimage|adventure|break|hike|expedition|sabbatical|exchange))\b(?P<rest>[^;!?]*)"
)
def going_on_trip(m: re.Match[str], cl: Clause) -> list[Fact] | None:
    # "We're going on a cruise in December": a trip is a plan, dated when it says when.
    what = re.sub(r"\s+", " ", m.group("what"))
    if re.match(r"(?:little|short|quick|long|nice|well-deserved)\s", what) and len(what.split()) == 2:
        what = what.split()[1]
    dest = re.match(rf"\s+(?:to|in|around|through|across)\s+(?P<loc>{LOC})", m.group("rest"))
    place = clean_place(dest.group("loc")) if dest else None
    art = "an" if what[0] in "aeiou" else "a"
    value = f"go on {art} {what}" + (f" {dest.group(0).split()[0]} {place}" if place else "")
    return _f(cl, "plans", dated(value, when(cl, "future")), ("plan", "travel"))


@rule(
    rf"(?P<verb>fly|flies|leave|leaves|head|heads|travel|travels|drive|drives|depart|departs|fly\s+out|flies\s+out|"
    rf"move|moves|go|goes|return|returns|start|starts)\s+(?P<val>(?:back\s+)?(?:to|for|from|into)\s+[^;!?]+)"
)
def travels_on(m: re.Match[str], cl: Clause) -> list[Fact] | None:
    # "I fly to Berlin tomorrow": the present tense with a time to come is a plan.
    if not _FUTURE_CUE.search(cl.pred):
        return None
    verb = m.group("verb")
    base = {"flies": "fly", "flies out": "fly out"}.get(verb, verb[:-1] if verb.endswith("s") else verb)
    if base in ("go", "start") and not re.match(r"(?:back\s+)?(?:to|for)\s+(?:the\s+)?[A-Z]", m.group("val")):
        return None  # "I go to the gym tomorrow"
    v = vp_value(f"{base} {m.group('val')}", cl, "future")
    if not v or not re.search(r"\b[A-Z]", v):
        return None  # only trips somewhere named
    if base == "move":
        v = re.sub(r"^move\s+(?:back\s+)?(?:to|into)\s+", "move to ", v)
    return _f(cl, "plans", dated(v, when(cl, "future")), ("plan", "travel"))


@rule(
    rf"(?:turn|turns|will\s+turn|(?:am|is)\s+going\s+to\s+turn|will\s+be)\s+(?P<n>{_NUM})(?:\s+years\s+old)?(?=\s*$|\s*[,.;!]|\s+(?:on|in|next|this|tomorrow|today|soon|at\s+the|by|come)\b)",
    singular_only=True,
)
def will_turn(m: re.Match[str], cl: Clause) -> list[Fact] | None:
    # "I turn 30 next month": a birthday to come, dated like "I'm turning 30 next month".
    n = parse_number(m.group("n"))
    if n is None or not 0 < n < 120 or not _FUTURE_CUE.search(cl.pred):
        return None
    return _f(cl, "plans", dated(f"turning {n}", when(cl, "future")), ("plan", "birthday"))


@rule(
    rf"(?:(?:would|could)\s+{ADV}(?:love|like|want)\s+to|(?:want|wants)\s+to|(?:wish|wishes)\s+(?:I|we|he|she)\s+could|"
    rf"(?:dream|dreams)\s+(?:of|about)|{HAVE}\s+{ADV}(?:wanted|dreamed|dreamt|been\s+(?:wanting|meaning|dying|itching))\s+(?:to|of|about)|"
    rf"(?:hope|hopes)\s+to|"
    rf"(?:am|is|are)\s+{ADV}(?:hoping\s+to|thinking\s+(?:about|of)|considering|dreaming\s+(?:of|about)))\s+{ADV}(?P<val>[^;!?]+)"
)
def wishes(m: re.Match[str], cl: Clause) -> list[Fact] | None:
    v = vp_value(m.group("val"), cl, "future")
    if not v:
        return None
    if re.search(r"(?:thinking|dreaming|dream|dreams)\s+(?:about|of)\s*$|considering\s*$", m.group(0)[: m.start("val") - m.start()]) \
            and not v.split()[0].endswith("ing"):
        return None  # "thinking about Max" is a thought, not a wish
    return _f(cl, "wishes", v, ("wish",))


APPOINTMENTS = _APPOINTMENTS = (
    r"appointment|interview|exam|test|meeting|flight|surgery|operation|date|party|wedding|concert|game|"
    r"match|recital|presentation|deadline|audition|check-up|checkup|trip|vacation|holiday|conference|"
    r"class|lesson|show|performance|gig|tournament|race|marathon|competition|ceremony|graduation|"
    r"reunion|visit|dinner|lunch|shift|training|workshop|retreat|festival|hearing|session"
)


@rule(
    rf"(?:{HAVE}|(?:am|is|are)\s+having|{HAVE}\s+got)\s+(?:(?:a|an|my|our|the|this|another|two|three)\s+"
    rf"(?P<what>(?:[\w'-]+\s+){{0,3}}?(?:{_APPOINTMENTS})s?)|(?P<what2>surgery|chemo|therapy|class|practice|rehearsal|court|jury\s+duty|"
    rf"physio|physical\s+therapy|(?:[\w'-]+\s+)?exams|(?:[\w'-]+\s+)?finals))\b(?P<rest>[^;!?]*)"
)
def has_appointment(m: re.Match[str], cl: Clause) -> list[Fact] | None:
    # "I have a dentist appointment tomorrow": an engagement is a plan when it has a future time.
    if not _FUTURE_CUE.search(cl.pred) and not re.search(r"\b(?:coming\s+up|soon|later)\b", m.group("rest")):
        return None
    rest = re.sub(r"^\s+(?:scheduled|planned|booked|set)\s+(?=for\b|on\b)", " ", m.group("rest"))
    rest = re.sub(r"^\s+for\s+(?=next\b|this\b|tomorrow\b|the\s+\d|\d|on\b|[A-Z])", " ", rest)
    what = clean_value((m.group("what") or m.group("what2")) + rest, max_words=8)
    v = value_of(what, cl, "future", max_words=8) if what else None
    if not v:
        return None
    return _f(cl, "plans", dated(v, when(cl, "future")), ("plan",))


@rule(
    rf"(?:(?:am|is|are)|{HAVE}\s+been)\s+{ADV}(?:(?:involved|active|engaged)\s+(?:in|with)|busy\s+(?:with|getting\s+ready\s+for|"
    rf"preparing\s+for|working\s+on|planning))\s+(?P<val>[^;!?]+)"
)
def involved_in(m: re.Match[str], cl: Clause) -> list[Fact] | None:
    v = value_of(m.group("val"), cl, max_words=8)
    if not v or _INDEFINITE.match(v) or re.match(r"(?:it|that|this|stuff|things|work)$", v):
        return None
    head = re.search(r"(involved|active|engaged)\s+(in|with)|busy\s+(?:with\s+)?(getting ready for|preparing for|working on|planning)?", m.group(0))
    what = f"{head.group(1)} {head.group(2)} {v}" if head and head.group(1) else (f"{head.group(3)} {v}" if head and head.group(3) else v)
    return _f(cl, "activities", what, ("activity",))


@rule(r"used\s+to\s+(?P<val>[^;!?]+)")
def used_to(m: re.Match[str], cl: Clause) -> list[Fact] | None:
    if re.match(r"live\s+in\b", m.group("val")):
        return None  # "used to live in X" is lived_in's
    dm = re.match(rf"be\s+(?:a\s+)?(?P<d>{_DIETS})\b(?!\s+(?:food|restaurant|recipe|option|meal|dish|place|cafe|bakery))", m.group("val"))
    if dm:
        d = dm.group("d").lower()
        return _f(cl, "diet", lex.DIETS.get(d, d), ("diet",), negated=True)  # "I used to be vegan"
    jm = re.match(rf"(?:be|work\s+as)\s+(?:a|an)\s+(?P<job>{JOB})(?:\s+(?:at|for)\s+(?P<org>{WORKPLACE}|{ORG}))?", m.group("val"))
    if jm and not cl.subject.plural:
        return _job_facts(cl, jm.group("job"), jm.group("org"), previous=True) or None
    om = re.match(rf"work\s+(?:at|for)\s+(?P<org>{WORKPLACE}|{ORG})", m.group("val"))
    if om and not cl.subject.plural:
        raw = om.group("org")
        if re.match(r"(?:a|an|the)\s+[a-z]", raw):
            return _f(cl, "previous_workplace", clean_value(raw, max_words=6), ("work",)) or None
        return _f(cl, "previous_employer", clean_org(raw), ("work",)) or None
    v = vp_value(m.group("val"), cl, "past")
    if not v:
        return None
    return _f(cl, "past_activities", v, ("activity",))


@rule(rf"(?:am|is|are)\s+{ADV}(?:determined|committed|dedicated|set|excited|ready|eager)\s+to\s+(?P<val>[^;!?]+)")
def determined_to(m: re.Match[str], cl: Clause) -> list[Fact] | None:
    v = vp_value(m.group("val"), cl, "future")
    if not v or v.split()[0].endswith("ing"):
        return None
    return _f(cl, "plans", dated(v, when(cl, "future")), ("plan",))


@rule(rf"{HAVE}\s+{ADV}been\s+to\s+(?P<val>[^;!?]+)")
def been_to(m: re.Match[str], cl: Clause) -> list[Fact] | None:
    v = value_of(m.group("val"), cl, "past", max_words=6)
    if not v or re.match(r"(?:a\s+lot|so\s+many|many|lots|it|that|this|there)\b", v):
        return None
    return _f(cl, "event", dated(f"been to {v}", when(cl, "past")), ("event", "travel"))


EVENT_VERBS = (
    "went|visited|traveled|travelled|flew|drove|started|began|joined|finished|completed|launched|opened|"
    "founded|adopted|bought|got|received|won|lost|met|attended|took|made|painted|drew|wrote|published|"
    "built|created|designed|organized|organised|hosted|celebrated|ran|hiked|climbed|camped|cooked|baked|"
    "learned|learnt|tried|saw|watched|read|found|decided|applied|signed\\s+up|volunteered|donated|raised|"
    "planted|sold|left|broke|injured|hurt|had|gave|taught|performed|played|competed|participated|"
    "recorded|released|renovated|redecorated|passed|failed|enrolled|registered|booked|reached|achieved|"
    "helped|spoke|welcomed|returned|came\\s+back|got\\s+back|moved|quit|went\\s+back|signed|"
    "surprised|threw|graduated|picked\\s+up|took\\s+up|checked\\s+out|tried\\s+out|set\\s+up|put\\s+together|"
    "bumped\\s+into|ran\\s+into|caught\\s+up|explored|discovered|emailed|skyped|called|texted|chatted|"
    "talked|worked|practiced|practised|rehearsed|swam|biked|cycled|surfed|skied|fished|crafted|knitted|"
    "sewed|shot|filmed|photographed|collected|fixed|repaired|cleaned|decorated|pitched|presented|"
    "interviewed|trained|studied|researched|mentored|coached|led|managed|earned|saved|spent|"
    "celebrated|threw|arranged|planned|prepared|wrapped\\s+up|nailed|aced|survived|recovered|"
    "underwent|tore|sprained|broke|crashed|lost|missed|cancelled|canceled|postponed|"
    "reconnected|adopted|fostered|rescued|volunteered|donated|ordered|upgraded|installed|launched"
)
_EVENT_PP = (
    "visited|traveled|travelled|started|begun|joined|finished|completed|launched|opened|founded|adopted|"
    "bought|got|gotten|received|won|lost|met|attended|taken|made|painted|written|published|built|created|"
    "designed|organized|organised|hosted|celebrated|run|hiked|climbed|learned|learnt|tried|seen|watched|"
    "read|found|decided|applied|signed\\s+up|volunteered|donated|raised|sold|left|taught|performed|"
    "played|competed|participated|recorded|released|renovated|passed|enrolled|booked|reached|achieved|"
    "returned|picked\\s+up|taken\\s+up|set\\s+up|put\\s+together|explored|discovered|practiced|rehearsed|"
    "earned|saved|spent|planned|prepared|reconnected|fostered|rescued|collected|fixed"
)
_GENERIC_REST = re.compile(
    r"(?:(?:time|day|week|weekend|night|month|year|experience|one|chat|talk|conversation|moment|while|ride|"
    r"run|start|bit|lot|so|too|much|really|again|already)\b\s*)*$",
    re.I,
)


def vague_event(phrase: str) -> bool:
    """'had a great time' says nothing; 'had a great time at the jazz festival' does."""
    m = _VAGUE_EVENT.match(phrase)
    return bool(m) and bool(_GENERIC_REST.match(phrase[m.end():].strip()))


_VAGUE_EVENT = re.compile(
    r"^(?:(?:have|has|needed)\s+to\b|(?:had|got|made|took|found|saw|went|tried|read|watched|spent|lost|missed|"
    r"called|texted|talked|chatted|worked|left|passed|decided|reached|got\s+back|came\s+back|caught\s+up)\s+"
    r"(?:(?:a|an|the|some|so\s+much|such\s+a|really|really\s+a|pretty|so|too|very|quite)\s+)*"
    r"(?:(?:fun|blast|great|good|nice|amazing|awesome|wonderful|lovely|bad|rough|tough|hard|long|busy|crazy|"
    r"to\s+bed|to\s+sleep|sick|time|chance|opportunity|idea|feeling|point|way|lot|bit|day|week|night|much|"
    r"everything|something|nothing|anything|used|better|worse|lucky|ready|tired|stuck|married|engaged|"
    r"divorced|hired|promoted|fired|laid|into|to\s+know|to\s+see|to\s+talk|to\s+it|your|my\s+best|what|"
    r"how|why|when|where|sure|inspired|emotional|excited|nervous|scared|hooked|the\s+hang|a\s+sense|"
    r"to\s+say|(?:a|an)\s+\w+\s+(?:week|day|time|weekend|month|year|night|ride)|some)\b"
    # A pronoun or particle alone: "made it", "went out", "took them" say nothing by themselves.
    r"|(?:it|that|this|them|him|her|you|me|us|home|back|out|well|there|here|by|up|on|off|in|away|over|"
    r"through|along|around|together)(?:\s+(?:so|too|again|already|together|now|then|anyway|finally|"
    r"earlier|later|back|out|up|off|home))*\s*$))",
    re.I,
)


@rule(
    rf"(?P<verb>{EVENT_VERBS}|{HAVE}\s+{ADV}(?:{_EVENT_PP})|(?:was|were)\s+(?:able\s+to\s+|lucky\s+enough\s+to\s+)?"
    rf"(?:invited\s+to|accepted\s+(?:to|into)|awarded|chosen|selected|elected|nominated|featured))\s+(?P<val>[^;!?]+)"
)
def event(m: re.Match[str], cl: Clause) -> list[Fact] | None:
    verb = re.sub(r"\s+", " ", m.group("verb"))
    verb = re.sub(rf"^(?:have|has)\s+(?:(?:{_ADV_WORDS})\s+)*", "", verb)
    rest = m.group("val")
    if re.match(r"(?:not|never)\b", rest):
        return None
    if verb in _TRANSITIVE and _TRANSITIVE_GAP.match(rest):
        return None  # "a pic I took during a workout": the object is before the verb
    v = value_of(rest, cl, "past", max_words=9)
    if not v:
        return None
    phrase = f"{verb} {v}"
    if vague_event(phrase) or _INDEFINITE.match(v) or re.fullmatch(r"(?:up\s+|on\s+|out\s+)?(?:" + "|".join(_VAGUE_GERUNDS) + ")", v):
        return None
    if re.search(r"\byou(?:r|rs)?\b", phrase, re.I):
        return None
    if len(phrase.split()) < 2 + (verb in ("got", "had", "made", "took", "did", "went")):
        return None
    return _f(cl, "event", dated(phrase, when(cl, "past")), ("event",))


@rule(rf"(?:am|is|are)\s+{ADV}(?P<verb>[a-z]+ing)\s+(?P<val>[^;!?]+)")
def progressive_plan(m: re.Match[str], cl: Clause) -> list[Fact] | None:
    # "We're flying to Tokyo next Friday": the present progressive with a future time is a plan.
    if not (_FUTURE_CUE.search(cl.pred) or _FUTURE_CUE.search(cl.lead)) or m.group("verb") in ("going", "thinking", "hoping", "looking", "getting", "doing", "trying", "feeling"):
        return None
    v = vp_value(m.group("verb") + " " + m.group("val"), cl, "future")
    if not v:
        return None
    return _f(cl, "plans", dated(v, when(cl, "future")), ("plan",))


_NOT_PAST = frozenset(
    """need needed feed bleed proceed exceed succeed speed seed weed breed indeed red bed shed
    embed used supposed""".split()
) | frozenset(
    # Participles that after "I" are feelings, not things done: "I'm excited and scared to ...".
    """tired excited interested scared bored worried amazed pleased surprised blessed stressed
    overwhelmed thrilled motivated inspired obsessed determined committed prepared relieved
    exhausted confused frustrated disappointed annoyed embarrassed delighted satisfied impressed
    terrified shocked touched stoked pumped hooked amused fascinated devastated heartbroken
    grateful convinced concerned involved engaged attached""".split()
)
# "a pic I took during a workout", "the figurines I bought yesterday remind me": a verb that
# needs an object, followed straight away by a preposition, time or verb, had its object
# earlier in the sentence. Such clauses say nothing on their own.
# "I gave up trying", "I started thinking": an -ing word alone that names nothing done.
_VAGUE_GERUNDS = frozenset("trying thinking waiting looking talking hoping caring worrying wondering feeling crying laughing".split())
_TRANSITIVE_GAP = re.compile(
    r"^(?:during|at|in|on|from|after|before|when|while|last|yesterday|today|because|so|and|but|"
    r"was|were|is|are|remind|reminds|there|here|it|the\s+other\s+day|a\s+few|recently|earlier)\b",
    re.I,
)
_TRANSITIVE = frozenset(
    """took made got bought found saw had read wrote painted drew built created designed received
    gave sent shot filmed photographed picked brought ordered tried won sold knitted baked cooked
    collected fixed watched""".split()
)


@rule(rf"(?P<verb>[a-z]{{2,}}ed|{HAVE}\s+{ADV}[a-z]{{2,}}ed)\s+(?P<val>[^;!?]+)")
def past_generic(m: re.Match[str], cl: Clause) -> list[Fact] | None:
    # Any regular past tense after "I" is something that happened ("I emailed some
    # wholesalers", "I dyed my hair"); the verb lists above only add the irregular ones.
    verb = re.sub(rf"^(?:have|has)\s+(?:(?:{_ADV_WORDS})\s+)*", "", m.group("verb"))
    if verb in _NOT_PAST or verb.endswith("eed"):
        return None
    rest = m.group("val")
    if re.match(r"(?:during|while|when|last|yesterday|remind|reminds|is|are|was|were)\b", rest):
        return None
    v = value_of(rest, cl, "past", max_words=9)
    if not v:
        return None
    phrase = f"{verb} {v}"
    if vague_event(phrase) or re.search(r"\byou(?:r|rs)?\b", phrase, re.I) or _INDEFINITE.match(v):
        return None
    return _f(cl, "event", dated(phrase, when(cl, "past")), ("event",))


_ACTIVITY_VERBS = (
    "working\\s+on|training\\s+for|writing|building|taking|volunteering|practicing|practising|"
    "preparing\\s+for|saving\\s+(?:up\\s+)?for|looking\\s+for|searching\\s+for|renovating|teaching|coaching|"
    "organizing|organising|running|raising|fostering|painting|knitting|designing|developing|launching|"
    "opening|expanding|growing|recording|producing|researching|exploring|applying\\s+for|interviewing|"
    "recovering\\s+from|starting|studying|mentoring|attending|taking\\s+care\\s+of|caring\\s+for|"
    "collecting|getting\\s+into|helping\\s+out|rehearsing|finishing(?:\\s+up)?|putting\\s+together|hosting|"
    "participating\\s+in|competing\\s+in|planning|creating|making|reading|playing|learning|"
    "setting\\s+up|fixing\\s+up|remodeling|redecorating|baking|cooking|volunteering|fundraising\\s+for|"
    "campaigning\\s+for|dancing|singing|drawing|sculpting|composing|filming|editing|blogging|vlogging|"
    "streaming|hiking|running|cycling|swimming|traveling|travelling|visiting|touring|moving|trying\\s+out|"
    "researching|searching\\s+for|training|preparing|saving|organizing|organising"
)


# "-ing" verbs that describe a state of mind or a conversation move, not something the speaker
# is doing: "I'm thinking about it", "I'm going through a lot", "I'm loving it".
_NOT_ACTIVITIES = frozenset(
    """thinking feeling going doing trying wondering meaning hoping waiting getting having being
    dying kidding saying talking telling looking keeping loving enjoying missing seeing hearing
    wanting needing busy coming checking following struggling dating dealing sharing chatting
    reaching sending asking showing letting catching texting calling spending putting making glad
    sorry hanging heading living staying happening wishing expecting rooting cheering praying
    counting lacking guessing assuming imagining picturing considering planning dreaming doubting
    freaking losing running winning pushing reminding liking hating nothing something everything
    thing bring during""".split()
)
# ...unless followed by what makes them a pursuit.
_ACTIVITY_PHRASES = ("looking for", "looking into", "making", "trying out", "running a", "planning a")
_ERRAND = re.compile(
    r"(?:(?:a|an|some|the|good|nice|new|fun|easy|quick|cheap|simple|healthy|\d+)\s+)*(?:gift|present|recipe|idea|suggestion|"
    r"recommendation|advice|help|tip|way|word|name|movie|film|show|song|book\s+to\s+read|answer|"
    r"example|template|quote|caption|synonym|phrase|joke|playlist|activity|game|outfit)s?\b",
    re.I,
)
_DURATION_ONLY = re.compile(
    r"(?:for|since|lately|recently|all\s+day|a\s+lot|so\s+much|non-stop|nonstop|a\s+while)\b|"
    r"(?:a|an|one|two|three|four|five|six|a\s+few|a\s+couple\s+of|\d+)\s+(?:minutes?|hours?|days?|weeks?|months?|years?)\b"
)


@rule(
    rf"(?:(?:am|is|are)\s+{ADV}(?P<verb>{_ACTIVITY_VERBS}|[a-z]{{3,}}ing(?:\s+(?:on|for|up|out|at|with|into))?)|"
    rf"{HAVE}\s+{ADV}been\s+{ADV}(?P<verb2>[a-z]+ing(?:\s+(?:on|for|up|out|at|with|to|into))?))"
    rf"\s+(?P<val>[^;!?]+)"
)
def activity(m: re.Match[str], cl: Clause) -> list[Fact] | None:
    verb = re.sub(r"\s+", " ", m.group("verb") or m.group("verb2"))
    rest = m.group("val")
    blocked = verb.split()[0] in _NOT_ACTIVITIES and not verb.startswith(_ACTIVITY_PHRASES)
    # "I'm trying kundalini yoga" is a pursuit; "I'm trying to stay calm" is not.
    tried_thing = verb == "trying" and not rest.startswith(("to ", "my best", "hard", "not "))
    if blocked and not tried_thing:
        return None
    if _DURATION_ONLY.match(rest):
        return None  # "I've been playing for a month": how long, but not what
    if verb in ("looking for", "searching for") and _ERRAND.match(rest):
        return None  # "I'm looking for a gift for my husband": an errand for the assistant
    future = bool(_FUTURE_CUE.search(cl.pred)) and m.group("verb") is not None
    v = value_of(rest, cl, "future" if future else "any", max_words=9)
    if not v:
        return None
    phrase = f"{verb} {v}"
    if re.search(r"\byou(?:r|rs)?\b", phrase, re.I) or vague_event(phrase):
        return None
    if verb in ("making", "reading", "playing", "taking") and len(v.split()) < 2 and not v[:1].isupper():
        return None
    if future:
        return _f(cl, "plans", dated(phrase, when(cl, "future")), ("plan",))
    return _f(cl, "activities", phrase, ("activity",))


# --------------------------------------------------------------------------- applying the rules

# Only "and" joins two predicates of one subject; a bare comma more often starts an aside
# ("my home, like a reminder of ...").
_PRED_STARTS = re.compile(r",?\s+(?:and|but)\s+(?:(?:then|also|now|just)\s+)?")


_NEW_SUBJECT = re.compile(
    r"(?:my|our|his|her|their|the|this|that|these|those|it|its|they|he|she|you|your|there|[A-Z][a-z]+(?:'s)?)\s+(?![a-z]+ing\b)"
)


# "I do love animals", "she does enjoy it": an emphatic auxiliary before a verb of taste.
_EMPHATIC_DO = re.compile(
    r"(?:do|does)\s+(?:really\s+|still\s+|actually\s+|truly\s+)?(?=(?:love|like|enjoy|adore|prefer|miss|hate)s?\b)"
)


def match_predicate(cl: Clause) -> list[Fact]:
    """Facts from the first matching rule at the start of the predicate and after each 'and'."""
    facts: list[Fact] = []
    # A few coordinated predicates per subject at most ("lives in Paris and works as a nurse").
    positions = [0] + [m.end() for m in _PRED_STARTS.finditer(cl.pred, 0, 400)][:5]
    kind = cl.subject.kind
    consumed = 0
    for pos in positions:
        if pos < consumed:
            continue  # inside what a rule already read: "was born and raised in Chicago"
        part = cl.pred[pos:]
        if pos and _NEW_SUBJECT.match(part):
            break  # "... and my pet slinked out and coiled up": what follows is the pet's
        verb_at = _ADV_RX.match(part).end()
        emphatic = _EMPHATIC_DO.match(part, verb_at)
        if emphatic:
            verb_at = emphatic.end()  # "I do love animals" is "I love animals"
        if verb_at >= len(part):
            continue
        for r in rules_for(part[verb_at]):
            if kind not in r.subjects or (r.singular_only and cl.subject.plural):
                continue
            m = r.rx.match(part, verb_at)
            if not m:
                continue
            sub = Clause(cl.subject, part, cl.lead, cl.env, cl.reported)
            got = r.handler(m, sub)
            if got is None:
                continue
            facts.extend(got)
            # An open-ended tail ("val", "rest") is read by the handler's own judgement, and a
            # second predicate after "and" in it still counts; a closed match is used up.
            consumed = pos + (m.start(r.tail) if r.tail and m.start(r.tail) >= 0 else m.end())
            break
    return facts
