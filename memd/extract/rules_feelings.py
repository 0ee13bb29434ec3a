"""Feelings about a specific thing that happened: a predicate rule for the rules backend.

    "I felt so accomplished reaching the top"              event: felt accomplished reaching the top
    "I felt proud and grateful at the pride parade"        event: felt proud and grateful at the pride parade
    "Last week I felt really welcomed at my new church"    event: 2023-05: felt welcomed at their new church

Only past feelings ("felt", "was feeling") tied to what caused them in the same clause: the
occasion ("at the parade", "during the match"), what the person was doing ("reaching the top") or
when ("when I got the keys"). A feeling alone ("I felt great"), about something named elsewhere
("I felt it", "I felt so proud of you") or a comparison ("I felt like ...") gives nothing. The
value gate lets such an event through (value_intent.vague); other "felt ..." events stay refused
as reflections. Registered with the patterns package's `rule`; imported by rules_clauses.
"""

from __future__ import annotations

import re

from memd.extract.patterns import ADV, Clause, Fact, _f, dated, rule, value_of, when

FEELINGS = frozenset("""proud grateful thankful happy accepted accomplished confident nervous excited anxious peaceful
liberated empowered inspired relieved blessed lucky nostalgic connected free alive calm motivated overwhelmed sad
scared supported loved welcomed valued safe fulfilled satisfied energized energised refreshed rejuvenated included
understood appreciated hopeful encouraged validated moved touched humbled honored honoured emotional thrilled
ecstatic elated joyful content relaxed exhilarated invigorated unstoppable victorious heartbroken devastated
frustrated disappointed embarrassed terrified lonely homesick""".split())
_FEEL = "|".join(sorted(FEELINGS, key=len, reverse=True))
_DEG = r"(?:(?:so|really|very|incredibly|super|pretty|truly|extremely|totally|deeply|absolutely|quite|a\s+bit|a\s+little|kind\s+of|both)\s+)?"
_RUN = rf"{_DEG}(?:{_FEEL})(?:(?:\s*,\s*(?:and\s+)?|\s+and\s+){_DEG}(?:{_FEEL})){{0,3}}"
_POINTS_ELSEWHERE = re.compile(r"(?:it|that|this|them|him|her|you|your|so|like|as\s+if|as\s+though)\b", re.I)


@rule(rf"(?:felt|was\s+feeling|were\s+feeling)\s+{ADV}(?P<adj>{_RUN})\s+(?P<tail>(?:at|during|after|when|while|on|in|"
      rf"by|with|to\s+(?:be|see|finally|have|get|win|meet|hear)|[a-z]{{3,}}ing)\s+[^;!?]+)")
def felt_at(m: re.Match[str], cl: Clause) -> list[Fact] | None:
    tail = m.group("tail")
    first = tail.split()[0].lower()
    rest = tail[len(first):].strip()
    if _POINTS_ELSEWHERE.match(rest) or first in ("being", "having", "doing", "thinking", "feeling", "getting"):
        return None  # "felt proud when it happened", "felt so happy being there": no occasion named
    v = value_of(tail, cl, "past", max_words=10)
    if not v or len(v.split()) < 2 or re.search(r"\byou(?:r)?\b", v, re.I):
        return None
    adj = re.sub(r"\s+", " ", re.sub(_DEG, "", m.group("adj"))).strip(" ,")
    return _f(cl, "event", dated(f"felt {adj} {v}", when(cl, "past")), ("event", "feeling"))
