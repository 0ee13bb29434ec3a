"""Diets and the foods someone does not eat: "I'm vegan", "I don't eat pork", "I cut out sugar",
"I can't eat gluten" (an intolerance, unless it is a food people avoid by choice).

The negated diet first ("I'm no longer vegetarian"), so the plain diet rule cannot read it as a
diet.
"""

from __future__ import annotations

import re

from memd.extract import rules_lexicon as lex
from memd.extract.patterns.core import Clause, Fact, rule
from memd.extract.patterns.fragments import ADV, DIETS, FOODS, HAVE
from memd.extract.patterns.tables import table_rules
from memd.extract.patterns.values import _f, dated, when


table_rules("diet_negated")


@rule(
    rf"(?:(?:am|is|are|{HAVE}\s+been)\s+{ADV}(?:a\s+|an\s+|mostly\s+|strictly\s+|fully\s+)?(?P<d1>{DIETS})\b"
    rf"(?!\s+(?:food|restaurant|recipe|option|meal|dish|place|cafe|bakery|cookbook|version))"
    rf"|(?:went|gone|turned|became|become|switched\s+to\s+being)\s+(?P<d2>{DIETS})\b"
    rf"|(?:follow|follows|(?:am|is|are)\s+on|eat|eats|started|switched\s+to)\s+(?:a\s+)?(?P<d3>{DIETS})\s+diet)",
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


table_rules("keeps_diet")
