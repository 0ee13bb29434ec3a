"""Interests said as a state: a predicate rule for the rules backend.

    "I'm really interested in sustainable initiatives"      likes: sustainable initiatives
    "Lately I've become interested in extreme sports"        likes: extreme sports
    "I've always been interested in underwater life"         likes: underwater life

People name what draws them as often with "interested in" as with "I love" or "I'm into"; the
general likes rules (memd/extract/patterns/likes.py) read the verbs of taste, not this adjective.
Only the speaker's own present or lasting interest counts: "I'm not interested in X", "I was
interested in X once", "would you be interested in ..." and an interest in a pronoun ("interested in
it", "interested in what you do") give nothing. Registered with the patterns package's `rule`
(after the general rules); imported by rules_clauses so the rule exists before any sentence is read.
"""

from __future__ import annotations

import re

from memd.extract.patterns import HAVE, Clause, Fact, _f, liked_items, object_value, rule

_DEGREE = r"(?:(?:really|very|so|super|quite|particularly|especially|genuinely|deeply|more|also|always|now|increasingly)\s+)*"
# What follows "interested in" that is no thing of the speaker's own: a pronoun, a question word, the
# listener, or a conversation move ("interested in hearing more", "interested in your thoughts").
_NOT_AN_INTEREST = re.compile(
    r"(?:it|this|that|these|those|them|him|her|you|your|what|how|why|where|which|whatever|anything|something|"
    r"everything|hearing|knowing|seeing\s+(?:it|that|this|what|how)|learning\s+more|more|doing\s+(?:it|that|this|so))\b",
    re.I)


@rule(rf"(?:am|is|are|{HAVE}\s+{_DEGREE}been|{HAVE}\s+{_DEGREE}become|{HAVE}\s+gotten|(?:recently\s+)?became|got)\s+"
      rf"{_DEGREE}interested\s+in\s+(?P<val>[^;!?]+)")
def interested_in(m: re.Match[str], cl: Clause) -> list[Fact] | None:
    raw = m.group("val").strip()
    if _NOT_AN_INTEREST.match(raw):
        return []
    v = object_value(raw, cl, max_words=7)
    if not v:
        return []
    if re.match(r"[a-z]+ing\s+(?:more|my|new|some|different|other|further)\b", v):
        return []  # "interested in exploring more eco-friendly fabrics": an intention, not a liking
    if re.match(rf"{re.escape(v)}\s*,?\s+(?:that|which|who|where|whose)\b", raw, re.I) and " " not in v:
        return []  # "interested in projects that improve healthcare access": the clause says which ones
    return [fact for part in liked_items(v) for fact in _f(cl, "likes", part, ("preference", "interest"))]
