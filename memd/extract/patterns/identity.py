"""Age and name: "I'm 34", "I turned 30 on May 2", "I'm Sam" (only in an introduction or the
user's own profile text), "I go by Sam".

After the places so "I am from X" is read there first; before work so "I am 34" is an age, not a
job title.
"""

from __future__ import annotations

import re

from memd.extract.patterns.core import Clause, Fact, rule
from memd.extract.patterns.fragments import ADV, HAVE, NAME, NUM
from memd.extract.patterns.tables import table_rules
from memd.extract.patterns.values import _f, valid_name, when
from memd.extract.rules_dates import birth_date_from_age, parse_number


@rule(
    rf"(?:am|is)\s+(?P<n>{NUM})(?:\s+years?\s+old|\s+y/?o)?(?=\s*(?:$|[,.;!)]|and\b|but\b|now\b|today\b|this\b|next\b|so\b))",
    subjects=frozenset({"self", "relative", "person", "pronoun"}),
    singular_only=True,
)
def age_is(m: re.Match[str], cl: Clause) -> list[Fact] | None:
    n = parse_number(m.group("n"))
    if n is None or not 0 < n < 120:
        return None
    return _f(cl, "age", str(n), ("age",))


@rule(
    rf"(?:{HAVE}\s+)?{ADV}turned\s+(?P<n>{NUM})\b(?!\s*(?:%|percent|degrees|pages|minutes|hours|miles|km|times))",
    singular_only=True,
)
def turned(m: re.Match[str], cl: Clause) -> list[Fact] | None:
    if re.search(r"\b(?:when|after|before|since|until|once|by\s+the\s+time)\s*$", cl.lead, re.I):
        return None  # "When I turned ten, dad signed me up": an age then, not now
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


table_rules("goes_by")
