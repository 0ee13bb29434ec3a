"""Jobs and employers, and changes to them.

The ending of a job (negations, "lost my job", "was laid off", "quit X", "retired") comes before
the starting of one ("got a job as", "started working at", "was hired", "joined"), and both before
the plain present "work as" / "worked as" / "became a": the narrower pattern must win. The
statements that only say what someone is ("I am a nurse") follow in roles.py. job_facts is the
shared reading of a job title with its employer; roles, education and plans use it too.
"""

from __future__ import annotations

import re

from memd.extract import rules_lexicon as lex
from memd.extract.patterns.core import Clause, Fact, rule
from memd.extract.patterns.fragments import ADV, HAVE, JOB, NO_MORE, ORG, OW, REST, WORKPLACE
from memd.extract.patterns.tables import table_rules
from memd.extract.patterns.values import _f, clean_org, dated, when
from memd.extract.rules_text import clean_value


_STUDENT_HEADS = re.compile(r"\b(?:student|freshman|sophomore|undergrad|undergraduate|postdoc)s?$", re.I)


def job_facts(cl: Clause, job_raw: str | None, org_raw: str | None, *, previous: bool) -> list[Fact]:
    if not job_raw:
        return []
    words = job_raw.split()
    out: list[Fact] = []
    kept = []
    aspiring = False
    former = previous
    for w in words:
        lw = w.lower()
        am = re.fullmatch(r"(\d{1,3})-year-old", lw)
        if am:
            out += _f(cl, "age", am.group(1), ("age",))
            continue
        if lw in ("former", "ex", "retired"):
            former = True
            continue
        if lw in ("aspiring", "wannabe", "would-be", "future"):
            aspiring = True
            continue
        if lw in lex.JOB_NOISE_MODIFIERS and not kept:
            continue
        kept.append(w)
    job = " ".join(kept)
    if not job:
        return out
    if aspiring:
        return out + _f(cl, "wishes", f"become a {job}", ("wish", "work"))
    org_is_named = bool(org_raw and not re.match(r"(?:a|an|the)\s+[a-z]", org_raw))
    org = clean_org(org_raw) if org_is_named else (clean_value(org_raw or "", max_words=6) if org_raw else None)
    if _STUDENT_HEADS.search(job):
        out += _f(cl, "job_title", job, ("work", "education"))
        out += _f(cl, "school", org, ("education",))
        return out
    out += _f(cl, "previous_job_title" if former else "job_title", job, ("work",))
    if org:
        key = ("previous_employer" if former else "employer") if org_is_named else ("previous_workplace" if former else "workplace")
        out += _f(cl, key, org, ("work",))
    return out



@rule(
    rf"(?:(?:do|does)\s+not|no\s+longer)\s+(?:{ADV})?works?\s+(?:at|for)\s+(?P<org>{WORKPLACE}|{ORG})"
    rf"|(?:am|is)\s+no\s+longer\s+(?:(?:working|employed)\s+(?:at|for|with|by)|at)\s+(?P<org2>{WORKPLACE}|{ORG})"
    rf"|(?:am|is)\s+not\s+(?:(?:working|employed)\s+(?:at|for|with|by)|at)\s+(?P<org3>{WORKPLACE}|{ORG})\s+{NO_MORE}"
    rf"|(?P<stop>stopped|quit)\s+working\s+(?:at|for)\s+(?P<org4>{WORKPLACE}|{ORG})",
    singular_only=True,
)
def work_negated(m: re.Match[str], cl: Clause) -> list[Fact] | None:
    raw = m.group("org") or m.group("org2") or m.group("org3") or m.group("org4")
    if re.match(r"(?:a|an|the)\s+[a-z]", raw):
        key, org = "workplace", clean_value(raw, max_words=6)
    else:
        key, org = "employer", clean_org(raw)
    out = _f(cl, key, org, ("work",), negated=True)
    t = when(cl, "past") if m.group("stop") else None
    if out and t:
        out += _f(cl, "event", dated(f"{m.group('stop')} working at {org}", t), ("event", "work"))
    return out or None


table_rules("job_negated")


def article(word: str) -> str:
    return "an" if word[:1].lower() in "aeio" or re.match(r"(?:MBA|MA|MS|MSc|MD|RN|LPN|HR|SEO)\b", word) else "a"


def _job_end(cl: Clause, rest: str, verb: str) -> list[Fact]:
    """Losing a job: the employer and title go, and the loss itself is an event."""
    jm = re.search(rf"\bas\s+(?:a|an)\s+(?P<job>{JOB})", rest)
    om = re.search(rf"\b(?:at|with|from)\s+(?P<org>{WORKPLACE}|{ORG})", rest)
    named = bool(om) and not re.match(r"(?:a|an|the)\s+[a-z]", om.group("org"))
    org = (clean_org(om.group("org")) if named else clean_value(om.group("org"), max_words=6)) if om else None
    out = _f(cl, "employer" if named or not org else "workplace", org or "*", ("work",), negated=True)
    if jm:
        out += _f(cl, "job_title", jm.group("job"), ("work",), negated=True)
    prep = om.group(0).split()[0] if om else "at"
    what = verb + (f" as a {jm.group('job')}" if jm else "") + (f" {prep} {org}" if org else "")
    out += _f(cl, "event", dated(what, when(cl, "past")), ("event", "work"))
    return out


@rule(
    r"(?P<verb>lost|quit|left|resigned\s+from)\s+(?:my|his|her|their)\s+(?:(?:old|previous|day|full-time|part-time|"
    r"corporate|teaching|office)\s+)?job" + REST,
    singular_only=True,
)
def job_lost(m: re.Match[str], cl: Clause) -> list[Fact]:
    return _job_end(cl, m.group("rest"), f"{m.group('verb')} job")


@rule(rf"(?:got|was|were|{HAVE}\s+been)\s+{ADV}(?P<how>laid\s+off|fired|let\s+go|made\s+redundant)" + REST, singular_only=True)
def laid_off(m: re.Match[str], cl: Clause) -> list[Fact]:
    return _job_end(cl, m.group("rest"), "was " + re.sub(r"\s+", " ", m.group("how")))


@rule(rf"quit\s+(?P<org>{OW}(?:\s+{OW}){{0,3}})(?=$|[\s,.!;])", singular_only=True)
def quit_org(m: re.Match[str], cl: Clause) -> list[Fact] | None:
    org = clean_org(m.group("org"))
    if not org:
        return None
    out = _f(cl, "employer", org, ("work",), negated=True)
    return out + _f(cl, "event", dated(f"quit {org}", when(cl, "past")), ("event", "work"))


@rule(rf"(?:(?:am|is)\s+(?:now\s+)?retired|retired(?:\s+from\s+(?P<org>{ORG}))?)", singular_only=True)
def retired(m: re.Match[str], cl: Clause) -> list[Fact]:
    out = _f(cl, "employment_status", "retired", ("work",))
    org = clean_org(m.group("org"))
    if org:
        out += _f(cl, "employer", org, ("work",), negated=True)
    t = when(cl, "past")
    if m.group(0).startswith("retired") and t is not None:
        out += _f(cl, "event", dated("retired" + (f" from {org}" if org else ""), t), ("event", "work"))
    return out


table_rules("employment_status")


@rule(
    rf"(?:got|landed|accepted|started|took|found|began|{HAVE}\s+{ADV}(?:got|gotten|landed|accepted|started|found))\s+"
    rf"(?:a\s+|an\s+|my\s+|the\s+)?(?:(?:new|first|dream|part-time|full-time|summer|teaching|great|"
    rf"amazing|good|second)\s+)*(?:job|position|role|gig|internship)(?P<offer>\s+offer)?" + REST,
    singular_only=True,
)
def job_started(m: re.Match[str], cl: Clause) -> list[Fact]:
    rest = m.group("rest")
    jm = re.match(rf"\s+as\s+(?:a|an|the)\s+(?P<job>{JOB}|[a-z][\w-]*(?:\s+[a-z][\w-]*)?)", rest)
    om = re.search(rf"^(?:\s+as\s+[^,.;]*?)?\s+(?:at|with|for)\s+(?P<org>{ORG}|{WORKPLACE})", rest)
    org_raw = om.group("org") if om else None
    if om and not jm:
        # "a new job at Spotify as a product manager"
        jm = re.match(rf"\s+as\s+(?:a|an|the)\s+(?P<job>{JOB})", rest[om.end():])
    out: list[Fact] = []
    if not m.group("offer"):
        if jm:
            out += job_facts(cl, jm.group("job"), org_raw, previous=False)
        elif org_raw:
            named = not re.match(r"(?:a|an|the)\s+[a-z]", org_raw)
            out += _f(cl, "employer" if named else "workplace", clean_org(org_raw) if named else clean_value(org_raw, max_words=6), ("work",))
    what = "got a job offer" if m.group("offer") else "started a new job"
    if jm:
        what += f" as {article(jm.group('job'))} {jm.group('job')}"
    if org_raw:
        what += f" at {clean_org(org_raw) or clean_value(org_raw, max_words=6)}"
    out += _f(cl, "event", dated(what, when(cl, "past")), ("event", "work"))
    return out


@rule(
    rf"(?:started|began|{HAVE}\s+{ADV}(?:started|begun))\s+(?:working|work|a\s+job)\s+"
    rf"(?:as\s+(?:a|an)\s+(?P<job>{JOB})\s+)?(?:at|for|with)\s+(?P<org>{WORKPLACE}|{ORG})"
    rf"(?:\s+as\s+(?:a|an)\s+(?P<job2>{JOB}))?",
    singular_only=True,
)
def started_working(m: re.Match[str], cl: Clause) -> list[Fact] | None:
    raw = m.group("org")
    named = not re.match(r"(?:a|an|the)\s+[a-z]", raw)
    org = clean_org(raw) if named else clean_value(raw, max_words=6)
    if not org:
        return None
    job = m.group("job") or m.group("job2")
    out = job_facts(cl, job, raw, previous=False) if job else _f(cl, "employer" if named else "workplace", org, ("work",))
    return out + _f(cl, "event", dated(f"started working at {org}", when(cl, "past")), ("event", "work"))


@rule(rf"(?:got|was|were|{HAVE}\s+been)\s+(?:just\s+)?(?P<how>hired|promoted)" + REST, singular_only=True)
def hired(m: re.Match[str], cl: Clause) -> list[Fact]:
    rest = m.group("rest")
    jm = re.match(rf"\s+(?:as|to)\s+(?:a\s+|an\s+)?(?P<job>{JOB}|[A-Za-z][\w-]*(?:\s+[A-Za-z][\w-]*)?)", rest)
    om = re.search(rf"\s+(?:at|by|with)\s+(?P<org>{ORG}|{WORKPLACE})", rest)
    job = jm.group("job") if jm else None
    out = job_facts(cl, job, om.group("org") if om else None, previous=False) if job else []
    if not job and om:
        out += _f(cl, "employer", clean_org(om.group("org")), ("work",))
    what = f"got {m.group('how')}" + (f" as {job}" if job and m.group("how") == "hired" else f" to {job}" if job else "")
    if om and m.group("how") == "hired":
        what += f" at {clean_org(om.group('org')) or clean_value(om.group('org'), max_words=6)}"
    out += _f(cl, "event", dated(what, when(cl, "past")), ("event", "work"))
    return out


@rule(
    r"joined\s+(?P<org>(?:a|an)\s+(?:[a-z][\w-]*\s+){0,2}?(?:startup|start-up|company|firm|agency|"
    r"consultancy|law\s+firm|bank|hospital|clinic|school|nonprofit|non-profit))\b",
    singular_only=True,
)
def joined_employer(m: re.Match[str], cl: Clause) -> list[Fact] | None:
    org = clean_value(m.group("org"), max_words=5)
    if not org:
        return None
    out = _f(cl, "workplace", org, ("work",))
    return out + _f(cl, "event", dated(f"joined {org}", when(cl, "past")), ("event", "work"))


# "work as a team": how, not what as.
_NO_JOB = r"(?:team|group|unit|family|whole|pair|duo|couple|community|collective|one|volunteer\s+group)"


@rule(rf"joined\s+(?P<org>{ORG})\s+as\s+(?:a|an|the)\s+(?P<job>{JOB})", singular_only=True)
def joined_as(m: re.Match[str], cl: Clause) -> list[Fact]:
    out = job_facts(cl, m.group("job"), m.group("org"), previous=False)
    return out + _f(cl, "event", dated(f"joined {clean_org(m.group('org'))}", when(cl, "past")), ("event", "work"))


@rule(
    rf"(?:work|works|(?:am|is)\s+{ADV}working|{HAVE}\s+{ADV}(?:worked|been\s+working))\s+{ADV}as\s+(?:a|an|the)\s+"
    rf"(?!{_NO_JOB}\b)(?P<job>{JOB}|[a-z][\w-]*(?:\s+[a-z][\w-]*){{0,2}})(?:\s+(?:at|for|with|in)\s+(?P<org>{ORG}|{WORKPLACE}))?",
    singular_only=True,
)
def works_as(m: re.Match[str], cl: Clause) -> list[Fact]:
    return job_facts(cl, clean_value(m.group("job"), max_words=4), m.group("org"), previous=False)


@rule(rf"worked\s+as\s+(?:a|an|the)\s+(?!{_NO_JOB}\b)(?P<job>{JOB}|[a-z][\w-]*(?:\s+[a-z][\w-]*)?)(?:\s+(?:at|for|with)\s+(?P<org>{ORG}|{WORKPLACE}))?", singular_only=True)
def worked_as(m: re.Match[str], cl: Clause) -> list[Fact]:
    return job_facts(cl, clean_value(m.group("job"), max_words=4), m.group("org"), previous=True)


@rule(
    rf"(?:became|become|becomes|{HAVE}\s+{ADV}become|(?:got|was|were)\s+made)\s+(?:a|an|the)\s+(?P<job>{JOB})"
    rf"(?:\s+(?:at|for|with|of)\s+(?P<org>{WORKPLACE}|{ORG}))?(?!\s+(?:fan|lover|person)\b)",
    singular_only=True,
)
def became_job(m: re.Match[str], cl: Clause) -> list[Fact] | None:
    # "I just became a manager at work": a new title, and the change is an event.
    out = job_facts(cl, m.group("job"), m.group("org"), previous=False)
    if not out or cl.subject.kind == "pronoun" and m.group(0).startswith("become"):
        return out or None
    job = next((f.value for f in out if f.key == "job_title"), None)
    if job:
        out += _f(cl, "event", dated(f"became {article(job)} {job}", when(cl, "past")), ("event", "work"))
    return out
