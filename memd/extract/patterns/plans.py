"""Plans and wishes: "I'm going to Lisbon next week", "we're going on a cruise in December", "I fly
to Berlin tomorrow", "I have a dentist appointment on Friday", "I'd love to visit Japan", "I used
to be vegan".

The explicit future ("going to", "will", "plan to") first; the present tense counts as a plan
only with a time still to come (FUTURE_CUE); "used to" after them so "used to live in" is left to
places.lived_in.
"""

from __future__ import annotations

import re

from memd.extract import rules_lexicon as lex
from memd.extract.patterns.core import Clause, Fact, rule
from memd.extract.patterns.fragments import ADV, DIETS, HAVE, JOB, LOC, NUM, ORG, WORKPLACE
from memd.extract.patterns.values import (
    INDEFINITE, _f, clean_org, clean_place, dated, value_of, vp_value, when,
)
from memd.extract.patterns.work import job_facts
from memd.extract.patterns.words import alternation
from memd.extract.rules_dates import parse_number
from memd.extract.rules_text import clean_value


FUTURE_CUE = re.compile(
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
        if im and FUTURE_CUE.search(cl.pred) and clean_place(im.group("loc")):
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
    if not FUTURE_CUE.search(cl.pred):
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
    rf"(?:turn|turns|will\s+turn|(?:am|is)\s+going\s+to\s+turn|will\s+be)\s+(?P<n>{NUM})(?:\s+years\s+old)?(?=\s*$|\s*[,.;!]|\s+(?:on|in|next|this|tomorrow|today|soon|at\s+the|by|come)\b)",
    singular_only=True,
)
def will_turn(m: re.Match[str], cl: Clause) -> list[Fact] | None:
    # "I turn 30 next month": a birthday to come, dated like "I'm turning 30 next month".
    n = parse_number(m.group("n"))
    if n is None or not 0 < n < 120 or not FUTURE_CUE.search(cl.pred):
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


APPOINTMENTS = _APPOINTMENTS = alternation("appointments")


@rule(
    rf"(?:{HAVE}|(?:am|is|are)\s+having|{HAVE}\s+got)\s+(?:(?:a|an|my|our|the|this|another|two|three)\s+"
    rf"(?P<what>(?:[\w'-]+\s+){{0,3}}?(?:{_APPOINTMENTS})s?)|(?P<what2>surgery|chemo|therapy|class|practice|rehearsal|court|jury\s+duty|"
    rf"physio|physical\s+therapy|(?:[\w'-]+\s+)?exams|(?:[\w'-]+\s+)?finals))\b(?P<rest>[^;!?]*)"
)
def has_appointment(m: re.Match[str], cl: Clause) -> list[Fact] | None:
    # "I have a dentist appointment tomorrow": an engagement is a plan when it has a future time.
    if not FUTURE_CUE.search(cl.pred) and not re.search(r"\b(?:coming\s+up|soon|later)\b", m.group("rest")):
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
    if not v or INDEFINITE.match(v) or re.match(r"(?:it|that|this|stuff|things|work)$", v):
        return None
    head = re.search(r"(involved|active|engaged)\s+(in|with)|busy\s+(?:with\s+)?(getting ready for|preparing for|working on|planning)?", m.group(0))
    what = f"{head.group(1)} {head.group(2)} {v}" if head and head.group(1) else (f"{head.group(3)} {v}" if head and head.group(3) else v)
    return _f(cl, "activities", what, ("activity",))


@rule(r"used\s+to\s+(?P<val>[^;!?]+)")
def used_to(m: re.Match[str], cl: Clause) -> list[Fact] | None:
    if re.match(r"live\s+in\b", m.group("val")):
        return None  # "used to live in X" is lived_in's
    dm = re.match(rf"be\s+(?:a\s+)?(?P<d>{DIETS})\b(?!\s+(?:food|restaurant|recipe|option|meal|dish|place|cafe|bakery))", m.group("val"))
    if dm:
        d = dm.group("d").lower()
        return _f(cl, "diet", lex.DIETS.get(d, d), ("diet",), negated=True)  # "I used to be vegan"
    jm = re.match(rf"(?:be|work\s+as)\s+(?:a|an)\s+(?P<job>{JOB})(?:\s+(?:at|for)\s+(?P<org>{WORKPLACE}|{ORG}))?", m.group("val"))
    if jm and not cl.subject.plural:
        return job_facts(cl, jm.group("job"), jm.group("org"), previous=True) or None
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
