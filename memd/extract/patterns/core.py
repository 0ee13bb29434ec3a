"""The types the rules work on, the rule registry, and the loop that applies the rules.

rules_clauses cuts a sentence into clauses with a Subject (the speaker, a relative, a pet, a
pronoun, a known name) and hands each clause's predicate to match_predicate here. Every rule is
anchored at the predicate's verb, so "I would live in Paris" or "If I lived in Paris" never reads
as a location, and one set of rules serves every subject: verb alternations list first- and
third-person forms side by side ("live|lives", "am|is"), which is why "My sister Anna lives in
Paris" and "I live in Paris" share a rule.

Rules are tried in registration order and the first one whose handler returns a list wins (None
means "not mine after all, try the next"). The order is therefore part of the behaviour: the
domain modules register in the order memd.extract.patterns imports them, and a module of another
package that must win over the general rules registers with `first=True` (rules_persona).
The output is a list of Facts with an unresolved Subject; rules.py decides whom each is about.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from memd.extract.patterns.fragments import ADV_RX

# --------------------------------------------------------------------------- data


@dataclass(frozen=True)
class Subject:
    """Who a clause is about, before the backend knows who is speaking."""

    kind: str  # "self" | "relative" (unnamed) | "person" (named) | "pronoun"
    name: str | None = None
    relation: str | None = None  # canonical relation to the speaker; "pet" for animals
    pronoun: str | None = None  # "he" | "she" for kind == "pronoun"
    plural: bool = False  # "we", "my husband and I"
    companion: str | None = None  # "Tom and I": the one named beside the speaker


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


# --------------------------------------------------------------------------- the registry

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


# --------------------------------------------------------------------------- applying the rules

# Only "and" joins two predicates of one subject; a bare comma more often starts an aside
# ("my home, like a reminder of ...").
_PRED_STARTS = re.compile(r",?\s+(?:and|but)\s+(?:(?:then|also|now|just)\s+)?")


_NEW_SUBJECT = re.compile(
    r"(?:my|our|his|her|their|the|this|that|these|those|it|its|they|he|she|you|your|there|[A-Z][a-z]+(?:'s)?)\s+(?![a-z]+ing\b)"
)


# "I love how you use art and teach people", "I can imagine how much you miss being outdoors and
# surrounded by nature": after a clause with a subject of its own, an "and" joins that clause's
# verbs, not the speaker's.
_EMBEDDED_SUBJECT = re.compile(
    r"\b(?:how|that|why|whether)\s+(?:(?:much|many|far|well|often|hard)\s+)?"
    r"(?:you|he|she|they|it|people|everyone|others|your\s+\w+|his\s+\w+|her\s+\w+|their\s+\w+)\b",
    re.I,
)


_MODAL = re.compile(r"(?:will|would|should|might|may|must|shall|have\s+to|has\s+to)\b")
_OWN_AUXILIARY = re.compile(r"(?:will|would|should|might|may|must|shall|can|could|am|is|are|was|were|have|has|had|do|does|did)\b")


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
    modal = _MODAL.match(cl.pred, ADV_RX.match(cl.pred).end()) if len(positions) > 1 else None
    for pos in positions:
        if pos < consumed:
            continue  # inside what a rule already read: "was born and raised in Chicago"
        part = cl.pred[pos:]
        if pos and _NEW_SUBJECT.match(part):
            break  # "... and my pet slinked out and coiled up": what follows is the pet's
        if pos and _EMBEDDED_SUBJECT.search(cl.pred, 0, pos):
            break
        shift = 0
        if pos and modal and not _OWN_AUXILIARY.match(part):
            # "we will rock the dance floor and teach others": the modal holds for the second verb
            # too, which is read as "will teach others", never as something done now.
            part = modal.group(0) + " " + part
            shift = len(modal.group(0)) + 1
        verb_at = ADV_RX.match(part).end()
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
            consumed = pos - shift + (m.start(r.tail) if r.tail and m.start(r.tail) >= 0 else m.end())
            break
    return facts
