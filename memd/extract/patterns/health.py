"""Allergies, intolerances, diagnoses and conditions: "I'm allergic to peanuts", "I have a cat
allergy", "I was diagnosed with asthma", "I have diabetes", "I'm diabetic".

The negated allergy first ("not allergic to ... any more"); after diet.py so "I'm lactose
intolerant" and "I can't eat dairy" meet the diet rules first.
"""

from __future__ import annotations

import re

from memd.extract.patterns.core import Clause, Fact, rule
from memd.extract.patterns.fragments import ADV, HAVE
from memd.extract.patterns.tables import table_rules
from memd.extract.patterns.values import _f, dated, split_list, value_of, when
from memd.extract.rules_text import clean_value


@rule(r"(?:am|is|are)\s+(?:not|no\s+longer)\s+(?:actually\s+|really\s+|even\s+)?allergic\s+to\s+(?P<val>[^,.;!?]+)")
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


table_rules("has_allergy", "intolerant")


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


table_rules("health", "health_adjective")
