"""What someone is and where they do it: "I'm a nurse at St. Mary's", "I work at Google",
"I work in finance", nationality, a business they run, volunteering, teaching, a school year,
being a fan of something.

"I'm an avid reader" (a hobby) and "I'm in a book club" (a membership) come before "I'm a
<job>", which would otherwise take "reader" for a job title; "work at" before "work in" so a
workplace wins over a field.
"""

from __future__ import annotations

import re

from memd.extract.patterns.core import Clause, Fact, rule
from memd.extract.patterns.fragments import ADV, HAVE, JOB, LOC, ORG, WORKPLACE
from memd.extract.patterns.tables import table_rules
from memd.extract.patterns.values import _f, clean_org, clean_place, dated, value_of, when
from memd.extract.patterns.work import article, job_facts
from memd.extract.rules_text import clean_value


table_rules("hobbyist")


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
    art = "the" if m.group("det") == "the" else article(grp)
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
    out = job_facts(cl, m.group("job"), org, previous=previous)
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
        return job_facts(cl, m.group("job"), m.group("org"), previous=False) or None
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
    return job_facts(cl, m.group("job"), m.group("org"), previous=False) or None


table_rules("worked_at")


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


table_rules("works_remote", "nationality")


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
