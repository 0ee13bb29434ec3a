"""Plans, wishes and efforts said in chat idiom: predicate rules for the rules backend.

    "I can't wait to visit Rome in June"            plans: 2023-06: visit Rome
    "Can't wait for the concert next week"          plans: 2023-05: the concert
    "I'm off to have dinner with friends"           plans: 2023-05-08: have dinner with friends
    "I had a few friends over to watch movies"      event: had a few friends over to watch movies
    "I'm tempted to try dairy-free flavors"         wishes: try dairy-free flavors
    "I'm always on the lookout for new reads"       activities: looking for new reads
    "I'm putting a lot of work into my business"    activities: working on my business
    "... when I volunteered last month"             event: 2023-04: volunteered
    "I'm hooked on this game called FIFA 23"        likes: FIFA 23
    "I'm so pumped for the launch tomorrow"         plans: 2023-05-09: the launch

The general plan and wish rules (memd/extract/patterns/) read "I plan to", "I'm going to", "I'd love to";
these are the same intentions in the words friends use. A value that is only a pronoun or a
conversation move ("can't wait to see it", "I'm off to bed") gives nothing: `vp_value` and the
value gate refuse it. Registered with patterns.core's `rule`; imported by rules_clauses.
"""

from __future__ import annotations

import re

from memd.extract.patterns import ADV, HAVE, Clause, Fact, _f, dated, rule, value_of, vp_value, when

# "tomorrow's grand opening", "Saturday's game": the day is the date, the rest is the thing.
_DAYS_OWN = re.compile(r"^(?:today|tomorrow|tonight|yesterday|this\s+\w+|next\s+\w+|(?:mon|tues|wednes|thurs|fri|satur|sun)day)'s\s+", re.I)
_POINTS_ELSEWHERE = re.compile(r"(?:it|them|this|that|you|your|what|how|more|something|anything|everything)\b", re.I)


def _doing(raw: str, cl: Clause) -> str | None:
    """'have dinner with some friends', 'try dairy-free flavors': a verb and the thing it is done
    to or with (light verbs too, which vp_value refuses on their own), or None."""
    v = value_of(raw, cl, "future", max_words=9)
    if not v or len(v.split()) < 2 or re.search(r"\byou(?:r)?\b", v, re.I):
        return None
    obj = v.split(maxsplit=1)[1]
    if _POINTS_ELSEWHERE.match(obj) or re.match(r"(?:a|the)\s+(?:look|try|go|shot|chance|break|rest|nap)\b", obj):
        return None
    return v


_EVEN = re.compile(r"\s+(?:even|despite|regardless|though|although)\b.*$")


# "I can't wait to visit Rome", "can not wait for the wedding", "can't wait 'til my studio opens".
@rule(r"(?:can\s*not|cannot)\s+wait\s+(?:(?P<to>to)\s+(?P<vp>[^;!?]+)|(?:for|until|till|'til)\s+(?P<np>[^;!?]+))")
def cannot_wait(m: re.Match[str], cl: Clause) -> list[Fact] | None:
    t = when(cl, "future")
    if m.group("to"):
        v = vp_value(m.group("vp"), cl, "future")
        if not v or re.match(r"(?:see|hear|meet|try|read|watch|find\s+out|get\s+started|start)\b(?!\s+(?:a|an|my|our|the|[A-Z]))", v):
            return None  # "can't wait to see it/hear more": the other person's news, not a plan
    else:
        raw = m.group("np").strip()
        if _POINTS_ELSEWHERE.match(raw):
            return None
        day = _DAYS_OWN.match(raw)
        if day:
            t = when(Clause(cl.subject, day.group(0)[:-3], cl.lead, cl.env), "future") or t
            raw = "the " + raw[day.end():]
        v = value_of(raw, cl, "future", max_words=8)
    if not v or _POINTS_ELSEWHERE.match(v) or len(v.split()) < 2:
        return None
    return _f(cl, "plans", dated(v, t), ("plan",))


_LEAVE_TAKING = re.compile(r"(?:go\s+)?(?:do|get|grab|sort|finish|catch|spend|run)\s+(?:some|a\s+few|a\s+bit|my|the|an?\s+)"
                           r"(?:errands?|research|work|stuff|things|time|chores|sleep|rest|lunch|food|coffee|shopping)\b|"
                           r"go\s+(?:do|get|grab|make)\b", re.I)
_NOW = re.compile(r"\b(?:now|for\s+now|right\s+away|for\s+a\s+(?:bit|while))\s*[.!]*$", re.I)


# "I'm off to have dinner with some friends", "we're off to Lisbon tomorrow".
@rule(rf"(?:am|is|are)\s+{ADV}off\s+to\s+(?P<val>[^;!?]+)")
def off_to(m: re.Match[str], cl: Clause) -> list[Fact] | None:
    raw = m.group("val").strip()
    if re.match(r"(?:bed|sleep|work|school|class|the\s+(?:gym|store|shops)|a\s+good\s+start|a\s+great\s+start)\b", raw, re.I):
        return None  # the day's routine or an idiom, not a plan worth a line
    if raw[:1].isupper():
        v = value_of(raw, cl, "future", max_words=5)
        v = f"going to {v}" if v else None
    elif _LEAVE_TAKING.match(raw) or _NOW.search(raw):
        # "I'm off to go do some research", "I'm off to spend some time with them now": the speaker
        # is leaving the chat; an errand with no name or date in it is no plan worth a line.
        return None
    else:
        v = _doing(raw, cl)
    if not v:
        return None
    t = when(cl, "future")
    if t is None and cl.env.ref is not None:
        return _f(cl, "plans", f"{cl.env.ref.isoformat()}: {v}", ("plan",))
    return _f(cl, "plans", dated(v, t), ("plan",))


# "I had a few new friends over to watch some movies", "we had my parents over for dinner".
@rule(r"had\s+(?P<who>(?:(?:a\s+few|a\s+couple(?:\s+of)?|some|my|our|his|her|their|two|three|four|the)\s+)?"
      r"(?:[\w'-]+\s+){0,2}?(?:friends|family|folks|people|guests|neighbou?rs|colleagues|coworkers|co-workers|relatives|"
      r"cousins|parents|in-laws|kids|grandkids|classmates|teammates))\s+over\b(?:\s+(?P<why>(?:to|for)\s+[^;!?]+))?")
def had_over(m: re.Match[str], cl: Clause) -> list[Fact] | None:
    who = re.sub(r"\s+", " ", m.group("who"))
    why = value_of(m.group("why"), cl, "past", max_words=6) if m.group("why") else None
    if why and (_POINTS_ELSEWHERE.match(why.split(maxsplit=1)[-1]) or len(why.split()) < 2):
        why = None
    phrase = f"had {who} over" + (f" {why}" if why else "")
    return _f(cl, "event", dated(phrase, when(cl, "past")), ("event", "social"))


# "I'm tempted to try dairy-free flavors", "I've been tempted to learn the drums".
@rule(rf"(?:am|is|are|{HAVE}\s+been)\s+{ADV}(?:(?:so|really|very|seriously|sorely)\s+)?tempted\s+to\s+(?P<val>[^;!?]+)")
def tempted_to(m: re.Match[str], cl: Clause) -> list[Fact] | None:
    v = _doing(m.group("val"), cl)
    return _f(cl, "wishes", v, ("wish",)) if v else None


# "I'm always on the lookout for new reads", "she's on the hunt for a new apartment".
@rule(rf"(?:am|is|are)\s+{ADV}on\s+the\s+(?:lookout|hunt|search)\s+for\s+(?P<val>[^;!?]+)")
def on_the_lookout(m: re.Match[str], cl: Clause) -> list[Fact] | None:
    raw = m.group("val").strip()
    if _POINTS_ELSEWHERE.match(raw):
        return None
    v = value_of(raw, cl, max_words=6)
    return _f(cl, "activities", f"looking for {v}", ("activity",)) if v else None


# "I'm putting in a lot of work on my business", "we've put so much effort into the garden".
@rule(rf"(?:(?:am|is|are)\s+{ADV}putting|{HAVE}\s+{ADV}put|put)\s+(?:in\s+)?(?:(?:a\s+lot\s+of|lots\s+of|so\s+much|tons\s+of|"
      rf"a\s+ton\s+of|all\s+my|my|serious|extra|more)\s+)?(?:work|effort|time|hours|energy)\s+(?:in\s+)?(?:into|on|in)\s+(?P<val>[^;!?]+)")
def putting_work(m: re.Match[str], cl: Clause) -> list[Fact] | None:
    raw = m.group("val").strip()
    if not re.match(r"(?:my|our|his|her|their|the|a|an)\s|[A-Z]", raw) or _POINTS_ELSEWHERE.match(raw):
        return None
    v = value_of(_EVEN.sub("", raw), cl, max_words=6)
    return _f(cl, "activities", f"working on {v}", ("activity",)) if v else None


_INTRANSITIVE = ("volunteered|camped|hiked|graduated|retired|relocated|eloped|competed|performed|exhibited|raced|"
                 "skydived|surfed|skied|snowboarded|kayaked|backpacked|interned|auditioned|testified|voted")


# "... when I volunteered last month": the verb is the whole event; only with the time it happened.
@rule(rf"(?P<verb>{_INTRANSITIVE})(?P<val>\s+(?:last|this|yesterday|on|in|over|a\s+few|two|three|earlier)\b[^;!?]*|\s*$)")
def did_then(m: re.Match[str], cl: Clause) -> list[Fact] | None:
    t = when(cl, "past")
    if t is None or not t.value:
        return None
    rest = value_of(m.group("val"), cl, "past", max_words=4) if m.group("val").strip() else None
    if rest:
        return None  # more than a time follows: the general event rule reads it
    return _f(cl, "event", dated(m.group("verb"), t), ("event",))


# "I'm hooked on this great game called FIFA 23", "she got hooked on bouldering": a liking.
@rule(rf"(?:(?:am|is|are|got|{HAVE}\s+(?:been|gotten))\s+{ADV}(?:totally\s+|so\s+|really\s+|completely\s+)?hooked\s+on)\s+(?P<val>[^;!?]+)")
def hooked_on(m: re.Match[str], cl: Clause) -> list[Fact] | None:
    raw = re.sub(r"^(?:this|that|these)\s+(?:(?:great|new|amazing|awesome|cool|fun)\s+)?(?P<kind>[a-z]+)\s+(?:called|named)\s+", "",
                 m.group("val").strip())
    if _POINTS_ELSEWHERE.match(raw) or re.match(r"(?:this|that|these|those)\b", raw, re.I):
        return None
    v = value_of(raw, cl, max_words=5)
    return _f(cl, "likes", v, ("preference",)) if v else None


# "I'm so pumped for the launch tomorrow", "I'm stoked for my game there next month": looked-forward
# events with a date or a name (without one, "I'm stoked for you" and "pumped to see where this
# goes" are cheering, not plans).
@rule(rf"(?:am|is|are)\s+{ADV}(?:(?:so|really|super|very|pretty|totally|beyond)\s+)?(?:stoked|pumped|psyched|thrilled|hyped)\s+"
      r"(?P<prep>for|about|to)\s+(?P<val>[^;!?]+)")
def stoked_for(m: re.Match[str], cl: Clause) -> list[Fact] | None:
    t = when(cl, "future")
    raw = m.group("val").strip()
    if _POINTS_ELSEWHERE.match(raw):
        return None
    v = _doing(raw, cl) if m.group("prep") == "to" else value_of(raw, cl, "future", max_words=8)
    if not v or _POINTS_ELSEWHERE.match(v) or re.match(r"(?:see|hear|watch|find\s+out|be\s+part)\b", v):
        return None
    named = any(w[:1].isupper() for w in v.split()[1:]) or re.search(r"\d", v)
    if (t is None or not t.value) and not named:
        return None
    return _f(cl, "plans", dated(v, t), ("plan",))
