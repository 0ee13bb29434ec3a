"""Where someone lives, lived, moved from or to, comes from and was born.

Negations first ("I don't live in Paris any more", "moved out of Berlin") so the plain "live in"
rule below cannot claim them; "moved to" before "moved here from"; the plan "moving to" before the
present "live in"; and the open-ended "was born ..." last.
"""

from __future__ import annotations

import re

from memd.extract import rules_lexicon as lex
from memd.extract.conventions import AS_OF_PREFIX, UPDATE_TAG
from memd.extract.patterns.core import Clause, Fact, rule
from memd.extract.patterns.fragments import ADV, DWELLINGS, HAVE, LOC, LOC_ANY, REST
from memd.extract.patterns.tables import table_rules
from memd.extract.patterns.values import _f, clean_place, dated, when
from memd.extract.rules_dates import best_time, find_times


table_rules("live_negated")


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
    rf"(?:from\s+(?P<from1>{LOC})\s+)?(?:to|into)\s+(?:(?:a|an|the|our|my)\s+(?:(?!and\b|but\b|in\b)[\w'-]+\s+){{0,3}}?(?:{DWELLINGS})\s+in\s+)?"
    rf"(?P<loc>{LOC_ANY})(?:\s+from\s+(?P<from2>{LOC}))?"
)
def moved_to(m: re.Match[str], cl: Clause) -> list[Fact] | None:
    place = clean_place(m.group("loc"))
    if not place:
        return None
    t = when(cl, "past")
    # A move replaces where one lived: the old place goes to the file's History ("Lena moved to
    # Zurich" on a file that says Berlin), dated by the move when it is said.
    since = t.value if t and t.value else cl.env.ref.isoformat()[:10] if cl.env.ref else None
    # A move years back ("moved to Berlin in 2010") says nothing of what memory learned since.
    recent = not (t and t.value and cl.env.ref and int(t.value[:4]) < cl.env.ref.year - 1)
    tags = ("location", UPDATE_TAG, *((AS_OF_PREFIX + since,) if since else ())) if recent else ("location",)
    out = _f(cl, "living_location", place, tags)
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
_LIVE_IN_HOME = rf"(?:(?:in|on)\s+(?:a|an|the|my|our|this)\s+(?:(?!and\b|but\b|in\b)[\w'-]+\s+){{0,3}}?(?:{DWELLINGS})\s+)?"


table_rules("lives_in", "rents_in", "lived_in", "comes_from", "grew_up", LIVE_WITH=_LIVE_WITH, LIVE_IN_HOME=_LIVE_IN_HOME)


@rule(r"(?:was|were)\s+born\s+" + REST)
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
